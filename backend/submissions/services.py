"""The submission path: store, score, evaluate and raise alerts in one transaction.

Nothing here sends anything: notifications are outbox rows relayed after the commit, so a
patient's answer is stored (and its alert raised) even when Redis or every worker is down.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from backend import db
from backend.alerts.services import raise_findings
from backend.api import field_error
from backend.audit import services as audit
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.enrollments.services import active_enrollment
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.protocols.services import overrides_for_engine
from backend.submissions.models import Reading, Submission
from backend.submissions.validation import CLOCK_SKEW, clean_answers, clean_readings
from backend.tasks import services as tasks
from rules import model as rules_model
from rules.evaluator import evaluate
from rules.model import json_value
from rules.protocol import Protocol
from rules.questionnaire import readings_from_answers
from rules.scores import score_submission

NOT_ENROLLED = "You are not enrolled in a follow-up at the moment."
EMERGENCY = {"fr": "Appelez le 15 (SAMU) ou le 112 maintenant.",
             "en": "Call 15 (SAMU) or 112 now."}
ALL_CLEAR = {"fr": "Merci, vos réponses ont bien été transmises à l'équipe. Continuez ainsi.",
             "en": "Thank you, your answers have reached the team. Keep going."}


def submit(patient: Patient, body: dict[str, Any], source: str = "app") -> dict[str, Any]:
    """Store a questionnaire answer (and its readings), evaluate, raise alerts."""
    enrollment = active_enrollment(patient, NOT_ENROLLED)
    protocol = protocol_of(enrollment.protocol)
    questionnaire = protocol.questionnaires.get(body["questionnaire"])
    if questionnaire is None:
        field_error("questionnaire", f"'{body['questionnaire']}' is not part of your "
                                     f"follow-up ({', '.join(sorted(protocol.questionnaires))})")
    current = now()
    submitted_at = body.get("submitted_at") or current
    if submitted_at > current + CLOCK_SKEW:
        field_error("submitted_at", "is in the future")
    answers = clean_answers(questionnaire, body["answers"])
    extra = clean_readings(body.get("readings", []), not_after=current + CLOCK_SKEW)
    task = tasks.match_questionnaire(enrollment, questionnaire.slug, body.get("task_id"),
                                     submitted_at)
    if body.get("task_id") is not None and task is None:
        field_error("task_id", "no such task in your follow-up")
    scores = score_submission(questionnaire, answers)
    session = db.session()
    submission = Submission(
        patient_id=patient.id, enrollment_id=enrollment.id, task_id=task.id if task else None,
        questionnaire=questionnaire.slug, questionnaire_version=questionnaire.version,
        answers=json_value(answers), scores=[s.to_dict() for s in scores.values()],
        source=source, submitted_at=submitted_at, received_at=current)
    session.add(submission)
    session.flush()  # before the rows that refer to it (no relationship orders them)
    readings = readings_from_answers(questionnaire, answers, submitted_at) + extra
    _store_readings(patient, enrollment, readings, submission.id, source)
    if task is not None:
        tasks.complete(task, submitted_at, submission.id)
    audit.record("submission.create", patient_id=patient.id, object_type="submission",
                 object_id=submission.id, detail={"questionnaire": questionnaire.slug})
    result = evaluate_patient(patient, enrollment, protocol)
    return {"id": submission.id, "questionnaire": questionnaire.slug,
            "submitted_at": submitted_at, "task_id": task.id if task else None,
            "scores": submission.scores, **result}


def submit_readings(patient: Patient, raw_readings: list[dict[str, Any]],
                    source: str = "app") -> dict[str, Any]:
    """Store a batch of readings (app or device gateway), evaluate, raise alerts."""
    enrollment = active_enrollment(patient, NOT_ENROLLED)
    protocol = protocol_of(enrollment.protocol)
    readings = clean_readings(raw_readings, not_after=now() + CLOCK_SKEW)
    stored = _store_readings(patient, enrollment, readings, None, source)
    for reading in readings:
        task = tasks.match_reading(enrollment, reading.type, reading.measured_at)
        if task is not None:
            tasks.complete(task, reading.measured_at)
    audit.record("reading.create", patient_id=patient.id, object_type="reading",
                 detail={"count": len(stored)})
    result = evaluate_patient(patient, enrollment, protocol)
    return {"ids": [row.id for row in stored], **result}


def _store_readings(patient: Patient, enrollment: Enrollment,
                    readings: list[rules_model.Reading], submission_id, source: str) -> list:
    rows = []
    for reading in readings:
        value = reading.value
        numeric = value if isinstance(value, Decimal) else None
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        rows.append(Reading(patient_id=patient.id, enrollment_id=enrollment.id,
                            submission_id=submission_id, type=reading.type, value=text,
                            numeric_value=numeric, unit=reading.unit,
                            measured_at=reading.measured_at, received_at=now(), source=source))
    db.session().add_all(rows)
    return rows


def patient_data(enrollment: Enrollment, protocol: Protocol, at: datetime
                 ) -> rules_model.PatientData:
    """The patient's history over the protocol's evaluation window."""
    session = db.session()
    since = at - timedelta(days=protocol.window_days + 1)
    # Columns, not ORM objects: this runs on every submission over the whole window.
    submissions = [rules_model.Submission(row.questionnaire, row.submitted_at,
                                          _answers(protocol, row))
                   for row in session.execute(select(
                       Submission.questionnaire, Submission.submitted_at, Submission.answers)
                       .where(Submission.enrollment_id == enrollment.id,
                              Submission.submitted_at >= since))]
    readings = [rules_model.Reading(row.type, _reading_value(row), row.unit, row.measured_at)
                for row in session.execute(select(
                    Reading.type, Reading.value, Reading.numeric_value, Reading.unit,
                    Reading.measured_at).where(Reading.enrollment_id == enrollment.id,
                                               Reading.measured_at >= since))]
    return rules_model.PatientData(submissions, readings, tasks.records(enrollment, since))


def _answers(protocol: Protocol, row: Any) -> dict[str, Any]:
    # Stored answers are JSON; the engine wants them cleaned (Decimals, codes) again.
    from rules.questionnaire import validate_answers

    questionnaire = protocol.questionnaires.get(row.questionnaire)
    if questionnaire is None:
        return dict(row.answers)
    try:
        return validate_answers(questionnaire, row.answers)
    except ValueError:
        return dict(row.answers)


def _reading_value(row: Any) -> Any:
    if row.numeric_value is not None:
        return Decimal(row.value)
    if row.value in ("true", "false"):
        return row.value == "true"
    return row.value


def evaluate_patient(patient: Patient, enrollment: Enrollment,
                     protocol: Protocol) -> dict[str, Any]:
    """Run the rules over the window, raise alerts, and say what to tell the patient now."""
    at = now()
    findings = evaluate(protocol, patient_data(enrollment, protocol, at), at,
                        overrides_for_engine(enrollment.id))
    alerts = raise_findings(patient, enrollment, protocol, findings)
    lang = patient.language
    advice = [{"rule_id": f.rule_id, "severity": f.severity, "text": f.advice.get(lang)}
              for f in findings]
    call_emergency = any(f.severity == "high" for f in findings)
    if call_emergency:
        advice.insert(0, {"rule_id": None, "severity": "high", "text": EMERGENCY[lang]})
    if not advice:
        advice.append({"rule_id": None, "severity": None, "text": ALL_CLEAR[lang]})
    return {"advice": advice, "call_emergency": call_emergency,
            "alerts_opened": [alert.id for alert in alerts]}
