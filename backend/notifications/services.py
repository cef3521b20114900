"""Turning outbox entries into SMS and push messages, exactly once per recipient.

Bodies never carry health data (no symptom, no value, no patient name): they say there
is something to look at in Suivi. The message row is written before the provider is
called and claimed with a conditional UPDATE: a retried, duplicated or concurrent run of
the job finds it and does not send again. A worker killed between "sending" and "sent"
leaves the row in ``sending``; once its lease has run out a later run sends it (a
message may, in that rare case, arrive twice, but is never lost).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, or_, select, update

from backend import db
from backend.alerts.models import Alert
from backend.alerts.services import record_page, record_unpaged
from backend.auth.models import ActivationCode, DeviceToken, StaffUser
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.notifications.models import Message
from backend.notifications.senders import (
    PushSender,
    SendError,
    SmsSender,
    push_sender_from_config,
    sms_sender_from_config,
)
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.security import code_digest
from backend.tasks.models import Task
from backend.teams.models import CareTeam, TeamMembership
from backend.teams.services import next_day_start
from backend.teleconsult.models import Teleconsultation

SEVERITY_WORD = {"fr": {"high": "URGENTE", "medium": "à traiter dans l'heure",
                        "low": "à revoir dans la journée"},
                 "en": {"high": "URGENT", "medium": "to handle within the hour",
                        "low": "to review today"}}
TEMPLATES = {
    "alert.opened": {"fr": "Suivi : nouvelle alerte {word} dans la file de télésurveillance.",
                     "en": "Suivi: new alert ({word}) in the telemonitoring queue."},
    "alert.worsened": {"fr": "Suivi : une alerte s'est aggravée ({word}).",
                       "en": "Suivi: an alert has worsened ({word})."},
    "alert.message": {"fr": "Suivi : nouveau message d'un patient à lire dans la file.",
                      "en": "Suivi: a new message from a patient to read in the queue."},
    "alert.escalated": {"fr": "Suivi : alerte {word} non prise en charge, relance {level}.",
                        "en": "Suivi: alert ({word}) not acknowledged, reminder {level}."},
    "task.reminder": {"fr": "Suivi : votre questionnaire du jour vous attend dans "
                            "l'application.",
                      "en": "Suivi: today's questionnaire is waiting for you in the app."},
    "teleconsult.invite": {"fr": "Suivi : téléconsultation le {date} à {time}. "
                                 "Lien : {url}",
                           "en": "Suivi: video consultation on {date} at {time}. "
                                 "Link: {url}"},
    "enrollment.activation_sms": {
        "fr": "Suivi : votre code d'activation de l'application est {code} (valable jusqu'au "
              "{date} à {time}).",
        "en": "Suivi: your app activation code is {code} (valid until {date} at {time})."},
    "teleconsult.remind": {"fr": "Suivi : votre téléconsultation commence à {time}. "
                                 "Lien : {url}",
                           "en": "Suivi: your video consultation starts at {time}. "
                                 "Link: {url}"},
}


# A message left in ``sending`` longer than this was abandoned by a worker that died (a
# job runs 120 s at most, see outbox.enqueue): the next run of its job sends it again.
SENDING_LEASE = timedelta(minutes=3)


class NotNow(Exception):
    """The entry must wait until ``until`` (the patient's quiet hours, the ward's night):
    the job leaves it pending for the sweep to deliver then, still only if relevant."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"not before {until.isoformat()}")
        self.until = until


class InFlight(Exception):
    """Another worker is sending this message right now: this run of the job stops, and
    the entry is left to the worker that holds it (or to the sweep, if that one dies)."""


def sms_sender() -> SmsSender:
    app = current_app
    if "suivi.sms" not in app.extensions:
        app.extensions["suivi.sms"] = sms_sender_from_config(app.config)
    return app.extensions["suivi.sms"]


def push_sender() -> PushSender:
    app = current_app
    if "suivi.push" not in app.extensions:
        app.extensions["suivi.push"] = push_sender_from_config(app.config)
    return app.extensions["suivi.push"]


def deliver(entry: OutboxEntry) -> None:
    """Do what the entry asks; safe to call again for the same entry."""
    HANDLERS[entry.kind](entry)


# -- recipients -------------------------------------------------------------------------

def _team_staff(team_id: uuid.UUID, roles: tuple[str, ...]) -> list[StaffUser]:
    return list(db.session().scalars(select(StaffUser).join(
        TeamMembership, TeamMembership.staff_id == StaffUser.id).where(
        TeamMembership.team_id == team_id, StaffUser.active.is_(True),
        StaffUser.role.in_(roles), StaffUser.phone.is_not(None)).order_by(StaffUser.email)))


def _alert_text(alert: Alert, template: str, **extra: object) -> str:
    return TEMPLATES[template]["fr"].format(word=SEVERITY_WORD["fr"][alert.severity], **extra)


def _page_now_or_wait(alert: Alert) -> bool:
    """Whether to page staff about ``alert`` now. A low alert waits for the team's day
    hours (``NotNow``), and one acknowledged or resolved by then pages no one; medium and
    high alerts always page."""
    if alert.status == "resolved":
        return False
    if alert.severity != "low":
        return True
    if alert.status != "open":
        return False
    team = db.session().get(CareTeam, alert.care_team_id)
    wait = next_day_start(team, now())
    if wait is not None:
        raise NotNow(wait)
    return True


def _notify_alert(entry: OutboxEntry) -> None:
    alert = db.session().get(Alert, uuid.UUID(entry.payload["alert_id"]))
    if not _page_now_or_wait(alert):
        return
    body = _alert_text(alert, f"alert.{entry.payload['reason']}")
    nurses = _team_staff(alert.care_team_id, ("nurse",))
    if not nurses:
        _on_call(entry, alert, body)
    for nurse in nurses:
        send_sms(entry, nurse.phone, "alert", body, staff_id=nurse.id, alert_id=alert.id)


def _escalate_alert(entry: OutboxEntry) -> None:
    alert = db.session().get(Alert, uuid.UUID(entry.payload["alert_id"]))
    if alert.status != "open":  # acknowledged or resolved since: nothing to escalate
        return
    if not _page_now_or_wait(alert):
        return
    level = entry.payload["level"]
    body = _alert_text(alert, "alert.escalated", level=level)
    if level == 1:
        assignee = db.session().get(StaffUser, alert.assigned_to) if alert.assigned_to else None
        targets = [assignee] if assignee and assignee.phone else _team_staff(
            alert.care_team_id, ("nurse", "surgeon"))
        for staff in targets:
            send_sms(entry, staff.phone, "alert.escalated", body, staff_id=staff.id,
                     alert_id=alert.id)
        if targets:
            return
    _on_call(entry, alert, body)


def _on_call(entry: OutboxEntry, alert: Alert, body: str) -> None:
    team = db.session().get(CareTeam, alert.care_team_id)
    if team.on_call_phone:
        send_sms(entry, team.on_call_phone, "alert.on_call", body, alert_id=alert.id)
    else:
        record_unpaged(alert, entry)


def _patient_message(entry: OutboxEntry, patient: Patient, template: str, body: str) -> None:
    """Push to the patient's paired phones, or SMS when none can receive a push."""
    devices = list(db.session().scalars(select(DeviceToken).where(
        DeviceToken.patient_id == patient.id, DeviceToken.revoked_at.is_(None),
        DeviceToken.push_token.is_not(None))))
    for device in devices:
        send_push(entry, device.push_token, template, "Suivi", body, patient_id=patient.id)
    if not devices and patient.phone and not patient.sms_opt_out:
        send_sms(entry, patient.phone, template, body, patient_id=patient.id)


def _remind_task(entry: OutboxEntry) -> None:
    session = db.session()
    current = now()
    tasks = [session.get(Task, uuid.UUID(task_id)) for task_id in entry.payload["task_ids"]]
    # Still relevant: not answered, and not past its grace period (missed by now).
    pending = [task for task in tasks if task.status == "pending" and task.missed_at > current]
    if not pending:
        return
    patient = session.get(Patient, pending[0].patient_id)
    enrollment = session.get(Enrollment, pending[0].enrollment_id)
    quiet_until = protocol_of(enrollment.protocol).quiet_hours.ends_at(current,
                                                                        patient.timezone)
    if quiet_until is not None:
        raise NotNow(quiet_until)
    _patient_message(entry, patient, "task.reminder",
                     TEMPLATES["task.reminder"][patient.language])


def _teleconsultation(entry: OutboxEntry) -> None:
    consultation = db.session().get(Teleconsultation,
                                    uuid.UUID(entry.payload["teleconsultation_id"]))
    if consultation.status != "scheduled" or consultation.expires_at <= now():
        return
    patient = db.session().get(Patient, consultation.patient_id)
    local = consultation.starts_at.astimezone(ZoneInfo(patient.timezone))
    body = TEMPLATES[entry.kind][patient.language].format(
        date=local.strftime("%d/%m"), time=local.strftime("%H:%M"), url=consultation.join_url)
    _patient_message(entry, patient, entry.kind, body)


def _activation_sms(entry: OutboxEntry) -> None:
    code = entry.payload.get("code")
    enrollment = db.session().get(Enrollment, uuid.UUID(entry.payload["enrollment_id"]))
    row = code and db.session().scalar(select(ActivationCode).where(
        ActivationCode.code_hash == code_digest(code)))
    patient = db.session().get(Patient, enrollment.patient_id)
    if row and row.used_at is None and row.expires_at > now() and patient.phone:
        local = row.expires_at.astimezone(ZoneInfo(patient.timezone))
        text = TEMPLATES[entry.kind][patient.language]
        values = {"date": local.strftime("%d/%m"), "time": local.strftime("%H:%M")}
        send_sms(entry, patient.phone, entry.kind, text.format(code=code, **values),
                 stored_body=text.format(code="••••••••••", **values), patient_id=patient.id)
    # Sent, used or expired: the entry forgets the code.
    entry.payload = {key: value for key, value in entry.payload.items() if key != "code"}


HANDLERS: dict[str, Callable[[OutboxEntry], None]] = {
    "alert.notify": _notify_alert,
    "alert.escalate": _escalate_alert,
    "task.remind": _remind_task,
    "teleconsult.invite": _teleconsultation,
    "teleconsult.remind": _teleconsultation,
    "enrollment.activation_sms": _activation_sms,
}


# -- sending, once ----------------------------------------------------------------------

def send_sms(entry: OutboxEntry, to: str, template: str, body: str,
             stored_body: str | None = None, **links: object) -> Message:
    """``stored_body``: what the message row keeps instead of ``body`` (a secret masked)."""
    return _send(entry, "sms", to, template, stored_body or body, links,
                 lambda message: sms_sender().send(to, body, reference=str(message.id)))


def send_push(entry: OutboxEntry, push_token: str, template: str, title: str, body: str,
              **links: object) -> Message:
    return _send(entry, "push", push_token, template, body, links,
                 lambda message: push_sender().send(push_token, title, body,
                                                    reference=str(message.id)))


def _send(entry: OutboxEntry, channel: str, address: str, template: str, body: str,
          links: dict, call: Callable) -> Message:
    session = db.session()
    key = f"{entry.id}:{channel}:{address}"[:200]
    current = now()
    db.insert_if_absent(Message, {
        "id": uuid.uuid4(), "dedupe_key": key, "outbox_id": entry.id, "channel": channel,
        "address": address, "template": template, "body": body, "status": "pending",
        "attempts": 0, "created_at": current, "updated_at": current, **links},
        unique=["dedupe_key"])
    # Claim the message: one conditional UPDATE, so that of two workers running the same
    # job at once (a sweep re-enqueued it while it was still running) only one sends.
    claimed = session.execute(update(Message).where(
        Message.dedupe_key == key,
        or_(Message.status == "pending",
            and_(Message.status == "sending", Message.updated_at < current - SENDING_LEASE)))
        .values(status="sending", attempts=Message.attempts + 1, updated_at=current)).rowcount
    message = session.scalar(select(Message).where(Message.dedupe_key == key)
                             .execution_options(populate_existing=True))
    if claimed and message.alert_id is not None:
        record_page(message, entry)  # the alert's history says who is being paged
    session.commit()  # the intention is durable before the provider is called
    if not claimed:
        if message.status == "sending":
            raise InFlight(f"message {message.id} is being sent by another worker")
        return message  # sent, delivered or failed already
    try:
        result = call(message)
    except SendError as error:
        message.error = str(error)[:500]
        message.status = "pending" if error.retryable else "failed"
        message.updated_at = now()
        session.commit()
        if error.retryable:
            raise
        return message
    message.status, message.provider = "sent", result.provider
    message.provider_id, message.sent_at = result.provider_id, now()
    message.updated_at = message.sent_at
    session.commit()
    return message


def record_status(provider_id: str, status: str, at: datetime) -> bool:
    """A provider's delivery report (Twilio status callback)."""
    message = db.session().scalar(select(Message).where(Message.provider_id == provider_id))
    if message is None:
        return False
    if status in ("delivered", "failed", "undelivered"):
        message.status = "delivered" if status == "delivered" else "failed"
        message.updated_at = at
    return True
