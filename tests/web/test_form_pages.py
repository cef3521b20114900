"""The patients' web form in a real browser on a small phone: a web-channel patient gets
the SMS link when the daily questionnaire is due, answers pain 8 with a fever, reads the
advice, and the nurse's queue shows the same alert as from the app."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend import db
from backend.notifications.models import Message
from tests.formlinks.support import sent_tokens, web_patient
from tests.helpers import run_worker
from tests.web.support import accessible, fits, shoot, sign_in

# A normal recovery but for the pain and the fever (radio values as the page has them).
CHOICES = {"wound_redness": "no", "wound_discharge": "none", "wound_bleeding": "no",
           "wound_opening": "no", "nausea": "none", "eating_drinking": "normal",
           "urination": "normal", "stools": "normal", "walking": "as_usual",
           "breathlessness": "none", "calf_pain": "no"}


@pytest.fixture
def small_phone(browser):
    """A 360 px wide phone (the narrowest common Android screen), in French."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR",
                                  device_scale_factor=1, is_mobile=True, has_touch=True,
                                  java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def _screen(page, name: str) -> None:
    """What the phone shows at once, besides the whole page (``shoot``)."""
    page.screenshot(path=str(shoot(page, name).with_name(f"{name}-screen.png")))


def _answer(page, choices: dict[str, str]) -> None:
    for name, value in choices.items():
        page.locator(f'#q-{name} input[value="{value}"]').check()


def test_a_web_patient_answers_by_the_sms_link(world, app, clock, redis, live_server,
                                              small_phone, page, axe_source):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    patient, nurse = web_patient(world, app, clock, redis, family_name="Roux", given_name="Odette")
    url = f"{live_server}/f/{sent_tokens(app)['daily-postop']}"
    phone = small_phone
    phone.goto(url)
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    fits(phone)
    _screen(phone, "form-360-empty")
    # Sent with a mistake first: the page comes back naming the field, values kept.
    phone.locator('#q-pain_now input[value="8"]').check()
    phone.locator('#q-pain_worst_24h input[value="8"]').check()
    phone.locator('input[name="temperature"]').fill("392")
    _answer(phone, CHOICES)
    phone.get_by_role("button", name="Envoyer mes réponses").click()
    expect(phone.get_by_role("alert")).to_contain_text("corrigez ce qui est signalé")
    expect(phone.locator("#e-temperature")).to_contain_text("entre 25 et 45 °C")
    expect(phone.locator('#q-pain_now input[value="8"]')).to_be_checked()
    fits(phone)
    _screen(phone, "form-360-error")
    phone.locator('input[name="temperature"]').fill("39,2")
    phone.locator('textarea[name="pain_location"]').fill("autour de la cicatrice")
    shoot(phone, "form-360-filled")
    phone.get_by_role("button", name="Envoyer mes réponses").click()
    expect(phone.get_by_role("heading", name="Vos réponses sont envoyées")).to_be_visible()
    expect(phone.locator(".pf-card").first).to_contain_text("fièvre")
    fits(phone)
    _screen(phone, "form-360-advice")
    # Opened again: refused, in words, with the way to reach the ward.
    phone.goto(url)
    expect(phone.get_by_role("heading", name="Ce lien a déjà servi")).to_be_visible()
    expect(phone.get_by_text("répondez au SMS")).to_be_visible()
    # The nurse's queue shows the fever as from the app.
    sign_in(page, live_server, clock, nurse)
    page.goto(f"{live_server}/web/queue")
    row = page.locator(".patient-row", has_text="ROUX")
    expect(row).to_contain_text("1 urgente")
    # The patient page: the alerts, how the patient answers, the SMS sent.
    page.goto(f"{live_server}/web/patients/{patient['id']}")
    expect(page.locator(".alerts").get_by_text("Fièvre élevée").first).to_be_visible()
    expect(page.locator("#channel")).to_contain_text("Formulaire web par lien SMS")
    expect(page.get_by_text("Message (SMS) : lien du questionnaire web")).to_be_visible()
    expect(page.get_by_text("Message (SMS) : SMS de bienvenue")).to_be_visible()
    shoot(page, "patient-page-web-channel")


def test_the_form_and_advice_pages_pass_axe(world, app, clock, redis, live_server, phone,
                                            axe_source):
    web_patient(world, app, clock, redis)
    url = f"{live_server}/f/{sent_tokens(app)['daily-postop']}"
    phone.set_viewport_size({"width": 360, "height": 740})
    phone.goto(url)
    accessible(phone, axe_source)
    phone.locator('#q-pain_now input[value="9"]').check()
    phone.get_by_role("button", name="Envoyer mes réponses").click()  # incomplete
    expect(phone.get_by_role("alert")).to_be_visible()
    accessible(phone, axe_source)
    phone.locator('#q-pain_worst_24h input[value="9"]').check()
    _answer(phone, {**CHOICES, "breathlessness": "at_rest"})
    phone.get_by_role("button", name="Envoyer mes réponses").click()
    emergency = phone.get_by_role("link", name="Appelez le 15 maintenant")
    expect(emergency).to_have_attribute("href", "tel:15")
    box = emergency.bounding_box()
    assert box["y"] < 120 and box["height"] >= 56  # first, and big
    accessible(phone, axe_source)
    _screen(phone, "form-360-emergency")
    phone.goto(url)
    accessible(phone, axe_source)
    phone.goto(f"{live_server}/f/f_unknown")
    accessible(phone, axe_source)


def test_the_nurse_enrols_on_the_web_form_and_changes_the_channel(world, app, clock, redis,
                                                                  live_server, page,
                                                                  axe_source):
    nurse = world.staff("nurse")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, clock, nurse)
    page.goto(f"{live_server}/web/enrol")
    page.get_by_label("Nom", exact=True).fill("Garnier")
    page.get_by_label("Prénom").fill("Rose")
    page.get_by_label("Date de naissance").fill("1948-06-30")
    page.get_by_label("Téléphone mobile").fill("+33140000000")  # a landline
    page.get_by_label("Protocole").select_option("ambulatory-general")
    page.get_by_label("Date de l'opération").fill(f"{clock.now():%Y-%m-%d}")
    page.get_by_label("Le patient répond par").select_option("web")
    page.get_by_label("Un proche ou un soignant mesure la fréquence respiratoire").check()
    page.get_by_label("Le patient a reçu la notice d'information").check()
    page.get_by_role("button", name="Inclure et créer le code d'activation").click()
    expect(page.get_by_role("alert")).to_contain_text("not a mobile")
    page.get_by_label("Téléphone mobile").fill("+33698765432")
    page.get_by_role("button", name="Inclure et créer le code d'activation").click()
    expect(page.get_by_role("heading", name="Code d'activation")).to_be_visible()
    run_worker(app, redis)
    with app.app_context():
        welcomes = db.session().scalars(select(Message).where(
            Message.template == "enrollment.welcome")).all()
        assert [m.address for m in welcomes] == ["+33698765432"]
        from backend.enrollments.models import Enrollment

        assert db.session().scalars(select(Enrollment.carer_measures)).all() == [True]
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="GARNIER").first.click()
    channel = page.locator("#channel")
    expect(channel).to_contain_text("Formulaire web par lien SMS")
    accessible(page, axe_source)
    channel.get_by_label("Nouveau canal").select_option("app")
    channel.get_by_role("button", name="Changer").click()
    expect(page.get_by_text("Canal de réponse modifié.")).to_be_visible()
    expect(page.locator("#channel")).to_contain_text("Application")
    # Mrs Garnier asked for her reminders at 8 in the morning.
    reminders = page.locator("#reminders")
    expect(reminders).to_contain_text("aux heures prévues")
    reminders.get_by_label("Heure des rappels").fill("08:00")
    reminders.get_by_role("button", name="Changer").click()
    expect(page.get_by_text("Heure des rappels modifiée.")).to_be_visible()
    expect(page.locator("#reminders")).to_contain_text("à 08:00, heure du patient")
    shoot(page, "patient-page-reminder-time")


def test_a_day_that_asks_fewer_questions_leaves_them_off_the_page(
        world, app, clock, redis, live_server, small_phone):
    """Day 5 of a version asking "how are you getting about?" on days 1-2 only: the
    question is not on the page, and the answers are sent without it."""
    from datetime import date

    from tests.helpers import WALKING_DAYS_1_2, shipped_protocol, with_item_days

    published = world.staff("surgeon").post("/api/v1/protocols", json=with_item_days(
        shipped_protocol(), "daily-postop", WALKING_DAYS_1_2))
    assert published.status_code == 201, published.json
    web_patient(world, app, clock, redis, surgery_date=date(2026, 11, 18))  # day 5
    phone = small_phone
    phone.goto(f"{live_server}/f/{sent_tokens(app)['daily-postop']}")
    expect(phone.locator("#q-stools")).to_be_visible()
    expect(phone.locator("#q-walking")).to_have_count(0)
    fits(phone)
    phone.locator('#q-pain_now input[value="1"]').check()
    phone.locator('#q-pain_worst_24h input[value="2"]').check()
    _answer(phone, {k: v for k, v in CHOICES.items() if k != "walking"})
    phone.locator("#q-stools").scroll_into_view_if_needed()
    _screen(phone, "form-360-day-5")
    phone.get_by_role("button", name="Envoyer mes réponses").click()
    expect(phone.get_by_role("heading", name="Vos réponses sont envoyées")).to_be_visible()
