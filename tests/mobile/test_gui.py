"""The patient app in a real Kivy window under Xvfb, against the live backend."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from backend.intake.models import Submission
from tests.helpers import WALKING_DAYS_1_2, count, shipped_protocol, with_item_days

DRIVER = Path(__file__).with_name("gui_driver.py")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def display():
    """A private X server; -displayfd picks a free display number (parallel runs)."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is required: apt-get install xvfb libgl1-mesa-dri libegl1 libmtdev1")
    if importlib.util.find_spec("kivy") is None:
        pytest.fail('Kivy is required: pip install -e ".[mobile]"')
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x1024x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(timeout=10)


def home_since(day) -> datetime:
    """Discharged at noon that day: today's tasks are all planned whatever the time of day
    the test runs (a patient discharged now is not asked what was due before)."""
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=12)


def home_yesterday(world, given_name: str, protocol: str = "ambulatory-general"):
    """A nurse, and her patient who went home yesterday: (nurse, patient, activation code)."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse, given_name=given_name, family_name="Moreau")
    yesterday = world.clock.now().date() - timedelta(days=1)
    code = world.enrol(nurse, patient["id"], protocol, yesterday,
                       discharge_at=home_since(yesterday))["activation_code"]
    return nurse, patient, code


def contrast(one, other) -> float:
    """WCAG 2 contrast ratio of two RGB(A) colours with components 0-1."""
    def luminance(colour) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                  for c in colour[:3]]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def run_app(display: str, tmp_path: Path, *args: str, scenario: str = "daily") -> dict:
    result = tmp_path / "result.json"
    (tmp_path / "phone").mkdir()
    env = {**os.environ, "DISPLAY": display, "KIVY_NO_ARGS": "1", "KIVY_LOG_MODE": "PYTHON",
           "KIVY_HOME": str(tmp_path / "kivy"),
           "XDG_CONFIG_HOME": str(tmp_path / "phone"),  # the app's user_data_dir
           "SDL_AUDIODRIVER": "dummy", "SUIVI_GUI_SCENARIO": scenario}
    log = tmp_path / "app.log"
    with log.open("w") as output:
        try:
            subprocess.run([sys.executable, str(DRIVER), *args, str(ARTIFACTS), str(result)],
                           env=env, stdout=output, stderr=subprocess.STDOUT, timeout=80)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the app did not finish:\n{log.read_text()[-4000:]}")
    assert result.exists(), log.read_text()[-4000:]
    seen = json.loads(result.read_text())
    assert seen["ok"], seen.get("error")
    return seen


def run_on_a_phone(world, live_server, closed_url, display, tmp_path, monkeypatch,
                   size: str, text_size: str, given_name: str, scenario: str):
    """A patient home since yesterday whose ward gives a number, the app at that window
    and text size: (the patient, what the scenario saw)."""
    _, patient, code = home_yesterday(world, given_name)
    world.admin().patch("/api/v1/teams/team-a", json={"patient_phone": "+33122334455"})
    monkeypatch.setenv("SUIVI_GUI_SIZE", size)
    monkeypatch.setenv("KIVY_METRICS_FONTSCALE", text_size)
    return patient, run_app(display, tmp_path, live_server, closed_url, code,
                            scenario=scenario)


@pytest.mark.slow
def test_patient_answers_in_the_app_and_the_nurse_sees_the_alert(
        world, app, live_server, closed_url, display, tmp_path):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 3600
    nurse = world.staff("nurse")
    world.admin().patch("/api/v1/teams/team-a", json={"patient_phone": "+33122334455",
                                                      "day_start": "08:30"})
    patient = world.patient(nurse, given_name="Jeanne", family_name="Moreau")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    code = world.enrol(nurse, patient["id"], surgery_date=yesterday,
                       discharge_at=home_since(yesterday))["activation_code"]
    visit = nurse.post(f"/api/v1/patients/{patient['id']}/teleconsultations", json={
        "starts_at": (datetime.now(UTC) + timedelta(minutes=30)).isoformat(),
        "reason": "Contrôle de la cicatrice"}).json

    seen = run_app(display, tmp_path, live_server, closed_url, code)

    assert seen["emergency_banner"]["shown"]
    assert seen["emergency_banner"]["text"] == "Appelez le 15 maintenant"
    assert seen["emergency_banner"]["width"] == seen["emergency_banner"]["window"]
    assert any("15" in text for text in seen["advice"])
    assert seen["opened"] == [visit["join_url"], "tel:+33122334455", "tel:15"]
    assert seen["contact"] == {"name": "Team-A", "phone": "01 22 33 44 55",
                               "hours": "Le service répond de 8 h 30 à 18 h."}
    assert seen["daily_status_after"] == "done"
    # ‹ Accueil half-way: a draft, resumed on the third page with the two answers given.
    assert seen["left_half_way"] == {"status": "started", "offline": False, "notes_height": 0}
    assert seen["resumed"]["index"] == 2
    assert seen["resumed"]["values"] == {"pain_now": 8, "pain_worst_24h": 9}
    assert seen["resumed"]["note"].startswith("Vous reprenez")
    # Done stays done: opening it says so, with its advice, not an empty questionnaire.
    assert seen["done_opened"]["status"].startswith("Vous avez déjà répondu d'aujourd'hui à")
    assert any("15" in text for text in seen["done_opened"]["advice"])
    queue = nurse.get("/api/v1/alerts?status=open").json
    assert queue[0]["severity"] == "high" and queue[0]["patient"]["id"] == patient["id"]
    assert any(item.get("value") == "39.2" for alert in queue for item in alert["evidence"])

    # Offline: the second answer waited on the phone, then reached the server once.
    assert seen["queued"]["waiting"] == 1 and not seen["queued"]["emergency"]
    assert "seront envoyées" in seen["queued"]["status"]
    assert seen["offline_note"].startswith("Hors connexion")
    assert seen["daily_status_offline"] == "waiting"
    assert seen["waiting_after_retry"] == 0
    # Sent once the network came back: its advice is a card on today's screen, and the
    # phone said so with a notification that carries no health data.
    assert seen["late_notice"][0].startswith("Votre réponse d'aujourd'hui à")
    assert seen["notified"] == [["Suivi", "Vos réponses sont arrivées. Ouvrez Suivi pour lire "
                                 "les conseils."]]
    assert count(app, Submission) == 2
    with app.app_context():  # the phone registered its push token once paired
        from sqlalchemy import select

        from backend import db
        from backend.auth.models import DeviceToken

        assert [d.push_token for d in db.session().scalars(select(DeviceToken))] == [
            "fcm-token-of-jeanne"]
    # My values: the two answers' temperature and pain, latest first in words.
    values = seen["values"]
    assert values[0] == "Température" and values[1].startswith("Dernière : 37,1 °C (aujourd'hui")
    assert values[2] == "De 37,1 à 39,2"
    assert "Douleur" in values and "De 2 à 8" in values
    assert seen["values_problems"] == []
    assert {"mobile-activation.png", "mobile-today.png", "mobile-advice.png",
            "mobile-today-offline.png", "mobile-today-started.png", "mobile-task-done.png",
            "mobile-today-late-advice.png", "mobile-contact.png",
            "mobile-values.png"} <= set(seen["screenshots"])


@pytest.mark.slow
def test_glucose_is_entered_in_the_unit_of_the_patients_meter(
        world, app, live_server, closed_url, display, tmp_path):
    _, _, code = home_yesterday(world, "Paul", "heart-failure")

    seen = run_app(display, tmp_path, live_server, closed_url, code, scenario="glucose")

    opened = seen["opened_with"]
    assert list(opened["units"]) == ["g/L", "mmol/L", "mg/dL"]
    assert [u["selected"] for u in opened["units"].values()] == [True, False, False]
    assert opened["unit_label"] == "g/L" and opened["question"] == "Glycémie capillaire"
    chosen, other = opened["units"]["g/L"], opened["units"]["mmol/L"]
    assert chosen["fill"] != other["fill"]  # the chosen unit is filled, the others are pale
    assert seen["error"] == ("Saisissez une valeur entre 0,09 et 7,21 g/L. Vouliez-vous dire "
                             "120 mg/dL ? Si oui, touchez cette unité.")
    after = seen["after_mmol"]
    assert [u["selected"] for u in after["units"].values()] == [False, True, False]
    assert after["unit_label"] == "mmol/L" and after["error"] == ""
    before = seen["before_sending"]
    assert before["text"] == "1,2" and before["unit_label"] == "g/L"
    assert [u["selected"] for u in before["units"].values()] == [True, False, False]

    # No carer: neither breathing rate nor consciousness is asked of the patient.
    assert seen["asked"] == ["temperature", "heart_rate", "systolic_bp", "diastolic_bp",
                             "spo2", "supplemental_oxygen", "weight", "glucose"]
    assert seen["last_page"] == "Envoyer"
    assert seen["blood_pressure"] == {
        "question": "Tension artérielle", "entries": ["systolic_bp", "diastolic_bp"],
        "labels": ["Le chiffre du haut (systolique)", "Le chiffre du bas (diastolique)"]}
    [body] = seen["sent"]  # never a bare number: the value goes with its unit
    assert body["answers"] == {"weight": {"value": 72.5, "unit": "kg"},
                               "glucose": {"value": 1.2, "unit": "g/L"},
                               "systolic_bp": {"value": 135, "unit": "mm[Hg]"},
                               "diastolic_bp": {"value": 85, "unit": "mm[Hg]"}}
    assert seen["waiting"] == 0
    with app.app_context():
        from sqlalchemy import select

        from backend import db
        from backend.intake.models import Reading

        stored = {r.type: (r.value, r.unit) for r in db.session().scalars(select(Reading))}
    assert stored == {"glucose": ("6.7", "mmol/L"), "weight": ("72.5", "kg"),
                      "systolic_bp": ("135", "mm[Hg]"), "diastolic_bp": ("85", "mm[Hg]")}
    assert {"mobile-questionnaire-glucose.png", "mobile-questionnaire-glucose-units.png",
            "mobile-questionnaire-blood-pressure.png",
            "mobile-questionnaire-glucose-error.png"} <= set(seen["screenshots"])


@pytest.mark.slow
def test_a_phone_whose_follow_up_ended_says_why_on_the_activation_screen(
        world, live_server, closed_url, display, tmp_path, clock, monkeypatch):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, given_name="Lucie", family_name="Perrin")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    code = world.enrol(nurse, patient["id"], surgery_date=yesterday,
                       discharge_at=home_since(yesterday))["activation_code"]
    offset = [timedelta(0)]
    monkeypatch.setattr(clock, "now", lambda: datetime.now(UTC) + offset[0])

    def move_the_clock_once_paired() -> None:  # 60 days on: past the follow-up's last week
        deadline = time.monotonic() + 70
        while not (tmp_path / "paired").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        offset[0] = timedelta(days=60)
        (tmp_path / "clock-moved").touch()

    mover = threading.Thread(target=move_the_clock_once_paired, daemon=True)
    mover.start()
    seen = run_app(display, tmp_path, live_server, closed_url, code, scenario="ended")
    mover.join(timeout=5)

    assert seen["activation_message"].startswith(
        "L'accès de ce téléphone à Suivi a pris fin avec votre suivi, le ")
    assert "mobile-follow-up-ended.png" in seen["screenshots"]


def test_a_phone_whose_consent_was_withdrawn_says_why_and_stops(
        world, live_server, closed_url, display, tmp_path):
    """The consent withdrawn while the app runs: its next look at the server brings it
    back to the activation screen, saying why in the patient's words (no retry loop)."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse, given_name="Lucie", family_name="Perrin")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    code = world.enrol(nurse, patient["id"], surgery_date=yesterday,
                       discharge_at=home_since(yesterday))["activation_code"]

    def withdraw_once_paired() -> None:
        deadline = time.monotonic() + 70
        while not (tmp_path / "paired").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        [consent] = nurse.get(f"/api/v1/patients/{patient['id']}/consents").json
        nurse.post(f"/api/v1/patients/{patient['id']}/consents/{consent['id']}/withdraw")
        (tmp_path / "clock-moved").touch()

    withdrawer = threading.Thread(target=withdraw_once_paired, daemon=True)
    withdrawer.start()
    seen = run_app(display, tmp_path, live_server, closed_url, code, scenario="ended")
    withdrawer.join(timeout=5)

    assert seen["activation_message"].startswith(
        "L'accès de ce téléphone à Suivi a pris fin avec votre suivi, le ")


@pytest.mark.slow
def test_offline_the_phone_reminds_by_itself_then_the_patient_sets_it_up_and_unlinks(
        world, app, live_server, closed_url, display, tmp_path, clock, monkeypatch):
    # 07:30 in Paris: the heart-failure tasks of 08:00 are still to answer, whatever the
    # time the test runs; the phone's clock is moved to their reminder time.
    paris = ZoneInfo("Europe/Paris")
    morning = datetime.combine(datetime.now(paris).date(), dt_time(7, 30), paris)
    offset = morning - datetime.now(UTC)
    monkeypatch.setattr(clock, "now", lambda: datetime.now(UTC) + offset)
    _, _, code = home_yesterday(world, "Paul", "heart-failure")
    monkeypatch.setenv("SUIVI_GUI_CLOCK_OFFSET", str(offset.total_seconds()))
    monkeypatch.setenv("SUIVI_GUI_SIZE", "360x640")  # the smallest phone

    seen = run_app(display, tmp_path, live_server, closed_url, code, scenario="settings")

    # One notification for the three tasks of 08:00, without health data, once.
    assert seen["notified"] == [["Suivi", "Suivi : un questionnaire vous attend."]]
    eight = morning.replace(hour=8, minute=0)
    assert seen["planned_for"] == eight.astimezone(UTC).isoformat()
    assert len(seen["tasks"]) == 3 and seen["reminded"] == seen["tasks"]
    assert seen["local_reminders"] == {"title": "Rappels sur ce téléphone", "options": {
        "True": ["Activés", True], "False": ["Désactivés", False]}}
    assert seen["english"] == "Unlink this phone"
    assert seen["text_size"]["after"] > seen["text_size"]["before"] * 1.2
    assert seen["text_size"]["current"] == "settings"
    assert seen["problems"] == [], "\n".join(seen["problems"])
    assert seen["unlinked"] == "Ce téléphone n'est plus relié à votre suivi."
    with app.app_context():  # the server no longer accepts the phone
        from sqlalchemy import select

        from backend import db
        from backend.auth.models import DeviceToken

        assert all(t.revoked_at is not None for t in db.session().scalars(select(DeviceToken)))
        # The reminder hour chosen on the phone is the server's: reminders come at 08:00.
        from backend.enrollments.models import Enrollment

        assert [e.reminder_time for e in db.session().scalars(select(Enrollment))] == ["08:00"]
    assert {"mobile-settings.png", "mobile-settings-large.png", "mobile-settings-reminder.png",
            "mobile-settings-unlink-confirm.png",
            "mobile-settings-local-reminders.png"} <= set(seen["screenshots"])


@pytest.mark.slow
@pytest.mark.parametrize(("size", "text_size"), [
    ("360x640", "1.0"), ("360x640", "1.3"), ("480x800", "1.0"), ("480x800", "1.3")])
def test_every_screen_fits_a_small_phone_with_large_text(
        world, live_server, closed_url, display, tmp_path, monkeypatch, size, text_size):
    _, seen = run_on_a_phone(world, live_server, closed_url, display, tmp_path, monkeypatch,
                             size, text_size, "Jean-Baptiste", "layout")

    assert seen["problems"] == [], "\n".join(seen["problems"])
    assert [b["text"] for b in seen["scale"]] == [str(n) for n in range(11)]
    assert all(b["inside"] for b in seen["scale"])  # the whole 0-10 scale without scrolling
    placeholder = seen["placeholder"]  # WCAG 2 contrast of the example in the code box
    assert placeholder["hint"] and placeholder["background_image"] == ""
    assert contrast(placeholder["colour"], placeholder["background"]) >= 4.5


@pytest.mark.slow
@pytest.mark.parametrize(("size", "text_size"), [
    ("360x640", "1.3"), ("480x800", "1.0")])  # the smallest screen with large text; usual
def test_my_data_reads_well_saves_a_full_copy_and_says_when_it_needs_the_network(
        world, live_server, closed_url, display, tmp_path, monkeypatch, size, text_size):
    patient, seen = run_on_a_phone(world, live_server, closed_url, display, tmp_path,
                                   monkeypatch, size, text_size, "Jeanne", "mydata")

    assert seen["problems"] == [], "\n".join(seen["problems"])
    texts = [t.replace("\u00a0", " ") for t in seen["texts"]]
    assert texts[:4] == ["Qui je suis", "Jeanne Moreau", "Date de naissance : 02/04/1950",
                         "Téléphone : 06 12 34 56 78"]
    assert "Chirurgie ambulatoire générale" in texts and "Équipe : Team-A" in texts
    assert any(t.startswith("Accord donné le ") for t in texts)
    assert "Réponses : 0. Mesures : 1." in texts
    assert any(t.startswith("Température : 37,4") for t in texts)
    assert seen["rights"].replace("\u00a0", " ").endswith(
        "demandez-le au service : Team-A, au 01 22 33 44 55.")
    assert seen["notice"][0].startswith("Notice d'information")
    assert any("Vos droits" in t for t in seen["notice"])
    saved = Path(seen["saved"]["path"])
    assert saved.parent == tmp_path / "phone" / "suivi" / "mes-donnees"
    copy = json.loads(saved.read_text(encoding="utf-8"))
    assert copy["identity"]["id"] == patient["id"]
    assert [r["value"] for r in copy["readings"]] == ["37.4"]
    assert seen["saved"]["words"].replace("\u00a0", " ").startswith(
        "Copie enregistrée aujourd'hui à ")
    assert "dossier « mes-donnees »" in seen["saved"]["words"].replace("\u00a0", " ")
    assert seen["offline"] == {"status": "Cette page a besoin de la connexion Internet. "
                                         "Vérifiez le Wi-Fi ou les données mobiles, puis "
                                         "réessayez.", "sections": 0, "save_shown": False}
    assert seen["back_online"]
    tag = f"{size}-{text_size}"
    assert {f"mobile-mydata-{tag}.png", f"mobile-mydata-{tag}-notice.png",
            f"mobile-mydata-{tag}-saved.png", f"mobile-mydata-{tag}-offline.png"} <= set(
        seen["screenshots"])


@pytest.mark.slow
def test_a_day_that_asks_fewer_questions_shows_fewer_pages(
        world, app, live_server, closed_url, display, tmp_path):
    """Day 5 of a version asking "how are you getting about?" on days 1-2 only: the
    daily check has one page less, goes from the bowels to the breathing question, and
    is sent without it."""
    published = world.staff("surgeon").post("/api/v1/protocols", json=with_item_days(
        shipped_protocol(), "daily-postop", WALKING_DAYS_1_2))
    assert published.status_code == 201, published.json
    nurse = world.staff("nurse")
    patient = world.patient(nurse, given_name="Paul", family_name="Moreau")
    surgery = datetime.now(UTC).date() - timedelta(days=5)
    code = world.enrol(nurse, patient["id"], surgery_date=surgery, protocol_version=3,
                       discharge_at=home_since(surgery + timedelta(days=4)))["activation_code"]

    seen = run_app(display, tmp_path, live_server, closed_url, code, scenario="shorter")

    assert "walking" not in seen["asked"]
    assert seen["asked"][seen["asked"].index("stools") + 1] == "breathlessness"
    # 16 items less walking; "where does it hurt?" counts once a pain above 0 is given.
    assert seen["first_page"] == "1 sur 14" and len(seen["asked"]) == 15
    assert seen["after_stools"] == "13 sur 15"
    # sent and answered: "where does it hurt?" is words for the nurse
    assert any("Votre message sera lu" in text for text in seen["advice"])
    with app.app_context():
        from sqlalchemy import select

        from backend import db

        [answers] = db.session().scalars(select(Submission.answers)).all()
    assert "walking" not in answers and answers["stools"] == "normal"
    assert {"mobile-questionnaire-day-5-after-stools.png",
            "mobile-advice-day-5.png"} <= set(seen["screenshots"])
