"""Sending SMS and push messages for outbox entries, exactly once per recipient.

Bodies never carry health data (no symptom, no value, no patient name): they say there
is something to look at in Suivi. The message row is written before the provider is
called and claimed with a conditional UPDATE: a retried, duplicated or concurrent run of
the job finds it and does not send again. A worker killed between "sending" and "sent"
leaves the row in ``sending``; once its lease has run out a later run sends it (a
message may, in that rare case, arrive twice, but is never lost).

What to send, to whom and when is each feature's business (alerts page the team, tasks
remind the patient...): their outbox handlers call ``send_sms``, ``send_push`` or
``notify_patient`` with their own texts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from backend import db
from backend.audit import services as audit
from backend.auth.models import DeviceToken
from backend.clock import now
from backend.crypto import keyring
from backend.notifications.models import Message, dedupe_key
from backend.notifications.senders import SendError
from backend.outbox import services as outbox
from backend.outbox.models import OutboxEntry
from backend.outbox.services import InFlight
from backend.patients.models import Patient
from backend.wiring import wiring

# A message left in ``sending`` longer than this was abandoned by a worker that died (a
# job runs 120 s at most, see outbox.enqueue): the next run of its job sends it again.
SENDING_LEASE = timedelta(minutes=3)


# -- recipients -------------------------------------------------------------------------

# The provider says the phone's push token will never work again (the app was removed,
# or its token replaced): the phone is no longer pushed to.
DEAD_PUSH_TOKEN = frozenset({"UNREGISTERED", "SENDER_ID_MISMATCH"})


def notify_patient(entry: OutboxEntry, patient: Patient, template: str, body: str) -> None:
    """Push to the patient's paired phones; an SMS when none can receive a push, or when
    every push failed for good (a dead token, a refused message, or the provider still
    down after ``SUIVI_PUSH_ATTEMPTS`` tries): a reminder is never lost with a phone."""
    devices = list(db.session().scalars(select(DeviceToken).where(
        DeviceToken.patient_id == patient.id, DeviceToken.revoked_at.is_(None),
        DeviceToken.push_token.is_not(None))))
    pushed = False
    for device in devices:
        message = send_push(entry, device.push_token, template, "Suivi", body,
                            patient_id=patient.id)
        if message.status != "failed":
            pushed = True
        elif message.error_code in DEAD_PUSH_TOKEN:
            _forget_push_token(device, message)
    if not pushed and patient.phone and not patient.sms_opt_out:
        send_sms(entry, patient.phone, template, body, patient_id=patient.id)


def _forget_push_token(device: DeviceToken, message: Message) -> None:
    """The phone stays paired (the app still answers) but is not pushed to until it
    registers a new token."""
    forgotten = db.session().execute(update(DeviceToken).where(
        DeviceToken.id == device.id, DeviceToken.push_token == device.push_token)
        .values(push_token=None)).rowcount
    if forgotten:
        audit.record("device.push_token_forgotten", patient_id=device.patient_id,
                     object_type="device_token", object_id=device.id,
                     detail={"error_code": message.error_code})
    db.session().commit()


# -- sending, once ----------------------------------------------------------------------

# Called with the message once this run of the job has claimed it, in the transaction
# that claims it, before the provider is called (an alert's history records the page).
OnClaim = Callable[[Message], None]


def send_sms(entry: OutboxEntry, to: str, template: str, body: str,
             stored_body: str | None = None, on_claim: OnClaim | None = None,
             **links: object) -> Message:
    """``stored_body``: what the message row keeps instead of ``body`` (a secret masked)."""
    return _send(entry, "sms", to, template, stored_body or body, links, on_claim,
                 lambda message: wiring().sms.send(to, body, reference=str(message.id)))


def send_push(entry: OutboxEntry, push_token: str, template: str, title: str, body: str,
              on_claim: OnClaim | None = None, **links: object) -> Message:
    return _send(entry, "push", push_token, template, body, links, on_claim,
                 lambda message: wiring().push.send(push_token, title, body,
                                                    reference=str(message.id)))


def _send(entry: OutboxEntry, channel: str, address: str, template: str, body: str,
          links: dict, on_claim: OnClaim | None, call: Callable) -> Message:
    session = db.session()
    key = dedupe_key(entry.id, channel, keyring().index(address))
    current = now()
    db.insert_if_absent(Message, {
        "id": uuid.uuid4(), "dedupe_key": key, "outbox_id": entry.id, "channel": channel,
        "address": address, "template": template, "body": body, "status": "pending",
        "attempts": 0, "created_at": current, "updated_at": current, **_chain(entry),
        **links},
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
    if claimed and on_claim is not None:
        on_claim(message)
    session.commit()  # the intention is durable before the provider is called
    if not claimed:
        if message.status == "sending":
            raise InFlight(f"message {message.id} is being sent by another worker")
        return message  # sent, delivered or failed already
    try:
        result = call(message)
    except SendError as error:
        push = message.channel == "push"
        again = error.retryable and not (push and _push_tries_spent(message))
        message.error = str(error)[:500]
        message.status = "pending" if again else "failed"
        message.updated_at = now()
        if message.status == "failed":
            message.error_code = error.code
            _failed(message)
        session.commit()
        if again and push:  # the entry waits, then tries again
            raise outbox.NotNow(_push_retry_at(message)) from error
        if message.status == "pending":
            raise
        return message
    sent_at = now()
    session.execute(update(Message).where(Message.id == message.id).values(
        provider=result.provider, provider_id=result.provider_id, sent_at=sent_at,
        updated_at=sent_at))
    # A delivery report may have come before the provider's answer (found by the
    # reference in its callback URL): it is newer than "sent" and stays.
    session.execute(update(Message).where(Message.id == message.id,
                                          Message.status == "sending").values(status="sent"))
    session.refresh(message)
    session.commit()
    return message


def _push_tries_spent(message: Message) -> bool:
    """``SUIVI_PUSH_ATTEMPTS`` tries of a push have failed: it has failed for good."""
    return message.attempts >= current_app.config["SUIVI_PUSH_ATTEMPTS"]


def _push_retry_at(message: Message) -> datetime:
    """When to try a push again (``SUIVI_PUSH_RETRY_DELAYS``, the last one repeating). An
    SMS is not retried here: its job is (and a failed delivery by
    ``backend.delivery.retries``)."""
    delays = current_app.config["SUIVI_PUSH_RETRY_DELAYS"]
    return now() + timedelta(seconds=delays[min(message.attempts, len(delays)) - 1])


def _chain(entry: OutboxEntry) -> dict[str, object]:
    """A message sent by an entry that retries a failed one belongs to its chain."""
    retry = entry.payload.get("retry")
    if not retry:
        return {}
    return {"retry_of": uuid.UUID(retry["of"]), "attempt": int(retry["attempt"])}


# Twilio's message statuses in the order a message goes through them; a report never
# moves a message back (a late "sent" after "delivered" changes nothing), and of two
# final reports the first stays. https://www.twilio.com/docs/messaging/api/message-resource
STATUS_RANK = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
               "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "read": 5}
# What each report means for the message's own ``status``.
STATUS_OF = {"delivered": "delivered", "read": "delivered", "undelivered": "failed",
             "failed": "failed", "canceled": "failed"}
# The outbox entry a patient SMS that failed leaves for ``backend.delivery.retries``.
FAILED_KIND = "message.failed"


def record_status(provider_id: str, status: str, at: datetime, error_code: str | None = None,
                  reference: str | None = None) -> Message | None:
    """A provider's delivery report (Twilio status callback), on the message it names:
    by the provider's id, or by ``reference`` (the message's own id, in the callback's
    URL) when the report came before the worker stored that id. None if no message
    matches. An unknown status or one older than what the message has is ignored."""
    session = db.session()
    message = session.scalar(select(Message).where(Message.provider_id == provider_id))
    if message is None and reference:
        try:
            message = session.get(Message, uuid.UUID(reference))
        except ValueError:
            message = None
        if message is not None and message.provider_id not in (None, provider_id):
            message = None  # another message's reference: not this report's
    if message is None:
        return None
    rank = STATUS_RANK.get(status)
    if rank is None or rank <= STATUS_RANK.get(message.provider_status or "", -1):
        return message
    message.provider_status, message.status_at, message.updated_at = status, at, at
    message.provider_id = message.provider_id or provider_id
    if error_code:
        message.error_code = error_code[:16]
    if status in STATUS_OF:
        message.status = STATUS_OF[status]
    elif message.status in ("pending", "sending"):
        message.status = "sent"  # the provider has it
    if message.status == "failed":
        _failed(message)
    return message


def _failed(message: Message) -> None:
    """A patient's SMS is not delivered: ``backend.delivery.retries`` sends it again or
    tells the care team the patient is unreachable (staff pages have their own
    escalation)."""
    if message.patient_id is not None and message.channel == "sms":
        outbox.add(FAILED_KIND, {"message_id": str(message.id)},
                   dedupe_key=f"message-failed:{message.id}", queue="default")
