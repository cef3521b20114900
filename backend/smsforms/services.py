"""Questionnaires by SMS (channel ``sms``): the questionnaire's SMS form asked one
question at a time, each reply read (``rules.sms_replies``, ``backend.smsforms.replies``),
the set submitted through the same submission service as the app (``source: "sms"``)
and scored by the same rules. This module opens and closes the conversations.

Decisions (clinical safety first):

* A conversation opens at the task's reminder, one per task (a job run twice opens one
  and sends one SMS: outbox entry ``smsform.ask`` keyed by the conversation). A patient
  has one open conversation at a time; another questionnaire due at once waits (``queued``)
  and is asked after it. A number shared by several patients gets the web form link
  instead: a reply could not be attributed.
* Each reply understood is kept in the conversation (sealed) and answered by the next
  question, in the TwiML reply. A reply not understood is asked again once, with an
  example; not understood twice, both texts are filed as a "message to read" for the
  nurse and the conversation goes on with the next question (the item stays unanswered:
  stopping would lose the answers still to come). Courtesy words ("OK merci") are no
  answer and no alarm: the question is asked again, nothing is filed.
* After the last question the answers are submitted (only the items answered are
  required) and the patient gets the advice of the rules (written for patients, no
  diagnosis), led by "call 15 (or 112) now" when a rule says so. "Call 15" never waits
  for the questions left: after each reply the answers so far are evaluated (nothing
  stored), and when they already call for 15 the set is submitted at once.
* A conversation without a reply for ``IDLE`` (an hour: the deadline of a ``medium``
  alert), stopped by STOP, or overtaken by the next questionnaire is closed and what was
  answered is submitted as a partial set: a pain of 9 is never lost. A partial set does
  not answer the task, so the missing-data alert stays as honest as for an unanswered
  questionnaire; a "call 15" finding still reaches the patient by SMS.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from backend import db
from backend.audit import services as audit
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.intake.services import submit
from backend.notifications.services import send_sms
from backend.outbox import services as outbox
from backend.outbox.models import OutboxEntry
from backend.outbox.services import NotNow
from backend.patients.models import Patient
from backend.patients.services import with_phone
from backend.protocols.content import protocol_of
from backend.smsforms.models import SmsConversation
from backend.smsforms.texts import (
    EMERGENCY,
    SIGNATURE,
)
from backend.tasks.models import Task
from rules.model import Questionnaire, SmsForm
from rules.protocol import Protocol

IDLE = timedelta(hours=1)
UNCLEAR_KEY = "_unclear"  # the first reply not understood, kept until the second


def questionnaire_of(conversation: SmsConversation) -> Questionnaire:
    enrollment = db.session().get(Enrollment, conversation.enrollment_id)
    return protocol_of(enrollment.protocol).questionnaires[conversation.questionnaire]


def form_of(conversation: SmsConversation) -> SmsForm:
    """The SMS form of the conversation's questionnaire as asked on its task's day."""
    enrollment = db.session().get(Enrollment, conversation.enrollment_id)
    task = db.session().get(Task, conversation.task_id)
    form = day_form(protocol_of(enrollment.protocol), conversation.questionnaire, task.day)
    assert form is not None  # a conversation opens only for a questionnaire with a form
    return form


def day_form(protocol: Protocol, questionnaire: str, day: int) -> SmsForm | None:
    """The questionnaire's SMS form on post-operative ``day``: without the items its
    schedule asks on other days only; None when it has no form (or no question that
    day): the web form link then asks it."""
    form = getattr(protocol.questionnaires.get(questionnaire), "sms", None)
    skipped = protocol.items_not_asked(questionnaire, day)
    if form is None or not skipped:
        return form
    items = tuple(item for item in form.items if item.link_id not in skipped)
    return replace(form, items=items) if items else None


# --- opening -----------------------------------------------------------------------------

def ask(patient: Patient, enrollment: Enrollment, tasks: Sequence[Task]) -> list[Task]:
    """Open a conversation for each questionnaire task whose questionnaire has an SMS
    form; the tasks left to the web form link."""
    protocol = protocol_of(enrollment.protocol)
    by_sms = [task for task in tasks if task.kind == "questionnaire"
              and day_form(protocol, task.questionnaire, task.day) is not None]
    if not by_sms or patient.sms_opt_out or with_phone(patient.phone).one is None:
        return list(tasks)
    current = now()
    for task in by_sms:
        db.insert_if_absent(SmsConversation, {
            "id": uuid.uuid4(), "task_id": task.id, "patient_id": patient.id,
            "enrollment_id": enrollment.id, "questionnaire": task.questionnaire,
            "status": "queued", "position": 0, "strikes": 0, "answers": {},
            "created_at": current}, unique=["task_id"])
    asked = {task.id for task in by_sms}
    for older in _conversations(patient.id, "open"):
        if older.task_id not in asked:
            close(older, "expired")  # overtaken by the next questionnaire
    open_next(patient.id)
    return [task for task in tasks if task.id not in asked]


def _conversations(patient_id: uuid.UUID, status: str) -> list[SmsConversation]:
    return list(db.session().scalars(
        select(SmsConversation).where(SmsConversation.patient_id == patient_id,
                                      SmsConversation.status == status)
        # Opened together (one reminder), asked in a stable order: by questionnaire.
        .order_by(SmsConversation.created_at, SmsConversation.questionnaire,
                  SmsConversation.id).with_for_update()))


def open_next(patient_id: uuid.UUID, in_reply: bool = False) -> SmsConversation | None:
    """Open the patient's oldest queued conversation when none is open; the SMS of its
    first question goes through the outbox, unless ``in_reply`` (the caller's reply to
    the patient asks it)."""
    if _conversations(patient_id, "open"):
        return None
    queued = _conversations(patient_id, "queued")
    if not queued:
        return None
    conversation = queued[0]
    # Its first SMS waits for the end of the quiet hours, and the patient's hour with it.
    enrollment = db.session().get(Enrollment, conversation.enrollment_id)
    patient = db.session().get(Patient, patient_id)
    quiet_until = protocol_of(enrollment.protocol).quiet_hours.ends_at(now(), patient.timezone)
    conversation.status, conversation.idle_until = "open", (quiet_until or now()) + IDLE
    if not in_reply:
        outbox.add("smsform.ask", {"conversation_id": str(conversation.id)},
                   dedupe_key=f"smsform-ask:{conversation.id}", queue="high")
    audit.record("smsform.open", patient_id=patient_id, actor=("system", None),
                 object_type="sms_conversation", object_id=conversation.id)
    return conversation


def send_first_question(entry: OutboxEntry) -> None:
    session = db.session()
    conversation = session.get(SmsConversation, uuid.UUID(entry.payload["conversation_id"]))
    patient = session.get(Patient, conversation.patient_id)
    if conversation.status != "open" or not patient.phone or patient.sms_opt_out:
        return
    enrollment = session.get(Enrollment, conversation.enrollment_id)
    quiet_until = protocol_of(enrollment.protocol).quiet_hours.ends_at(now(), patient.timezone)
    if quiet_until is not None:  # a questionnaire that waited for another one
        raise NotNow(quiet_until)
    conversation.idle_until = now() + IDLE  # the patient has an hour from the SMS itself
    item = form_of(conversation).items[conversation.position]
    text = item.text.get(patient.language)
    send_sms(entry, patient.phone, "smsform.question", text, patient_id=patient.id)


def send_emergency(entry: OutboxEntry) -> None:
    """A partial set whose finding says "call 15": the patient is told by SMS."""
    patient = db.session().get(Patient, uuid.UUID(entry.payload["patient_id"]))
    if patient.phone and not patient.sms_opt_out:
        send_sms(entry, patient.phone, "smsform.emergency",
                 SIGNATURE[patient.language] + EMERGENCY[patient.language],
                 patient_id=patient.id)


OUTBOX_HANDLERS = {"smsform.ask": send_first_question, "smsform.emergency": send_emergency}


# --- the conversation waiting (its replies: backend.smsforms.replies) -------------------

def open_conversation(patient: Patient) -> SmsConversation | None:
    """The patient's conversation waiting for a reply (locked until the commit). One whose
    follow-up has ended is closed (nothing can be submitted to it any more: what was
    answered stays in it) and a reply is then a message to read."""
    found = _conversations(patient.id, "open")
    if not found:
        return None
    if db.session().get(Enrollment, found[0].enrollment_id).status != "active":
        close(found[0], "stopped")
        return None
    return found[0]


def current_question(conversation: SmsConversation, lang: str) -> str:
    return form_of(conversation).items[conversation.position].text.get(lang)


# --- closing -----------------------------------------------------------------------------

def close(conversation: SmsConversation, status: str) -> dict[str, Any] | None:
    """End a conversation before its last question (``expired``, ``stopped``): what was
    answered is submitted as a partial set; the result, or None when nothing was."""
    patient = db.session().get(Patient, conversation.patient_id)
    result = submit_answers(conversation, patient, status)
    if result is not None and result["call_emergency"]:
        outbox.add("smsform.emergency", {"patient_id": str(patient.id)},
                   dedupe_key=f"smsform-emergency:{conversation.id}", queue="high")
    if status == "expired":  # stopped: the patient wants no more SMS
        open_next(patient.id)
    return result


def submit_answers(conversation: SmsConversation, patient: Patient,
                   status: str) -> dict[str, Any] | None:
    """End ``conversation`` (``status``) and submit what it holds: the whole set
    (``done``: it answers the task) or a partial one; the submission's result, or None
    when nothing was answered or the follow-up has ended."""
    answers = {k: v for k, v in conversation.answers.items() if k != UNCLEAR_KEY}
    conversation.status, conversation.finished_at = status, now()
    conversation.idle_until = None
    audit.record("smsform.close", patient_id=patient.id, object_type="sms_conversation",
                 object_id=conversation.id, detail={"status": status})
    if not answers:
        return None  # nothing to store: the task stays unanswered
    enrollment = db.session().get(Enrollment, conversation.enrollment_id)
    if enrollment.status != "active":
        return None  # the follow-up ended meanwhile: the answers stay in the conversation
    partial = status != "done"
    body = {"questionnaire": conversation.questionnaire, "answers": answers}
    if not partial:
        body["task_id"] = conversation.task_id
    result = submit(patient, body, source="sms", enrollment=enrollment, asked=set(answers),
                    partial=partial)
    conversation.submission_id = result["id"]
    return result


def close_idle(at: datetime | None = None) -> int:
    """Close the conversations left without a reply (periodic job); how many."""
    at = at or now()
    idle = list(db.session().scalars(select(SmsConversation).where(
        SmsConversation.status == "open", SmsConversation.idle_until < at)
        .with_for_update(skip_locked=True)))
    for conversation in idle:
        close(conversation, "expired")
    return len(idle)
