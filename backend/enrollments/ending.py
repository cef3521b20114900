"""Ending a follow-up before its planned end (consent withdrawn, erasure requested):
nothing more is asked of the patient, what they answered is kept."""

from __future__ import annotations

from sqlalchemy import select, update

from backend import db
from backend.audit import services as audit
from backend.auth.models import ActivationCode
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.formlinks.models import FormLink
from backend.smsforms.models import SmsConversation
from backend.tasks.models import Task


def end_follow_up(enrollment: Enrollment, reason: str) -> bool:
    """End ``enrollment`` now (``reason``: a code for the trail, no health data): its
    pending tasks are no longer reminded (they become missed, and an ended follow-up
    raises no missing-data alert), its unused form links and activation codes stop
    working, what was queued for the patient is not sent (the handlers check) and its SMS
    conversations close, keeping what was answered. The patient app's token then stops
    at the end of the grace period (``follow_up.app_access_ends_at``). False when it had
    ended already."""
    if enrollment.status != "active":
        return False
    current = now()
    session = db.session()
    enrollment.status, enrollment.ended_at = "ended", current
    session.execute(update(Task).where(
        Task.enrollment_id == enrollment.id, Task.status == "pending",
        Task.reminded_at.is_(None)).values(reminded_at=current))
    session.execute(update(FormLink).where(
        FormLink.task_id.in_(select(Task.id).where(Task.enrollment_id == enrollment.id)),
        FormLink.used_at.is_(None), FormLink.expires_at > current).values(expires_at=current))
    # A code not used yet would pair a new phone to a follow-up that has ended.
    session.execute(update(ActivationCode).where(
        ActivationCode.enrollment_id == enrollment.id, ActivationCode.used_at.is_(None),
        ActivationCode.expires_at > current).values(expires_at=current))
    session.execute(update(SmsConversation).where(
        SmsConversation.enrollment_id == enrollment.id,
        SmsConversation.status.in_(("queued", "open"))).values(status="stopped",
                                                                finished_at=current))
    audit.record("enrollment.end", patient_id=enrollment.patient_id, object_type="enrollment",
                 object_id=enrollment.id, detail={"reason": reason})
    return True
