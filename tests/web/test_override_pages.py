"""A surgeon sets a patient's own threshold on the patient page, sees a refusal in
words, and ends it; nurses read them."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.sync_api import expect

from backend.alerts.models import Alert
from backend.protocols.models import ThresholdOverride
from tests.helpers import audit_events, count, daily, submit
from tests.web.support import accessible, fits, shoot, sign_in
from tests.web.test_audit_pages import _web


def _csrf(client, patient_id) -> str:
    client.get(f"/web/patients/{patient_id}")
    with client.session_transaction() as session:
        return session["csrf"]


def _patient(world, clock):
    nurse = world.staff("nurse")
    return world.patient_device(nurse, family_name="Roux",
                                surgery_date=clock.now().date() - timedelta(days=2))


def test_a_surgeon_lowers_the_fever_threshold_for_one_patient(world, app, clock):
    patient, device = _patient(world, clock)
    surgeon = world.staff("surgeon")
    web = _web(app, surgeon)
    page = f"/web/patients/{patient['id']}"
    assert submit(device, "daily-postop", daily(temperature=38.2)).status_code == 201
    assert count(app, Alert, rule_id="fever") == 0
    answer = web.post(f"{page}/overrides", data={
        "csrf": _csrf(web, patient["id"]), "threshold": "fever|value", "value": "38,0",
        "reason": "Immunodéprimé : fièvre plus tôt"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#overrides")
    html = web.get(page).get_data(as_text=True)
    assert "Seuil propre au patient enregistré" in html
    assert "Immunodéprimé : fièvre plus tôt" in html and "<strong>38</strong> °C" in html
    assert audit_events(app, action="override.set", patient_id=uuid.UUID(patient["id"]))
    # The next answer is scored with the patient's own threshold.
    clock.advance(hours=24)
    assert submit(device, "daily-postop", daily(temperature=38.2)).status_code == 201
    assert count(app, Alert, rule_id="fever") == 1

    web = _web(app, world.renew(surgeon))  # signed in again the next day
    override_id = app_override_id(app)
    ended = web.post(f"{page}/overrides/{override_id}/remove",
                     data={"csrf": _csrf(web, patient["id"])})
    assert ended.status_code == 302
    html = web.get(page).get_data(as_text=True)
    assert "Seuil propre au patient arrêté" in html
    assert "Aucun : les seuils du protocole" in html


def app_override_id(app) -> uuid.UUID:
    from sqlalchemy import select

    from backend import db
    with app.app_context():
        return db.session().scalar(select(ThresholdOverride.id).where(
            ThresholdOverride.removed_at.is_(None)))


def test_a_value_the_rule_cannot_take_is_refused_in_words(world, app, clock):
    patient, _device = _patient(world, clock)
    web = _web(app, world.staff("surgeon"))
    page = f"/web/patients/{patient['id']}"
    for value, reason, words in (("trente-huit", "r", "value"), ("55", "r", "value"),
                                 ("38", "", "reason"), ("38", "x" * 600, "reason")):
        web.post(f"{page}/overrides", data={"csrf": _csrf(web, patient["id"]),
                                             "threshold": "fever|value", "value": value,
                                             "reason": reason})
        html = web.get(page).get_data(as_text=True)
        assert 'class="flash error"' in html and words in html, (value, reason)
    web.post(f"{page}/overrides", data={"csrf": _csrf(web, patient["id"]),
                                         "threshold": "no-such|value", "value": "1",
                                         "reason": "r"})
    assert "threshold" in web.get(page).get_data(as_text=True)
    assert count(app, ThresholdOverride) == 0


def test_nurses_read_them_but_do_not_set_them(world, app, clock):
    patient, _device = _patient(world, clock)
    nurse = _web(app, world.staff("nurse"))
    page = f"/web/patients/{patient['id']}"
    html = nurse.get(page).get_data(as_text=True)
    assert "Seuils propres au patient" in html and "Enregistrer ce seuil" not in html
    refused = nurse.post(f"{page}/overrides", data={
        "csrf": _csrf(nurse, patient["id"]), "threshold": "fever|value", "value": "38",
        "reason": "r"})
    assert refused.status_code == 403
    assert count(app, ThresholdOverride) == 0
    assert audit_events(app, action="override.set", outcome="denied")


def test_in_the_browser_a_refusal_then_a_threshold(world, clock, live_server, page,
                                                     axe_source):
    patient, _device = _patient(world, clock)
    sign_in(page, live_server, clock, world.staff("surgeon"))
    page.goto(f"{live_server}/web/patients/{patient['id']}#overrides")
    section = page.locator("#overrides")
    section.get_by_label("Seuil", exact=True).select_option("fever|value")
    section.get_by_label("Valeur pour ce patient").fill("55")
    section.get_by_label("Raison (gardée dans le dossier)").fill("Immunodéprimé")
    section.get_by_role("button", name="Enregistrer ce seuil").click()
    expect(page.locator(".flash.error")).to_contain_text("value")
    section.get_by_label("Valeur pour ce patient").fill("38")
    section.get_by_label("Raison (gardée dans le dossier)").fill("Immunodéprimé")
    section.get_by_role("button", name="Enregistrer ce seuil").click()
    expect(section.get_by_role("cell", name="Immunodéprimé")).to_be_visible()
    accessible(page, axe_source)
    fits(page)
    section.screenshot(path=str(shoot(page, "patient-overrides").with_name(
        "patient-overrides-section.png")))
