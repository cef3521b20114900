"""Signing in to the nurses' pages in a real browser: TOTP, French messages, sessions,
CSRF, the page language."""

from __future__ import annotations

import pyotp
from playwright.sync_api import expect

from tests.helpers import PASSWORD, Caller
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


def _password_step(page, base, email) -> None:
    page.goto(f"{base}/web/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_staff_without_totp_must_enrol_before_seeing_patients(world, clock, live_server, page,
                                                             browser, axe_source):
    nurse = world.staff("nurse", enrol_mfa=False)
    _password_step(page, live_server, nurse.info["email"])
    expect(page.get_by_role("heading", name="Double authentification")).to_be_visible()
    accessible(page, axe_source)
    # The password alone shows no QR code: the code the administrator handed over does.
    expect(page.locator("img.qr")).to_have_count(0)
    page.get_by_label("Code d'enrôlement").fill("AAAAA-BBBBB")
    page.get_by_role("button", name="Afficher le QR code").click()
    expect(page.get_by_role("alert")).to_contain_text("Code d'enrôlement : incorrect")
    page.get_by_label("Code d'enrôlement").fill(nurse.info["mfa_enrolment_code"])
    page.get_by_role("button", name="Afficher le QR code").click()
    secret = page.locator("code").first.inner_text()
    accessible(page, axe_source)
    # Showing the page again changes nothing: the secret scanned is the one confirmed.
    page.reload()
    expect(page.locator("code").first).to_have_text(secret)
    page.goto(f"{live_server}/web/queue")
    expect(page.locator("code").first).to_have_text(secret)
    # Someone else signing in with the same password sees neither the secret nor a new one.
    other = browser.new_context(locale="fr-FR").new_page()
    _password_step(other, live_server, nurse.info["email"])
    expect(other.get_by_label("Code d'enrôlement")).to_be_visible()
    assert secret not in other.content()
    other.context.close()
    page.reload()
    expect(page.locator("code").first).to_have_text(secret)

    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).at(clock.now()))
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("ul.codes li")).to_have_count(10)
    accessible(page, axe_source)
    page.get_by_role("link", name="Continuer").click()
    expect(page.get_by_role("heading", name="File d'alertes")).to_be_visible()


def test_sign_in_forms_need_their_csrf_token(world, app, clock, live_server, page):
    """Login CSRF: another site's form cannot sign this browser in to an account of its
    choosing (whose queue the nurse would then fill)."""
    nurse = world.staff("nurse")
    email = nurse.info["email"]
    for form in ({"email": email, "password": PASSWORD},
                 {"email": email, "password": PASSWORD, "csrf": "forged"}):
        refused = page.request.post(f"{live_server}/web/login", form=form, max_redirects=0)
        assert refused.status == 400
        assert "Le formulaire a expiré" in refused.text()
    clock.advance(seconds=31)
    token = Caller(app).post("/api/v1/auth/login", json={
        "email": email, "password": PASSWORD}).json["mfa_token"]
    code = pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())
    refused = page.request.post(f"{live_server}/web/mfa", max_redirects=0,
                                form={"mfa_token": token, "code": code})
    assert refused.status == 400
    page.goto(f"{live_server}/web/queue")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    # The forms themselves carry the token: signing in still works.
    clock.advance(seconds=31)
    sign_in(page, live_server, clock, nurse)


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
