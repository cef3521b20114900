"""Two weeks of realistic follow-up for the demo patients, generated through the same
services as real submissions (with the clock set back), so the triage queue opens with a
few real alerts and every chart has data.

Deterministic: the same data every time (a fixed seed per patient).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from backend import db
from backend.alerts import services as alerts
from backend.alerts.models import Alert
from backend.auth.principal import StaffPrincipal
from backend.clock import FrozenClock
from backend.enrollments.models import Enrollment
from backend.intake import services as intake
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.tasks import services as tasks
from backend.tasks.models import Task
from backend.wiring import wiring

# Per demo patient (family name): what departs from a normal recovery. ``daily`` is keyed
# by post-operative day, ``recent``, ``symptoms`` and ``weight`` by days before the latest
# day of their questionnaire or reading (0 = the latest), so the demo tells the same story
# whatever the time it starts.
PROFILES: dict[str, dict[str, Any]] = {
    # A fever on day 1 that the nurse handled by phone: resolved in the history.
    "Martin": {"daily": {1: {"temperature": Decimal("38.6")}}, "resolve": ["fever"]},
    # Fever, vomiting and no food on the latest day after colorectal surgery.
    # She also wrote to the team: her words are a message to read in the queue.
    "Benali": {"recent": {0: {"temperature": Decimal("38.9"), "nausea": "vomiting",
                              "eating_drinking": "unable", "pain_now": 6,
                              "free_text": "J'ai mal au ventre depuis cette nuit et je "
                                           "n'arrive pas à boire."}}},
    # Pain at 7 or more two days running after a knee replacement; earlier, a redness of
    # the wound twice that the nurse found normal on the photo (false alarms: indicators).
    "Dubois": {"recent": {-1: {"pain_now": 7, "pain_worst_24h": 8},
                          0: {"pain_now": 8, "pain_worst_24h": 9}},
               "daily": {3: {"wound_redness": True}, 5: {"wound_redness": True}},
               "false_alarm": ["wound-redness"]},
    # Heart failure: +2.6 kg over the last three days, ankles more swollen today; forgot
    # the questionnaires of day 6.
    "Lefèvre": {"weight": {-2: Decimal("82.6"), -1: Decimal("83.5"), 0: Decimal("84.7")},
                "symptoms": {0: {"ankle_swelling": "more_than_usual"}}, "skip_days": {6}},
    # Has not answered yet: the missing-data rule will show it.
    "Carter": {"skip_days": {1}},
    # Answers by the web form: today's questionnaire waits for the demo user.
    "Roux": {"skip_days": {2}},
    # Answers by SMS (the few items of the SMS form); today's questions wait for the demo
    # user (`suivi sms-reply`); a sore, red wound yesterday.
    "Garnier": {"skip_days": {3}, "source": "sms",
                "recent": {-1: {"pain_now": 6, "wound_redness": True}}},
}


def seed_history(nurse: StaffPrincipal, end: datetime) -> None:
    wired = wiring()
    real_clock = wired.clock
    clock = FrozenClock(end)
    wired.clock = clock
    try:
        for enrollment in db.session().scalars(select(Enrollment).order_by(Enrollment.created_at)):
            _patient_history(enrollment, nurse, clock, end)
    finally:
        wired.clock = real_clock


def _patient_history(enrollment: Enrollment, nurse: StaffPrincipal, clock: FrozenClock,
                     end: datetime) -> None:
    session = db.session()
    patient = session.get(Patient, enrollment.patient_id)
    profile = PROFILES.get(patient.family_name, {})
    rng = random.Random(patient.family_name)
    start = datetime.combine(enrollment.surgery_date, datetime.min.time(), end.tzinfo)
    tasks.plan(enrollment, patient, start, end + timedelta(days=1))
    due = list(session.scalars(select(Task).where(
        Task.enrollment_id == enrollment.id, Task.due_at < end - timedelta(minutes=50))
        .order_by(Task.due_at)))
    # The latest day of each questionnaire or reading: a profile's story (``recent``,
    # ``weight``, ``symptoms``) ends on it, whatever else fell due since (at 09:30 the
    # 09:00 vitals are due, the 10:00 daily check is not).
    last_day: dict[str, int] = {}
    for task in due:
        name = task.questionnaire or task.reading
        last_day[name] = max(task.day, last_day.get(name, task.day))
    # Answered in the order the patient would have sent them (a day's tasks share a due time).
    answered = sorted(((task.due_at + timedelta(minutes=rng.randint(5, 50)), task.key, task)
                       for task in due), key=lambda item: item[:2])
    for answered_at, _, task in answered:
        if task.day in profile.get("skip_days", ()):
            continue
        clock.set(answered_at)
        offset = task.day - last_day[task.questionnaire or task.reading]
        if task.reading:
            intake.submit_readings(patient, [{
                "type": task.reading, "value": _weight(profile, offset, rng),
                "unit": "kg", "measured_at": answered_at}], source="app")
        else:
            answers = GENERATORS[task.questionnaire](task.day, rng, profile)
            if task.questionnaire == "daily-postop":
                answers.update(profile.get("recent", {}).get(offset, {}))
            if task.questionnaire == "hf-symptoms":
                answers.update(profile.get("symptoms", {}).get(offset, {}))
            _submit(patient, profile, task, answers, answered_at)
        _handle(patient, profile, nurse, clock)
    session.flush()


def _submit(patient: Patient, profile: dict, task: Task, answers: dict[str, Any],
            answered_at: datetime) -> None:
    """As the patient would have sent it: an SMS patient answers the daily check's SMS
    form (its few items) and the other questionnaires by web form link."""
    source, asked = profile.get("source", "app"), None
    if source == "sms":
        form = protocol_of(db.session().get(Enrollment, task.enrollment_id).protocol) \
            .questionnaires[task.questionnaire].sms
        if form is None:
            source = "web"
        else:
            asked = form.link_ids
            answers = {key: value for key, value in answers.items() if key in asked}
    intake.submit(patient, {"questionnaire": task.questionnaire, "answers": answers,
                            "task_id": task.id, "submitted_at": answered_at},
                  source=source, asked=asked)


# How the nurse closed the alerts a profile lists: (profile key, outcome, note, after).
HANDLING = (
    ("resolve", "called_patient", "Patiente appelée : paracétamol, hydratation, rappel si "
                                  "> 38,5 °C demain.", timedelta(hours=2)),
    ("false_alarm", "false_alarm", "Photo de la cicatrice revue : cicatrisation normale.",
     timedelta(minutes=40)),
)


def _handle(patient: Patient, profile: dict, nurse: StaffPrincipal, clock: FrozenClock) -> None:
    """The nurse closes, a while later, the alerts the profile says were handled."""
    for key, outcome, note, after in HANDLING:
        for alert in db.session().scalars(select(Alert).where(
                Alert.patient_id == patient.id, Alert.status != "resolved",
                Alert.rule_id.in_(profile.get(key, [])))):
            at = clock.now()
            clock.set(at + after)
            alerts.act(nurse, alert, "acknowledge")
            alerts.act(nurse, alert, "note", note=note)
            alerts.act(nurse, alert, "resolve", outcome=outcome)
            clock.set(at)


def _daily(day: int, rng: random.Random, profile: dict) -> dict[str, Any]:
    pain = max(0, 5 - day // 2 + rng.randint(-1, 1))
    answers: dict[str, Any] = {
        "pain_now": pain, "pain_worst_24h": min(10, pain + rng.randint(0, 2)),
        "temperature": Decimal(rng.choice(["36.6", "36.8", "37.0", "37.2", "37.4"])),
        "wound_redness": False, "wound_discharge": "none", "wound_bleeding": False,
        "wound_opening": False, "nausea": "none" if day > 2 else rng.choice(["none", "nausea"]),
        "eating_drinking": "normal" if day > 2 else "reduced", "urination": "normal",
        "stools": "normal" if day > 3 else "none_since_surgery",
        "walking": "as_usual" if day > 4 else "with_help", "breathlessness": "none",
        "calf_pain": False,
    }
    answers.update(profile.get("daily", {}).get(day, {}))
    return answers


def _qor15(day: int, rng: random.Random, profile: dict) -> dict[str, Any]:
    good = min(10, 8 + day // 3)
    answers = {f"q{i}": max(0, min(10, good + rng.randint(-1, 1))) for i in range(1, 11)}
    answers.update({f"q{i}": max(0, 10 - good + rng.randint(-1, 1)) for i in range(11, 16)})
    return answers


def _vitals(day: int, rng: random.Random, profile: dict) -> dict[str, Any]:
    return {"temperature": Decimal("36.9"), "heart_rate": rng.randint(64, 84),
            "respiratory_rate": rng.randint(14, 18), "systolic_bp": rng.randint(115, 135),
            "diastolic_bp": rng.randint(68, 84), "spo2": rng.randint(95, 99),
            "supplemental_oxygen": False, "consciousness": "A"}


def _phq9(day: int, rng: random.Random, profile: dict) -> dict[str, Any]:
    answers = {f"q{i}": "not_at_all" for i in range(1, 10)}
    answers["q3"] = answers["q4"] = "several_days"  # sleep and tiredness after surgery
    return answers


def _hf_symptoms(day: int, rng: random.Random, profile: dict) -> dict[str, Any]:
    return {"breathlessness": "none_or_usual", "orthopnoea": False, "ankle_swelling": "none"}


def _weight(profile: dict, offset: int, rng: random.Random) -> Decimal:
    return profile.get("weight", {}).get(offset) or (
        Decimal("82.0") + Decimal(rng.randint(-3, 3)) / 10)


GENERATORS: dict[str, Callable[[int, random.Random, dict], dict[str, Any]]] = {
    "daily-postop": _daily, "qor-15": _qor15, "vitals": _vitals, "phq-9": _phq9,
    "hf-symptoms": _hf_symptoms,
}
