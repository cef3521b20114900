"""The queue by patient in a real browser: most urgent first, every step on an alert and
on all of a patient's, a refresh that never takes a half-typed note, French messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.helpers import daily, submit
from tests.web.support import accessible, fits, shoot, sign_in


@pytest.fixture
def ward(world, app, clock):
    """A nurse, a colleague, and two patients: one with three alerts, one with one."""
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    nurse = world.staff("nurse")
    colleague = world.staff("nurse")
    surgery = clock.now().date() - timedelta(days=3)
    benali, device = world.patient_device(nurse, family_name="Benali", given_name="Ahmed",
                                          surgery_date=surgery)
    submit(device, "daily-postop", daily(calf_pain=True, pain_now=8, wound_redness=True))
    clock.advance(minutes=5)
    petit, other = world.patient_device(nurse, family_name="Petit", given_name="Lucie")
    submit(other, "daily-postop", daily(pain_now=8))
    clock.advance(minutes=16)  # Benali's urgent alert is now overdue
    return {"nurse": nurse, "colleague": colleague, "benali": benali, "petit": petit,
            "device": device, "other": other}


def row(page, family_name: str):
    return page.locator("details.patient-row", has_text=family_name.upper())


def test_queue_by_patient_most_urgent_first_and_every_step(ward, clock, live_server, page,
                                                           axe_source):
    sign_in(page, live_server, clock, ward["nurse"])
    expect(page).to_have_title("1 urgente(s) en retard · File d'alertes — Suivi")
    rows = page.locator("details.patient-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("BENALI")
    expect(rows.nth(0)).to_contain_text("J+3")
    expect(rows.nth(0)).to_contain_text("1 en retard depuis")
    expect(rows.nth(1)).to_contain_text("PETIT")
    accessible(page, axe_source)

    benali = row(page, "Benali")
    benali.locator("summary").first.click()
    alerts = benali.locator("li.alert-item")
    expect(alerts).to_have_count(3)
    expect(alerts.nth(0)).to_contain_text("Suspicion de phlébite")
    expect(benali.get_by_role("link", name="Appeler +33612345678")).to_have_attribute(
        "href", "tel:+33612345678")
    accessible(page, axe_source)

    alerts.nth(0).get_by_role("button", name="Prendre en charge").click()
    expect(page.get_by_text("Alerte prise en charge.")).to_be_visible()
    benali = row(page, "Benali")
    expect(benali).to_have_attribute("open", "")  # still open where the nurse was
    first = benali.locator("li.alert-item").nth(0)
    expect(first).to_contain_text("Prise en charge")

    first.locator("summary", has_text="Assigner, noter").click()
    first.locator("select[name=staff_id]").select_option(label=ward["colleague"].info["display_name"])
    first.get_by_role("button", name="Assigner", exact=True).click()
    expect(page.get_by_text("Alerte assignée.")).to_be_visible()
    first = row(page, "Benali").locator("li.alert-item").nth(0)
    expect(first).to_contain_text("assignée à Nurse")

    first.locator("summary", has_text="Assigner, noter").click()
    first.get_by_label("Note", exact=True).fill("Patiente rappelée, doppler demandé")
    first.get_by_role("button", name="Ajouter la note").click()
    expect(page.get_by_text("Note ajoutée.")).to_be_visible()

    first = row(page, "Benali").locator("li.alert-item").nth(0)
    first.locator("summary", has_text="Assigner, noter").click()
    first.locator("select[name=minutes]").select_option("30")
    first.get_by_label("Motif").fill("Résultat du doppler attendu")
    first.get_by_role("button", name="Mettre en attente").click()
    expect(page.get_by_text("Alerte mise en attente.")).to_be_visible()
    expect(row(page, "Benali").locator("li.alert-item")).to_have_count(2)  # hidden while snoozed

    second = row(page, "Benali").locator("li.alert-item").nth(0)
    second.locator("summary", has_text="Assigner, noter").click()
    second.locator("select[name=outcome]").select_option("advice_given")
    second.get_by_label("Note (facultative)").fill("Antalgiques revus")
    second.get_by_role("button", name="Clôturer").click()
    expect(page.get_by_text("Alerte clôturée.")).to_be_visible()
    expect(row(page, "Benali").locator("li.alert-item")).to_have_count(1)
    accessible(page, axe_source)


def test_bulk_resolve_closes_all_of_a_patients_alerts(ward, clock, live_server, page,
                                                      axe_source):
    sign_in(page, live_server, clock, ward["nurse"])
    benali = row(page, "Benali")
    benali.locator("summary").first.click()
    bulk = benali.locator(".bulk")
    bulk.get_by_role("button", name="Tout prendre en charge").click()
    expect(page.get_by_text("3 alerte(s) prise(s) en charge.")).to_be_visible()
    bulk = row(page, "Benali").locator(".bulk")
    bulk.locator("select[name=outcome]").select_option("called_patient")
    bulk.get_by_label("Note (facultative)").fill("Appelé : va bien, revu demain")
    bulk.get_by_role("button", name="Tout clôturer").click()
    expect(page.get_by_text("3 alerte(s) clôturée(s).")).to_be_visible()
    expect(page.locator("details.patient-row")).to_have_count(1)
    expect(row(page, "Petit")).to_be_visible()
    accessible(page, axe_source)


def test_refresh_waits_while_a_note_is_typed_and_keeps_open_rows(ward, world, clock,
                                                                 live_server, page):
    sign_in(page, live_server, clock, ward["nurse"])
    benali = row(page, "Benali")
    benali.locator("summary").first.click()
    first = benali.locator("li.alert-item").nth(0)
    first.locator("summary", has_text="Assigner, noter").click()
    note = first.get_by_label("Note", exact=True)
    note.fill("Rappeler à 14 h")

    newcomer, device = world.patient_device(ward["nurse"], family_name="Nouveau")
    submit(device, "daily-postop", daily(wound_opening=True))
    page.evaluate("window.suiviRefreshQueue()")
    page.wait_for_timeout(500)
    expect(page.locator("details.patient-row")).to_have_count(2)  # not replaced
    expect(note).to_have_value("Rappeler à 14 h")
    expect(note).to_be_focused()

    note.fill("")
    page.locator("h1").click()  # the nurse leaves the field
    page.evaluate("window.suiviRefreshQueue()")
    expect(page.locator("details.patient-row")).to_have_count(3)
    expect(row(page, "Benali")).to_have_attribute("open", "")
    expect(row(page, "Nouveau")).to_be_visible()


def test_the_refresh_does_not_keep_an_idle_session_alive(ward, app, clock, live_server, page):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 900
    sign_in(page, live_server, clock, ward["nurse"])
    for _ in range(4):  # 20 minutes of refreshes and no activity
        clock.advance(minutes=5)
        try:
            page.evaluate("window.suiviRefreshQueue()")
        except PlaywrightError:  # the expired session already sent the page to sign-in
            break
    page.wait_for_url("**/web/login**")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()


def test_without_javascript_the_page_refreshes_unless_a_patient_is_open(
        ward, clock, live_server, browser):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server, clock, ward["nurse"])
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    benali = row(page, "Benali")
    benali.locator("summary").first.click()
    expect(benali.locator(".more").first).to_be_hidden()  # no typing on a reloading page
    benali.get_by_role("link", name="Travailler sur ce patient").click()
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    benali = row(page, "Benali")
    expect(benali).to_have_attribute("open", "")
    benali.locator("li.alert-item").nth(0).get_by_role("button",
                                                        name="Prendre en charge").click()
    expect(page.get_by_text("Alerte prise en charge.")).to_be_visible()
    context.close()


def test_a_refusal_is_explained_in_french(ward, clock, live_server, page):
    sign_in(page, live_server, clock, ward["nurse"])
    row(page, "Petit").locator("summary").first.click()
    alert_id = row(page, "Petit").locator("li.alert-item").first.get_attribute("id")[6:]
    # A colleague closes it meanwhile.
    closed = ward["colleague"].post(f"/api/v1/alerts/{alert_id}/resolve",
                                    json={"outcome": "called_patient"})
    assert closed.status_code == 200
    row(page, "Petit").get_by_role("button", name="Prendre en charge").click()
    expect(page.get_by_role("alert")).to_have_text(
        "L'alerte est déjà clôturée ; une nouvelle donnée ouvrira une nouvelle alerte.")


def test_queue_on_a_phone(ward, clock, live_server, phone, axe_source):
    sign_in(phone, live_server, clock, ward["nurse"])
    fits(phone)
    row(phone, "Benali").locator("summary").first.click()
    row(phone, "Benali").locator("li.alert-item").nth(0).locator(
        "summary", has_text="Assigner, noter").click()
    fits(phone)
    accessible(phone, axe_source)
    shoot(phone, "queue-390")


def test_queue_at_1366(ward, clock, live_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_server, clock, ward["nurse"])
    row(page, "Benali").locator("summary").first.click()
    shoot(page, "queue-1366")
    context.close()


def test_a_patients_message_reads_in_the_queue(world, app, clock, live_server, page):
    """The words themselves are in the queue, not only "a message": the nurse reads them
    where she works."""
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse, family_name="Roux")
    submit(device, "daily-postop", daily(free_text="je crache du sang depuis ce matin"))
    sign_in(page, live_server, clock, nurse)
    roux = row(page, "Roux")
    roux.locator("summary").first.click()
    item = roux.locator("li.alert-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Message du patient à lire")
    expect(item).to_contain_text("« je crache du sang depuis ce matin » (appli)")


def test_an_unacknowledged_urgent_alert_cannot_be_snoozed(ward, clock, live_server, page):
    """Nobody has taken it on: no snooze is offered, and a forged one is refused."""
    sign_in(page, live_server, clock, ward["nurse"])
    benali = row(page, "Benali")
    benali.locator("summary").first.click()
    urgent = benali.locator("li.alert-item").nth(0)
    expect(urgent).to_contain_text("Urgente")
    urgent.locator("summary", has_text="Assigner, noter").click()
    expect(urgent.get_by_role("button", name="Mettre en attente")).to_have_count(0)
    alert_id = urgent.get_attribute("id")[6:]
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    refused = page.request.post(f"{live_server}/web/alerts/{alert_id}/snooze", form={
        "csrf": csrf, "minutes": "30", "reason": "plus tard", "back": "/"})
    assert "Seule une alerte prise en charge peut être mise en attente" in refused.text()
    page.reload()
    expect(row(page, "Benali").locator("li.alert-item")).to_have_count(3)  # still there
