"""What the patient app shows today."""

from __future__ import annotations

from typing import Any

from backend import db
from backend.clock import now
from backend.enrollments.services import followed
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.tasks import services as tasks
from backend.teams.models import CareTeam
from backend.teleconsult.services import upcoming_for
from rules.schedule import education_for_day, post_op_day


def today_view(patient: Patient) -> dict[str, Any]:
    enrollment = followed(patient)
    protocol = protocol_of(enrollment.protocol)
    at = now()
    day = post_op_day(enrollment.surgery_date, at, patient.timezone)
    teleconsultation = upcoming_for(patient)
    return {
        "date": tasks.local_day_bounds(patient.timezone, at)[0].date(),
        "post_op_day": day,
        "protocol": protocol.slug,
        "tasks": [tasks.task_view(task, protocol)
                  for task in tasks.today(enrollment, patient)],
        "education": [{"id": item.id, "title": item.title.get(patient.language),
                       "body": item.body.get(patient.language)}
                      for item in education_for_day(protocol, day)],
        "teleconsultation": teleconsultation,
        "ward": ward_contact(patient),
        "not_asked": tasks.not_asked(enrollment),
        "reminder_time": enrollment.reminder_time,
        "quiet_hours": protocol.quiet_hours.to_dict(),
    }


def ward_contact(patient: Patient) -> dict[str, Any]:
    """How the patient reaches the ward that follows them: its name, the number it gives
    patients (None when the ward has set none) and its day hours, on its own clock."""
    team = db.session().get(CareTeam, patient.care_team_id)
    return {"name": team.name, "phone": team.patient_phone, "day_start": team.day_start,
            "day_end": team.day_end, "timezone": team.timezone}
