"""The patient's data and consent on the ward's pages: a printable copy for the patient,
the consent and its withdrawal."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.formlinks.support import sent_token, web_patient
from tests.helpers import audit_events, daily, submit
from tests.web.support import accessible, shoot, sign_in


def test_the_nurse_prints_the_patients_data_and_records_the_withdrawal(
        world, app, clock, live_server, page, axe_source):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, family_name="Vauquelin")
    assert submit(device, "daily-postop", daily(pain_now=4)).status_code == 201
    sign_in(page, live_server, clock, nurse)
    page.goto(f"{live_server}/web/patients/{patient['id']}")
    rgpd = page.locator("#rgpd")
    expect(rgpd).to_contain_text("Télésurveillance, notice v1")
    rgpd.get_by_role("link", name="Mes données").click()
    expect(page.get_by_role("heading", name="Vos données dans Suivi")).to_be_visible()
    expect(page.locator("main")).to_contain_text("VAUQUELIN Jeanne")
    expect(page.locator("main")).to_contain_text("Douleur actuelle 4/10")
    expect(page.locator("main")).not_to_contain_text("pain_now")  # words, not codes
    accessible(page, axe_source)
    shoot(page, "patient-export")
    page.get_by_role("link", name="Retour au dossier").click()
    page.get_by_role("button", name="Retrait du consentement").click()
    expect(page.locator(".flash.ok")).to_contain_text(
        "Consentement retiré")
    expect(page.locator("#rgpd")).to_contain_text("retiré le")
    expect(page.locator("#rgpd").get_by_role("button")).to_have_count(0)
    trail = {(e.action, e.outcome) for e in audit_events(app, patient_id=uuid.UUID(
        patient["id"]))}
    assert {("patient.export", "success"), ("consent.withdraw", "success"),
            ("enrollment.end", "success")} <= trail


def test_the_web_form_tells_the_patient_how_to_get_their_data(world, app, clock, redis):
    patient, _ = web_patient(world, app, clock, redis, language="en")
    page = app.test_client().get(f"/f/{sent_token(app)}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "My data" in text and "ask the care team" in text
    assert "Information notice: remote monitoring" in text and "R1112-7" in text
