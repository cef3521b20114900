"""The submission path: store, score, evaluate (``evaluation``) and raise alerts in one
transaction.

Nothing here sends anything: notifications are outbox rows relayed after the commit, so a
patient's answer is stored (and its alert raised) even when Redis or every worker is down.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from backend import db
from backend.alerts import messages
from backend.audit import services as audit
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.enrollments.services import active_enrollment
from backend.errors import Invalid
from backend.intake.evaluation import evaluate_patient, window_start
from backend.intake.models import Reading, Submission
from backend.intake.validation import CLOCK_SKEW, asked_on_day, clean_answers, clean_readings
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.tasks import services as tasks
from rules import model as rules_model
from rules.model import json_value
from rules.protocol import Protocol
from rules.questionnaire import readings_from_answers
from rules.schedule import post_op_day
from rules.scores import score_submission

NOT_ENROLLED = "You are not enrolled in a follow-up at the moment."
ALL_CLEAR = {"fr": "Merci, vos réponses ont bien été transmises à l'équipe. Continuez ainsi.",
             "en": "Thank you, your answers have reached the team. Keep going."}
# A patient's own words are read by a nurse; "all clear" would be a promise no one made.
MESSAGE_READ = {"fr": "Merci. {when}", "en": "Thank you. {when}"}
INCOMPLETE = {"fr": "Merci. Il manque encore : {missing}. Ajoutez ces mesures dès que "
                    "possible pour que l'équipe puisse évaluer votre état.",
              "en": "Thank you. Still missing: {missing}. Please add these measurements as "
                    "soon as you can so the team can assess how you are."}


def submit(patient: Patient, body: dict[str, Any], source: str = "app",
           enrollment: Enrollment | None = None,
           asked: Collection[str] | None = None, partial: bool = False) -> dict[str, Any]:
    """Store a questionnaire answer (and its readings), evaluate, raise alerts.
    ``enrollment``: the patient's active enrolment, when the caller has it already;
    ``asked``: the items the patient was asked, when not all (an SMS form: the others
    stay unanswered, not required); ``partial``: a set the patient left unfinished (an
    SMS conversation without its last replies), stored and scored but answering no
    task, so the questionnaire still counts as missing."""
    enrollment = enrollment or active_enrollment(patient, NOT_ENROLLED)
    protocol = protocol_of(enrollment.protocol)
    questionnaire = protocol.questionnaires.get(body["questionnaire"])
    if questionnaire is None:
        raise Invalid("questionnaire", f"'{body['questionnaire']}' is not part of your "
                                       f"follow-up ({', '.join(sorted(protocol.questionnaires))})")
    current = now()
    submitted_at = body.get("submitted_at") or current
    if submitted_at > current + CLOCK_SKEW:
        raise Invalid("submitted_at", "is in the future")
    # The window's tasks, read once: the answer's task is found among them, and the
    # rules read them after it is completed.
    task_window = tasks.window(enrollment, window_start(protocol, current))
    task = None if partial else tasks.match_questionnaire(
        enrollment, questionnaire.slug, body.get("task_id"), submitted_at, task_window)
    if task is not None and task.questionnaire != questionnaire.slug:
        # Else the answer would close a task it does not answer, never asked again.
        raise Invalid("task_id", f"this task asks for {task.questionnaire or task.reading}, "
                                 f"not {questionnaire.slug}")
    asked = asked_on_day(protocol, questionnaire, asked, task.day if task else
                            post_op_day(enrollment.surgery_date, submitted_at,
                                        patient.timezone))
    answers = clean_answers(questionnaire, body["answers"], asked=asked)
    extra = clean_readings(body.get("readings", []), not_after=current + CLOCK_SKEW)
    if body.get("task_id") is not None and task is None:
        raise Invalid("task_id", "no such task in your follow-up")
    scores = score_submission(questionnaire, answers)
    submission_id = uuid.uuid4()
    stored_scores = [s.to_dict() for s in scores.values()]
    # Core INSERTs, each sent at once in order: no unit-of-work flush on the hot path.
    db.insert_rows(Submission, {
        "id": submission_id, "patient_id": patient.id, "enrollment_id": enrollment.id,
        "task_id": task.id if task else None, "questionnaire": questionnaire.slug,
        "questionnaire_version": questionnaire.version, "answers": json_value(answers),
        "scores": stored_scores, "source": source, "submitted_at": submitted_at,
        "received_at": current})
    readings = readings_from_answers(questionnaire, answers, submitted_at) + extra
    stored = _store_readings(patient, enrollment, readings, submission_id, source)
    missing: list[str] = []
    if task is not None:
        missing = tasks.missing_readings(task, protocol, patient.timezone)
        if not missing:
            tasks.complete(task, submitted_at, submission_id)
    _answer_reading_tasks(enrollment, protocol, readings, task_window)
    # Not the questionnaire: its name alone is health information ("phq-9").
    audit.record("submission.create", patient_id=patient.id, object_type="submission",
                 object_id=submission_id)
    result = evaluate_patient(patient, enrollment, protocol, new={submission_id, *stored},
                              task_window=task_window)
    lang = patient.language
    if missing and not result["call_emergency"]:
        labels = ", ".join(_reading_label(questionnaire, rtype, lang) for rtype in missing)
        result["advice"].append(_card(INCOMPLETE[lang].format(missing=labels)))
    texts = [(item.link_id, answers[item.link_id].strip()) for item in questionnaire.items
             if item.type == "text" and isinstance(answers.get(item.link_id), str)
             and answers[item.link_id].strip()]
    if texts:
        item, opened = messages.from_answers(patient, enrollment, questionnaire.slug, texts,
                                             submitted_at, source)
        if opened:
            result["alerts_opened"].append(item.id)
        result["advice"].append(_card(MESSAGE_READ[lang].format(
            when=messages.when_read([item], lang))))
    _all_clear_if_nothing_said(result, lang)
    return {"id": submission_id, "questionnaire": questionnaire.slug,
            "submitted_at": submitted_at, "task_id": task.id if task else None,
            "task_done": task is not None and not missing, "missing_readings": missing,
            "scores": stored_scores, **result}


def _reading_label(questionnaire: Any, reading_type: str, lang: str) -> str:
    item = next((i for i in questionnaire.items if i.reading == reading_type), None)
    return item.text.get(lang) if item is not None else reading_type


def _answer_reading_tasks(enrollment: Enrollment, protocol: Protocol,
                          readings: list[rules_model.Reading],
                          task_window: tasks.TaskWindow | None = None) -> None:
    """A reading answers its own task whatever form it came in (a weight in the vitals
    form answers the weight task). Only types the schedule plans alone are looked up: a
    vitals form costs no query where no reading is scheduled on its own."""
    scheduled = {entry.reading for entry in protocol.schedule if entry.reading}
    for reading in readings:
        if reading.type not in scheduled:
            continue
        task = tasks.match_reading(enrollment, reading.type, reading.measured_at, task_window)
        if task is not None:
            tasks.complete(task, reading.measured_at)


def _all_clear_if_nothing_said(result: dict[str, Any], lang: str) -> None:
    if not result["advice"]:
        result["advice"].append(_card(ALL_CLEAR[lang]))


def _card(text: str) -> dict[str, Any]:
    """A card of Suivi's own (no rule behind it)."""
    return {"rule_id": None, "severity": None, "emergency": False, "text": text}


def submit_readings(patient: Patient, raw_readings: list[dict[str, Any]],
                    source: str = "app", enrollment: Enrollment | None = None) -> dict[str, Any]:
    """Store a batch of readings (app or device gateway), evaluate, raise alerts."""
    enrollment = enrollment or active_enrollment(patient, NOT_ENROLLED)
    protocol = protocol_of(enrollment.protocol)
    readings = clean_readings(raw_readings, not_after=now() + CLOCK_SKEW)
    stored = _store_readings(patient, enrollment, readings, None, source)
    _answer_reading_tasks(enrollment, protocol, readings)
    tasks.complete_if_requirements_met(enrollment, protocol, patient.timezone,
                                       {r.type for r in readings})
    audit.record("reading.create", patient_id=patient.id, object_type="reading",
                 detail={"count": len(stored)})
    result = evaluate_patient(patient, enrollment, protocol, new=set(stored))
    _all_clear_if_nothing_said(result, patient.language)
    return {"ids": stored, **result}


def _store_readings(patient: Patient, enrollment: Enrollment,
                    readings: list[rules_model.Reading], submission_id: uuid.UUID | None,
                    source: str) -> list[uuid.UUID]:
    """One INSERT of every reading; their ids, in order."""
    rows = []
    for reading in readings:
        value = reading.value
        numeric = value if isinstance(value, Decimal) else None
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        rows.append({"id": uuid.uuid4(), "patient_id": patient.id,
                     "enrollment_id": enrollment.id, "submission_id": submission_id,
                     "type": reading.type, "value": text, "numeric_value": numeric,
                     "unit": reading.unit, "measured_at": reading.measured_at,
                     "received_at": now(), "source": source})
    if rows:
        db.insert_rows(Reading, rows)
    return [row["id"] for row in rows]
