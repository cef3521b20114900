"""Demo data: a care team, the three demo accounts and a handful of patients.

Seeded once, through the same services the API uses, so the demo shows real behaviour.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import db
from backend.auth.models import StaffUser, email_index
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.demo_history import seed_history
from backend.enrollments.models import Enrollment
from backend.security import hash_password
from backend.teams import services as teams

DEMO_ACCOUNTS = (
    ("admin@demo.suivi.fr", "admin", "Alice Admin"),
    ("surgeon@demo.suivi.fr", "surgeon", "Dr Simon Chirurgien"),
    ("nurse@demo.suivi.fr", "nurse", "Nadia Infirmière"),
)
TEAM = ("chir-ambu", "Chirurgie ambulatoire — CHU de démonstration", "+33100000000")
TEAM_PATIENT_PHONE = "+33100000001"  # the ward's desk, shown in the patient app

# given, family, birth date, sex, language, protocol, days since surgery
PATIENTS = (
    ("Jeanne", "Martin", date(1948, 3, 12), "female", "fr", "ambulatory-general", 2),
    ("Ahmed", "Benali", date(1961, 7, 30), "male", "fr", "colorectal-eras", 5),
    ("Marie", "Dubois", date(1955, 1, 4), "female", "fr", "hip-knee-arthroplasty", 9),
    ("Paul", "Lefèvre", date(1942, 11, 21), "male", "fr", "heart-failure", 12),
    ("Emily", "Carter", date(1979, 5, 17), "female", "en", "ambulatory-general", 1),
    ("Odette", "Roux", date(1949, 6, 8), "female", "fr", "ambulatory-general", 2),
    ("Lucien", "Garnier", date(1944, 2, 2), "male", "fr", "ambulatory-general", 3),
)
# How each patient answers when not by the app; today's questionnaire of the web and SMS
# patients is left unanswered (demo_history), for the demo user to answer: through her
# link, and by `suivi sms-reply` for him.
CHANNELS = {"Roux": "web", "Garnier": "sms"}
WEB_PATIENT, SMS_PATIENT = "Roux", "Garnier"
# A visiting nurse takes the morning vital signs of these protocols' patients, breathing
# rate and consciousness included (demo_history sends the full NEWS2 set).
VISITING_NURSE = {"colorectal-eras", "heart-failure"}


def seed(password: str) -> None:
    session = db.session()
    existing = session.scalar(select(StaffUser).where(
        StaffUser.email_index == email_index(DEMO_ACCOUNTS[0][0])))
    if existing is not None:
        _sync_password(password)
        session.commit()
        return
    _load_content()
    teams.create_team(*TEAM, patient_phone=TEAM_PATIENT_PHONE)
    for email, role, name in DEMO_ACCOUNTS:
        teams.create_staff(email, role, name, password, [TEAM[0]] if role != "admin" else [])
    session.flush()
    nurse = session.scalar(select(StaffUser).where(
        StaffUser.email_index == email_index(DEMO_ACCOUNTS[2][0])))
    principal = StaffPrincipal(user=nurse, team_ids=frozenset(teams.team_ids_of(nurse)))
    _seed_patients(principal)
    seed_history(principal, now())
    session.commit()


def _sync_password(password: str) -> None:
    # SUIVI_DEMO_PASSWORD may change between runs; the accounts follow it.
    for email, _, _ in DEMO_ACCOUNTS:
        user = db.session().scalar(select(StaffUser).where(
            StaffUser.email_index == email_index(email)))
        if user is not None:
            user.password_hash = hash_password(password)


def _load_content() -> None:
    from backend.protocols.services import load_shipped_content

    load_shipped_content()


def _seed_patients(principal: StaffPrincipal) -> None:
    from backend.consents.notices import current as current_notice
    from backend.enrollments import services as enrollments
    from backend.patients import services as patients

    today = now().date()
    for index, (given, family, birth, sex, lang, protocol, days) in enumerate(PATIENTS):
        patient = patients.create_patient(principal, {
            "given_name": given, "family_name": family, "birth_date": birth, "sex": sex,
            "language": lang, "timezone": "Europe/Paris",
            "phone": f"+3361234{index:04d}", "hospital_id": f"DEMO{1000 + index}",
        })
        surgery = today - timedelta(days=days)
        # Home the evening of the operation: the follow-up (day 1 on) is all after it.
        enrollments.enrol(principal, patient, protocol, None, surgery, None,
                          datetime.combine(surgery, time(18), ZoneInfo("Europe/Paris")),
                          channel=CHANNELS.get(family, "app"),
                          carer_measures=protocol in VISITING_NURSE,
                          consent={"notice_version": current_notice().version,
                                   "given": True})


def web_form_link() -> tuple[str, str] | None:
    """A fresh link to the web patient's open questionnaire (each start of the demo makes
    a new one: links are single use and only their hash is kept): her name and the URL."""
    from backend.formlinks import services as links

    found = _open_questionnaire(WEB_PATIENT)
    if found is None:
        return None
    patient, _, task = found
    token = links.issue(task)
    db.session().commit()
    return f"{patient.given_name} {patient.family_name}", links.url(token)


def _open_questionnaire(family: str):
    """(patient, enrolment, task) of the demo patient's questionnaire still open today,
    or None."""
    from backend.patients.models import Patient
    from backend.tasks import services as tasks
    from backend.tasks.models import Task

    session = db.session()
    patient = session.scalar(select(Patient).where(Patient.family_name == family))
    enrollment = session.scalar(select(Enrollment).where(
        Enrollment.patient_id == patient.id, Enrollment.status == "active"))
    if enrollment is None:
        return None
    current = now()
    tasks.plan(enrollment, patient, current - timedelta(days=1), current + timedelta(days=2))
    query = select(Task).where(
        Task.enrollment_id == enrollment.id, Task.kind == "questionnaire",
        Task.status != "done", Task.due_at > current - timedelta(hours=20))
    if family == SMS_PATIENT:  # the questionnaire with an SMS form
        query = query.where(Task.questionnaire == "daily-postop")
    task = session.scalar(query.order_by(Task.due_at).limit(1))
    return None if task is None else (patient, enrollment, task)


def sms_conversation() -> tuple[str, str, str] | None:
    """The SMS patient's questionnaire of the day asked now (its first question goes out
    through the outbox, once: a conversation already open is left as it is): his name,
    his number and the question waiting for his reply, or None when he has nothing left
    to answer."""
    from backend.smsforms import services as smsforms

    found = _open_questionnaire(SMS_PATIENT)
    if found is None:
        return None
    patient, enrollment, task = found
    smsforms.ask(patient, enrollment, [task])
    conversation = smsforms.open_conversation(patient)
    db.session().commit()
    if conversation is None:
        return None
    question = smsforms.current_question(conversation, patient.language)
    return f"{patient.given_name} {patient.family_name}", patient.phone, question
