"""Signing in to the nurses' pages in a real browser: TOTP, French messages, sessions,
CSRF, the page language."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from tests.helpers import PASSWORD
from tests.web.support import accessible, sign_in


def test_wrong_password_and_other_team_patient(world, app, clock, live_server, page):
    nurse = world.staff("nurse", teams=("team-b",))
    other = world.staff("nurse", teams=("team-a",))
    patient = world.patient(other)
    page.goto(f"{live_server}/web/login")
    page.get_by_label("Adresse e-mail").fill(nurse.info["email"])
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    clock.advance(seconds=5)
    sign_in(page, live_server, clock, nurse)
    page.goto(f"{live_server}/web/patients/{patient['id']}")
    expect(page.get_by_text("Patient introuvable.")).to_be_visible()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()


def test_pages_need_a_session_and_forms_need_their_csrf_token(app, live_server, page):
    page.goto(f"{live_server}/web/queue")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert "/web/login" in page.url
    response = page.request.post(f"{live_server}/web/logout", form={"csrf": "forged"})
    assert response.url.endswith("/web/login?next=/web/logout") or response.status in (302, 400)


def test_staff_without_totp_must_enrol_before_seeing_patients(world, clock, live_server, page,
                                                             axe_source):
    nurse = world.staff("nurse", enrol_mfa=False)
    page.goto(f"{live_server}/web/login")
    page.get_by_label("Adresse e-mail").fill(nurse.info["email"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Double authentification")).to_be_visible()
    accessible(page, axe_source)
    secret = page.locator("code").first.inner_text()
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).at(clock.now()))
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("ul.codes li")).to_have_count(10)
    accessible(page, axe_source)
    page.get_by_role("link", name="Continuer").click()
    expect(page.get_by_role("heading", name="File d'alertes")).to_be_visible()


def test_pages_in_english_from_the_browser_or_the_staff_choice(world, clock, live_server,
                                                               browser, axe_source):
    nurse = world.staff("nurse")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server}/web/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("E-mail address").fill(nurse.info["email"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    accessible(page, axe_source)
    page.get_by_role("link", name="FR").click()  # the staff member's choice, kept
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    page.goto(f"{live_server}/web/login")
    assert page.locator("html").get_attribute("lang") == "fr"
    context.close()
