"""The nurse's dashboard in a real browser: sign in with TOTP, triage, patient chart."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from tests.helpers import PASSWORD, daily, submit
from tests.web.conftest import screenshot


def _sign_in(page, base, clock, nurse):
    clock.advance(seconds=31)  # the enrolment's TOTP code cannot be replayed
    page.goto(f"{base}/")
    page.get_by_label("Adresse e-mail").fill(nurse.info["email"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(
        pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now()))
    page.get_by_role("button", name="Valider").click()


def test_nurse_triages_an_alert_in_the_browser(world, app, clock, live_server, page):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, family_name="Benali", given_name="Ahmed")
    for hours, temperature in ((0, 37.2), (6, 37.9), (12, 39.2)):
        clock.advance(hours=hours and 6)
        submit(device, "daily-postop", daily(temperature=temperature, pain_now=4))

    _sign_in(page, live_server, clock, nurse)
    expect(page.get_by_role("heading", name="File d'alertes")).to_be_visible()
    row = page.locator("tr.sev-high").first
    expect(row).to_contain_text("BENALI")
    expect(row.locator(".badge")).to_have_text("Urgente")
    screenshot(page, "queue")

    row.get_by_role("button", name="Prendre en charge").click()
    expect(page.get_by_text("Alerte prise en charge.")).to_be_visible()
    expect(page.locator("tr.sev-high").first).to_contain_text("Prise en charge")

    page.get_by_role("link", name="BENALI").first.click()
    expect(page.get_by_role("heading", name="BENALI Ahmed")).to_be_visible()
    expect(page.locator("figure", has_text="Température").locator("svg polyline")).to_have_count(1)
    expect(page.locator("ol.timeline")).to_contain_text("Questionnaire daily-postop")
    screenshot(page, "patient")

    remaining = page.locator("ul.alerts li").count()
    assert remaining >= 1
    for left in range(remaining - 1, -1, -1):
        alert = page.locator("ul.alerts li").first
        alert.get_by_label("Issue").select_option("called_patient")
        alert.get_by_role("button", name="Clôturer").click()
        expect(page.get_by_text("Alerte clôturée.")).to_be_visible()
        expect(page.locator("ul.alerts li")).to_have_count(left)
    page.get_by_role("link", name="File d'alertes").click()
    expect(page.get_by_text("Aucune alerte ouverte")).to_be_visible()


def test_wrong_password_and_other_team_patient(world, app, clock, live_server, page):
    nurse = world.staff("nurse", teams=("team-b",))
    other = world.staff("nurse", teams=("team-a",))
    patient = world.patient(other)
    page.goto(f"{live_server}/web/login")
    page.get_by_label("Adresse e-mail").fill(nurse.info["email"])
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail or password")
    clock.advance(seconds=5)
    _sign_in(page, live_server, clock, nurse)
    page.goto(f"{live_server}/web/patients/{patient['id']}")
    expect(page.get_by_text("No such patient.")).to_be_visible()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()


def test_pages_need_a_session_and_forms_need_their_csrf_token(app, live_server, page):
    page.goto(f"{live_server}/web/queue")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert "/web/login" in page.url
    response = page.request.post(f"{live_server}/web/logout", form={"csrf": "forged"})
    assert response.url.endswith("/web/login?next=/web/logout") or response.status in (302, 400)


def test_staff_without_totp_must_enrol_before_seeing_patients(world, clock, live_server, page):
    nurse = world.staff("nurse", enrol_mfa=False)
    page.goto(f"{live_server}/web/login")
    page.get_by_label("Adresse e-mail").fill(nurse.info["email"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Double authentification")).to_be_visible()
    secret = page.locator("code").first.inner_text()
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).at(clock.now()))
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("ul.codes li")).to_have_count(10)
    page.get_by_role("link", name="Continuer").click()
    expect(page.get_by_role("heading", name="File d'alertes")).to_be_visible()
