"""A small history of two weeks on two wards, every figure of the indicators computed by
hand from it (tests/api/test_indicators.py says how, figure by figure).

Weeks 2026-W48 (Mon 23/11) and 2026-W49 (Mon 30/11) on the ward's clock (Paris, UTC+1);
"now" is Sunday 06/12/2026 12:00 UTC. Team A follows P1, P2 (app) and P3 (SMS); team B
follows P4, whose figures a team A nurse must never see. Patients, enrolments and the
30-day outcomes go through the API; the history (when each follow-up ran, tasks, alerts,
messages) is written as rows with exact times, as the services would have left them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from backend import db
from backend.alerts.models import Alert
from backend.enrollments.models import Enrollment
from backend.notifications.models import Message
from backend.tasks.models import Task
from tests.helpers import Caller, World

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def paris_midnight(month: int, day: int) -> datetime:
    """Midnight in Paris (UTC+1 in winter), in UTC."""
    return utc(month, day) - timedelta(hours=1)


@dataclass
class History:
    nurse: Caller
    nurse_b: Caller
    surgeon: Caller
    admin: Caller
    patients: dict[str, dict]
    enrollments: dict[str, str]
    alerts: dict[str, uuid.UUID]


# name: (team, channel, surgery day, discharge, enrolment created, follow-up ended)
FOLLOW_UPS = {
    "P1": ("team-a", "app", date(2026, 11, 22), paris_midnight(11, 23), utc(11, 22, 10),
           paris_midnight(12, 3)),
    "P2": ("team-a", "app", date(2026, 11, 25), paris_midnight(11, 26), utc(11, 25, 10),
           paris_midnight(12, 6)),
    "P3": ("team-a", "sms", date(2026, 11, 29), paris_midnight(11, 30), utc(11, 29, 10),
           paris_midnight(12, 5)),
    "P4": ("team-b", "app", date(2026, 11, 22), paris_midnight(11, 23), utc(11, 23, 10),
           paris_midnight(11, 25)),
}

# name: (patient, post-op day, due, missed_at, status, answered_at)
TASKS = {
    "t1": ("P1", 1, utc(11, 23, 9), utc(11, 23, 11), "done", utc(11, 23, 10)),
    "t2": ("P1", 2, utc(11, 24, 9), utc(11, 24, 11), "done", utc(11, 24, 15)),
    "t3": ("P1", 3, utc(11, 25, 9), utc(11, 25, 11), "missed", None),
    "t4": ("P1", 9, utc(12, 1, 9), utc(12, 1, 11), "done", utc(12, 1, 9, 30)),
    "t5": ("P2", 1, utc(11, 26, 9), utc(11, 26, 11), "done", utc(11, 26, 9, 5)),
    # Past its window, not yet marked missed by the periodic job: due, not done.
    "t6": ("P2", 8, utc(12, 3, 9), utc(12, 3, 11), "pending", None),
    "t7": ("P3", 1, utc(11, 30, 9), utc(11, 30, 11), "done", utc(11, 30, 18)),
    # Its window is still open "now": not due yet.
    "t8": ("P3", 7, utc(12, 6, 9), utc(12, 6, 14), "pending", None),
    "t9": ("P4", 1, utc(11, 24, 9), utc(11, 24, 11), "done", utc(11, 24, 10)),
}

# name: (patient, rule, group, severity, created, due_by, acknowledged, resolved,
#        resolved by a nurse, outcome)
ALERTS = {
    "a1": ("P1", "fever", "fever", "high", utc(11, 23, 10), utc(11, 23, 10, 15),
           utc(11, 23, 10, 5), utc(11, 23, 10, 35), True, "false_alarm"),
    "a2": ("P1", "fever", "fever", "high", utc(11, 24, 10), utc(11, 24, 10, 15),
           utc(11, 24, 10, 25), utc(11, 24, 11), True, "called_patient"),
    "a3": ("P2", "pain", "pain", "medium", utc(11, 26, 12), utc(11, 26, 13),
           utc(11, 26, 12, 30), utc(11, 26, 14), True, "false_alarm"),
    "a4": ("P2", "missing-daily", "missing", "low", utc(11, 27, 12), utc(11, 27, 18),
           None, utc(11, 27, 15), False, "data_received"),
    "a5": ("P3", "fever", "fever", "medium", utc(12, 1, 10), utc(12, 1, 11),
           utc(12, 1, 12), utc(12, 1, 13), True, "false_alarm"),
    "a6": ("P1", "patient-message", "message", "low", utc(12, 2, 9), utc(12, 2, 17),
           None, None, False, None),
    "a7": ("P3", "fever", "fever", "high", utc(12, 6, 11), utc(12, 6, 11, 15),
           None, None, False, None),
    "a8": ("P3", "fever-high", "fever-high", "high", utc(12, 6, 11, 55), utc(12, 6, 12, 10),
           None, None, False, None),
    "b1": ("P4", "fever", "fever", "high", utc(11, 23, 12), utc(11, 23, 12, 15),
           utc(11, 23, 12, 1), utc(11, 23, 12, 30), True, "false_alarm"),
}

# name: (patient or None for a nurse, created, status)
MESSAGES = {
    "m1": ("P1", utc(11, 23, 10), "delivered"),
    "m2": ("P1", utc(11, 24, 10), "sent"),
    "m3": ("P2", utc(11, 26, 10), "failed"),
    "m4": ("P2", utc(11, 27, 10), "failed"),
    "m5": ("P3", utc(12, 1, 10), "failed"),
    "m6": ("P3", utc(12, 2, 10), "delivered"),
    "m7": ("P2", utc(12, 1, 10), "pending"),
    "m8": (None, utc(11, 23, 10), "failed"),
    "m9": ("P4", utc(11, 24, 10), "failed"),
}


def build(world: World) -> History:
    world.clock.set(NOW)
    nurse = world.staff("nurse", teams=("team-a",))
    surgeon = world.staff("surgeon", teams=("team-a",))
    nurse_b = world.staff("nurse", teams=("team-b",))
    patients, enrollments = {}, {}
    for name, (team, _channel, surgery, *_rest) in FOLLOW_UPS.items():
        staff = nurse if team == "team-a" else nurse_b
        patients[name] = world.patient(staff, given_name=name)
        enrollments[name] = world.enrol(staff, patients[name]["id"],
                                        surgery_date=surgery)["enrollment"]["id"]
    alerts = {}
    with world.app.app_context():
        session = db.session()
        rows = {name: session.get(Enrollment, uuid.UUID(eid)) for name, eid in enrollments.items()}
        for name, (_team, channel, _surgery, discharge, created, ended) in FOLLOW_UPS.items():
            row = rows[name]
            row.channel, row.discharge_at, row.created_at = channel, discharge, created
            row.status, row.ended_at = "ended", ended
        # Nothing the API planned or sent at enrolment: the history below is all there is.
        session.execute(Task.__table__.delete())
        session.execute(Message.__table__.delete())
        for name, (who, day, due, missed, status, answered) in TASKS.items():
            row = rows[who]
            session.add(Task(enrollment_id=row.id, patient_id=row.patient_id,
                             care_team_id=row.care_team_id, key=name,
                             kind="questionnaire", questionnaire="daily-postop", day=day,
                             due_at=due, missed_at=missed, status=status,
                             answered_at=answered, created_at=due - timedelta(days=1)))
        for name, (who, rule, group, severity, created, due_by, acked, resolved, by_nurse,
                   outcome) in ALERTS.items():
            row = rows[who]
            resolver = uuid.UUID(nurse_b.id if who == "P4" else nurse.id)
            alert = Alert(patient_id=row.patient_id, enrollment_id=row.id,
                          care_team_id=row.care_team_id, rule_id=rule, rule_group=group,
                          severity=severity, status=("resolved" if resolved else
                                                     "acknowledged" if acked else "open"),
                          explanation={"fr": rule, "en": rule}, advice={}, evidence=[],
                          series=[], created_at=created, updated_at=created, due_by=due_by,
                          next_escalation_at=due_by, acknowledged_at=acked,
                          acknowledged_by=resolver if acked else None,
                          resolved_at=resolved, resolved_by=resolver if by_nurse else None,
                          outcome=outcome)
            session.add(alert)
            alerts[name] = alert.id
        for name, (who, created, status) in MESSAGES.items():
            session.add(Message(
                dedupe_key=name, patient_id=rows[who].patient_id if who else None,
                staff_id=None if who else uuid.UUID(nurse.id), channel="sms",
                address="+33612345678", template="task.reminder", body="Suivi", status=status,
                created_at=created, updated_at=created))
        session.commit()
        assert session.scalar(select(Enrollment.status).where(
            Enrollment.id == rows["P1"].id)) == "ended"
    return History(nurse, nurse_b, surgeon, world.admin(), patients, enrollments, alerts)


def record_outcome(staff: Caller, history: History, name: str, kind: str,
                   day: str | None = None):
    return staff.request(
        "PUT", f"/api/v1/patients/{history.patients[name]['id']}/enrollments/"
               f"{history.enrollments[name]}/outcome",
        json={"kind": kind, **({"date": day} if day else {})})
