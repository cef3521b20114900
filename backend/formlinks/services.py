"""Links to answer a questionnaire task in the browser, sent by SMS to patients on the
"web" channel, and on the "sms" channel for a questionnaire without an SMS form.

A link is a 256-bit token in the address ``/f/<token>``: only its SHA-256 is kept (as
device tokens are), so the table alone opens nothing. It works once, for one task, and
expires ``SUIVI_FORM_LINK_TTL`` (24 h) after the task was due, whenever the SMS left (a
reminder held back by the quiet hours does not get longer). Past the task's grace hours
an answer still counts, late, as from the app (and closes the missing-data alert the
team got), so the link outlives them; with the default, yesterday's daily link dies as
today's arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from backend import db
from backend.audit import services as audit
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.formlinks.models import FormLink
from backend.intake.services import submit
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.security import new_token, token_hash
from backend.tasks import services as tasks
from backend.tasks.models import Task
from rules.model import Questionnaire

TOKEN_PREFIX = "f"  # noqa: S105 (a prefix, not a secret)


def path(token: str) -> str:
    return f"/f/{token}"


def url(token: str) -> str:
    return current_app.config["SUIVI_PUBLIC_URL"] + path(token)


def issue(task: Task) -> str:
    """A new link for ``task``: the token, returned once."""
    current = now()
    token = new_token(TOKEN_PREFIX)
    ttl = timedelta(seconds=current_app.config["SUIVI_FORM_LINK_TTL"])
    db.session().add(FormLink(task_id=task.id, patient_id=task.patient_id,
                              token_hash=token_hash(token), created_at=current,
                              expires_at=task.due_at + ttl))
    return token


@dataclass(frozen=True)
class Opened:
    """A link as found: ``refused`` is None when it may be answered, else why not
    (``unknown``, ``used``, ``expired``, ``answered``: the task is done already)."""

    link: FormLink | None
    patient: Patient | None
    task: Task | None
    refused: str | None


def find(token: str) -> Opened:
    session = db.session()
    link = session.scalar(select(FormLink).where(FormLink.token_hash == token_hash(token)))
    if link is None:
        return Opened(None, None, None, "unknown")
    patient = session.get(Patient, link.patient_id)
    task = session.get(Task, link.task_id)
    audit.identify("patient", patient.id)
    refused = ("used" if link.used_at is not None
               else "answered" if task.status == "done"
               else "expired" if link.expires_at <= now() else None)
    return Opened(link, patient, task, refused)


def refuse(opened: Opened, action: str) -> None:
    """The trail of a refused link: the patient it was issued for when it is known (a
    guess names no one), and why; never the token."""
    audit.record_refusal(action, patient_id=opened.patient.id if opened.patient else None,
                         object_type="form_link",
                         object_id=opened.link.id if opened.link else None,
                         detail={"reason": opened.refused})


def questionnaire_of(task: Task) -> Questionnaire:
    """The questionnaire the task asks, in the protocol version of its enrolment."""
    enrollment = db.session().get(Enrollment, task.enrollment_id)
    return protocol_of(enrollment.protocol).questionnaires[task.questionnaire]


def not_asked(task: Task) -> list[str]:
    """The readings the task's patient is not asked (see tasks.services.not_asked)."""
    return tasks.not_asked(db.session().get(Enrollment, task.enrollment_id))


def items_not_asked(task: Task) -> tuple[str, ...]:
    """The items the task's day does not ask (see tasks.services.items_not_asked)."""
    enrollment = db.session().get(Enrollment, task.enrollment_id)
    return tasks.items_not_asked(task, protocol_of(enrollment.protocol))


def answer(opened: Opened, answers: dict[str, Any]) -> dict[str, Any] | None:
    """Spend the link and submit ``answers`` to its task as the app would (``source``
    web), in the caller's one transaction: a refused answer rolls the spending back with
    it. None when the link was spent meanwhile (posted twice: the first one went through).

    The link is spent by one conditional UPDATE, so of two posts of the same form (a
    double tap, two tabs) one goes through and the other finds it used."""
    current = now()
    spent = db.session().execute(
        update(FormLink).where(FormLink.id == opened.link.id, FormLink.used_at.is_(None),
                               FormLink.expires_at > current)
        .values(used_at=current), execution_options={"synchronize_session": False}).rowcount
    if spent != 1:
        return None
    result = submit(opened.patient, {"questionnaire": opened.task.questionnaire,
                                     "answers": answers, "task_id": opened.task.id},
                    source="web")
    audit.record("form_link.submit", patient_id=opened.patient.id, object_type="form_link",
                 object_id=opened.link.id)
    return result
