"""The evaluation step: the protocol's rules over a patient's window of data, the alerts
they raise, and what to tell the patient now.

Run on every submission and batch of readings (in their transaction), and by the
missed-data check when a task's deadline passes with nothing sent.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, null, select, type_coerce, union_all

from backend import db
from backend.alerts.services import raise_findings
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.intake.models import Reading, Submission
from backend.patients.models import Patient
from backend.protocols.services import overrides_for_engine
from backend.tasks import services as tasks
from rules import model as rules_model
from rules.advice import patient_advice
from rules.evaluator import evaluate
from rules.protocol import Protocol
from rules.questionnaire import readings_from_answers, stored_answers

# The window's answers and readings in one statement built once (Core, not ORM: no
# entity, no ORM context): this runs on every submission over the whole window. Each
# branch leaves the other's columns NULL (typed as the other's, so that each is read back
# as its column is); a reading always has a value, an answer never.
_answers_table, _readings_table = Submission.__table__.c, Reading.__table__.c


def _none_as(column: Any) -> Any:
    return type_coerce(null(), column.type).label(column.name)


_WINDOW_ROWS = union_all(
    select(_answers_table.id, _answers_table.questionnaire.label("name"),
           _answers_table.submitted_at.label("at"), _answers_table.answers,
           _none_as(_readings_table.value), _none_as(_readings_table.numeric_value),
           _none_as(_readings_table.unit))
    .where(_answers_table.enrollment_id == bindparam("enrollment_id"),
           _answers_table.submitted_at >= bindparam("since")),
    select(_readings_table.id, _readings_table.type, _readings_table.measured_at,
           _none_as(_answers_table.answers), _readings_table.value,
           _readings_table.numeric_value, _readings_table.unit)
    .where(_readings_table.enrollment_id == bindparam("enrollment_id"),
           _readings_table.measured_at >= bindparam("since")))


def window_start(protocol: Protocol, at: datetime) -> datetime:
    """Where the history an evaluation at ``at`` reads starts."""
    return at - timedelta(days=protocol.window_days + 1)


def patient_data(enrollment: Enrollment, protocol: Protocol, at: datetime,
                 new: set[uuid.UUID] = frozenset(),
                 task_window: tasks.TaskWindow | None = None) -> rules_model.PatientData:
    """The patient's history over the protocol's evaluation window; the rows whose id is
    in ``new`` are what the patient is sending now (their findings give advice). The
    tasks are ``task_window``'s when the caller read them already (a submission)."""
    since = window_start(protocol, at)
    submissions: list[rules_model.Submission] = []
    readings: list[rules_model.Reading] = []
    rows = db.execute(_WINDOW_ROWS, {"enrollment_id": enrollment.id, "since": since})
    for row_id, name, at_, answers, value, numeric_value, unit in rows:  # (tuples: fastest)
        if value is None:
            submissions.append(rules_model.Submission(
                name, at_, _answers(protocol, name, answers), row_id in new))
        else:
            readings.append(rules_model.Reading(name, _reading_value(value, numeric_value),
                                                unit, at_, row_id in new))
    return rules_model.PatientData(submissions, readings,
                                   task_window.for_rules(since) if task_window is not None
                                   else tasks.records(enrollment, since))


def _answers(protocol: Protocol, slug: str, stored: Any) -> dict[str, Any]:
    # Stored answers are JSON; the engine wants them as cleaned (Decimals, dates) again.
    questionnaire = protocol.questionnaires.get(slug)
    if questionnaire is None:
        return dict(stored)
    return stored_answers(questionnaire, stored)


def _reading_value(value: str, numeric_value: Any) -> Any:
    if numeric_value is not None:
        return Decimal(value)
    if value in ("true", "false"):
        return value == "true"
    return value


def evaluate_patient(patient: Patient, enrollment: Enrollment, protocol: Protocol,
                     new: set[uuid.UUID] = frozenset(),
                     task_window: tasks.TaskWindow | None = None) -> dict[str, Any]:
    """Run the rules over the window, raise alerts, and say what to tell the patient now
    (only findings resting on the ``new`` rows speak to the patient)."""
    at = now()
    findings = evaluate(protocol, patient_data(enrollment, protocol, at, new, task_window), at,
                        overrides_for_engine(enrollment), enrollment.spo2_scale,
                        patient.timezone)
    alerts = raise_findings(patient, enrollment, protocol, findings)
    lang = patient.language
    said = patient_advice(findings)
    advice = [{"rule_id": f.rule_id, "severity": f.severity, "emergency": f.emergency,
               "text": f.advice.get(lang)} for f in said.cards]
    return {"advice": advice, "call_emergency": said.call_emergency,
            "alerts_opened": [alert.id for alert in alerts]}


def calls_for_15(patient: Patient, enrollment: Enrollment, protocol: Protocol, slug: str,
                 answers: dict[str, Any]) -> bool:
    """Whether ``answers`` to questionnaire ``slug``, were they sent now, would tell the
    patient to call the emergency number. Nothing is stored or raised: an SMS
    conversation asks this after each reply, so that "call 15" never waits for the
    questions left (backend/smsforms/replies.py)."""
    at = now()
    data = patient_data(enrollment, protocol, at)
    questionnaire = protocol.questionnaires[slug]
    cleaned = stored_answers(questionnaire, answers)
    sent = [replace(r, new=True) for r in readings_from_answers(questionnaire, cleaned, at)]
    data = rules_model.PatientData(
        [*data.submissions, rules_model.Submission(slug, at, cleaned, new=True)],
        [*data.readings, *sent], data.tasks)
    findings = evaluate(protocol, data, at, overrides_for_engine(enrollment),
                        enrollment.spo2_scale, patient.timezone)
    return patient_advice(findings).call_emergency
