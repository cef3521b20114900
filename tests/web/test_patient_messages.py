"""The patient page's "Messages": how the patient answers, every SMS sent with its
delivery and attempt, every SMS received, newest first, in a real browser."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from backend import cursor as cursors
from backend.outbox.jobs import sweep_outbox
from tests.formlinks.support import web_patient
from tests.helpers import CALENDAR_ENDS, audit_events, run_worker
from tests.notifications.fake_twilio import PUBLIC_URL, TOKEN, install, report
from tests.web.support import accessible, fits, shoot, sign_in
from tests.web.test_audit_pages import _web


@pytest.fixture
def twilio(app):
    fake = install(app)
    yield fake
    fake.close()


@pytest.fixture
def history(world, app, clock, redis, client, twilio):
    """A web-form patient: the welcome SMS delivered, the link failed once and sent
    again, and a reply from the patient."""
    patient, nurse = web_patient(world, app, clock, redis, family_name="Roux",
                                 given_name="Odette")
    welcome, link = twilio.received
    assert report(client, welcome, "delivered").status_code == 204
    assert report(client, link, "failed", "30003").status_code == 204
    run_worker(app, redis)
    clock.advance(minutes=5)
    sweep_outbox()
    run_worker(app, redis)
    assert report(client, twilio.received[-1], "sent").status_code == 204
    clock.advance(minutes=3)
    sms = {"MessageSid": "SM" + "7" * 32, "From": "+33655555555", "To": "+33700000000",
           "Body": "Je n'ai pas reçu le lien hier"}
    signature = RequestValidator(TOKEN).compute_signature(
        f"{PUBLIC_URL}/webhooks/twilio/sms", sms)
    assert client.post("/webhooks/twilio/sms", data=sms,
                       headers={"X-Twilio-Signature": signature}).status_code == 200
    return {"patient": patient, "nurse": nurse}


def test_the_nurse_sees_every_message_and_its_delivery(history, app, clock, live_server,
                                                       page, axe_source):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, clock, history["nurse"])
    page.goto(f"{live_server}/web/patients/{history['patient']['id']}")
    section = page.locator("#messages")
    expect(section.get_by_role("heading", name="Messages")).to_be_visible()
    expect(section).to_contain_text("Formulaire web par lien SMS")
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Reçu du patient")
    expect(rows.nth(0)).to_contain_text("Je n'ai pas reçu le lien hier")
    expect(rows.nth(1)).to_contain_text("lien du questionnaire web")
    expect(rows.nth(1)).to_contain_text("envoyé")
    expect(rows.nth(1)).to_contain_text("essai 2 sur 3")
    # The welcome and the first link left at the same minute, in either order.
    failed = rows.filter(has_text="échec")
    expect(failed).to_contain_text("lien du questionnaire web")
    expect(failed).to_contain_text("erreur 30003")
    expect(failed).to_contain_text("échec 10:30")  # Twilio's reports, in order
    expect(failed).to_contain_text("essai 1 sur 3")
    expect(failed).to_contain_text("/f/••••••••")  # the link's token is never shown
    expect(rows.filter(has_text="SMS de bienvenue")).to_contain_text("reçu")
    accessible(page, axe_source)
    shoot(page, "patient-messages")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    fits(page)
    accessible(page, axe_source)
    shoot(page, "patient-messages-phone")
    reads = audit_events(app, action="patient.messages")
    assert reads and {str(e.patient_id) for e in reads} == {history["patient"]["id"]}


def test_older_messages_are_a_page_further(history):
    """The API pages by cursor; the page shows the newest and links to the older ones."""
    nurse, patient = history["nurse"], history["patient"]
    first = nurse.get(f"/api/v1/patients/{patient['id']}/messages?limit=2")
    assert first.status_code == 200
    assert [(m["direction"], m.get("attempt")) for m in first.json] == [
        ("received", None), ("sent", 2)]
    rest = nurse.get(f"/api/v1/patients/{patient['id']}/messages?limit=2&cursor="
                     f"{first.headers['X-Next-Cursor']}")
    assert "X-Next-Cursor" in rest.headers  # a full page: the next one may be empty
    last = nurse.get(f"/api/v1/patients/{patient['id']}/messages?limit=2&cursor="
                     f"{rest.headers['X-Next-Cursor']}")
    assert last.json == [] and "X-Next-Cursor" not in last.headers
    by_template = {(m["template"], m["attempt"]): m for m in rest.json}
    assert set(by_template) == {("enrollment.welcome", 1), ("task.form_link", 1)}
    assert by_template["task.form_link", 1]["error_code"] == "30003"
    assert [r["status"] for r in by_template["task.form_link", 1]["reports"]] == ["failed"]
    assert [r["status"] for r in first.json[1]["reports"]] == ["sent"]
    assert first.json[1]["retry_of"] == by_template["task.form_link", 1]["id"]
    bad = nurse.get(f"/api/v1/patients/{patient['id']}/messages?cursor=nonsense")
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]["query"]


def test_the_page_links_to_older_messages(history, clock, live_server, page, monkeypatch):
    monkeypatch.setattr("backend.web.patient_pages.MESSAGES_PER_PAGE", 3)
    sign_in(page, live_server, clock, history["nurse"])
    page.goto(f"{live_server}/web/patients/{history['patient']['id']}")
    expect(page.locator("#messages tbody tr")).to_have_count(3)
    page.get_by_role("link", name="Messages plus anciens").click()
    rows = page.locator("#messages tbody tr")
    expect(rows).to_have_count(1)  # the welcome or the first link: they left together
    expect(rows.first).to_contain_text("essai 1 sur 3")


@pytest.mark.parametrize("end", CALENDAR_ENDS)
def test_an_older_messages_link_edited_to_the_ends_of_time_shows_the_newest(history, app,
                                                                            end):
    """A time at either end of the calendar is no cursor this page gave: as for any
    edited link, the page shows the newest messages."""
    web = _web(app, history["nurse"])
    edited = cursors.encode(end, str(uuid.uuid4()))
    shown = web.get(f"/web/patients/{history['patient']['id']}?messages_after={edited}")
    assert shown.status_code == 200
    assert "pas reçu le lien hier" in shown.get_data(as_text=True)


def test_an_unreachable_patient_is_in_the_nurses_queue(world, app, clock, redis, client,
                                                       twilio, live_server, page,
                                                       axe_source):
    patient, nurse = web_patient(world, app, clock, redis, family_name="Blanc")
    _, link = twilio.received
    assert report(client, link, "undelivered", "21610").status_code == 204
    run_worker(app, redis)
    sign_in(page, live_server, clock, nurse)
    page.goto(f"{live_server}/web/queue")
    row = page.locator(f"#patient-{patient['id']}")
    row.locator("summary").first.click()
    item = row.locator(".alert-item")
    expect(item).to_contain_text("Patient injoignable par SMS")
    expect(item).to_contain_text("« lien du questionnaire web » non remis après 1 envoi(s) "
                                 "(erreur 21610) : le numéro ne peut pas recevoir ce SMS")
    accessible(page, axe_source)
    shoot(page, "queue-unreachable")
    item.get_by_role("button", name="Prendre en charge").click()
    expect(page.locator(f"#patient-{patient['id']} .alert-item .status")).to_have_text(
        "Prise en charge")
