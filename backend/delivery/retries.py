"""What follows a patient SMS that was not delivered (outbox entry ``message.failed``,
written by ``notifications.services`` when Twilio reports it failed or undelivered, or
refuses it outright): it is sent again, later, or the care team is told the patient is
unreachable.

- **Again, with backoff.** The intention that sent it (the outbox entry: a reminder, a
  welcome, a teleconsultation link) is written again as a new entry, due after
  ``SUIVI_SMS_RETRY_DELAYS`` (5 min, then 30 min; the last delay repeats), until
  ``SUIVI_SMS_ATTEMPTS`` (3) messages were sent in all. Its handler decides afresh:
  a reminder whose questionnaire was answered meanwhile sends nothing, the quiet hours
  still hold, a web form link is a new link (the first one's token was never stored).
  The new message carries ``retry_of`` (the chain's first) and its ``attempt``.
- **Once.** Every step is keyed in the database: one ``message.failed`` entry per
  message, one retry entry per chain and attempt, one evidence item per message on the
  unreachable item. A job run twice, or a failure reported twice, does it once.
- **No retry when it cannot help.** Twilio error codes that say the number cannot receive
  this SMS (``PERMANENT_CODES``), a patient who opted out since, or a message whose
  content cannot be sent again (an activation code is stored only as a hash: the nurse
  gives a new code) go straight to the "patient unreachable" item
  (``backend.alerts.unreachable``), as does the last attempt.

Staff pages are not retried here: an unacknowledged alert escalates on its own schedule
(``alerts.paging``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app

from backend import db
from backend.alerts import unreachable
from backend.clock import now
from backend.notifications.models import Message
from backend.notifications.services import FAILED_KIND
from backend.outbox import services as outbox
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient

# Twilio error codes no retry can fix (https://www.twilio.com/docs/api/errors): the
# number is not valid (21211, 21614 not a mobile, 21612 unreachable route, 21408 region
# not enabled), the recipient opted out (21610), or the carrier says the destination
# cannot receive it (30004 blocked, 30005 unknown handset, 30006 landline or unreachable
# carrier). 30003 (handset off or out of coverage) and 30008 (unknown) are worth a retry.
PERMANENT_CODES = frozenset({"21211", "21408", "21610", "21612", "21614",
                             "30004", "30005", "30006"})
# Messages whose content is not kept and cannot be sent again.
NOT_RESENT = frozenset({"enrollment.activation_sms"})
# Payload keys holding secrets a retry must not reuse (the handler issues new ones).
SECRETS = ("code", "form_links")


def after_failure(entry: OutboxEntry) -> None:
    session = db.session()
    message = session.get(Message, uuid.UUID(entry.payload["message_id"]))
    if message is None or message.status != "failed" or message.patient_id is None:
        return
    patient = session.get(Patient, message.patient_id)
    why = _no_retry(message, patient)
    if why is None and _retry(message):
        return
    unreachable.report(patient, message, message.status_at or message.updated_at,
                       why or "attempts")


def _no_retry(message: Message, patient: Patient) -> str | None:
    """Why sending again cannot help, or None."""
    if message.error_code in PERMANENT_CODES:
        return "permanent_error"
    if patient.sms_opt_out:
        return "opted_out"
    if message.template in NOT_RESENT:
        return "not_resendable"
    if message.attempt >= current_app.config["SUIVI_SMS_ATTEMPTS"]:
        return "attempts"
    return None


def _retry(message: Message) -> bool:
    """Write the intention again, due after this attempt's delay; False if there is no
    intention to write again (a message sent outside the outbox)."""
    original = db.session().get(OutboxEntry, message.outbox_id) if message.outbox_id else None
    if original is None:
        return False
    delays = current_app.config["SUIVI_SMS_RETRY_DELAYS"]
    delay = delays[min(message.attempt, len(delays)) - 1]
    first = message.retry_of or message.id
    attempt = message.attempt + 1
    payload = {key: value for key, value in original.payload.items() if key not in SECRETS}
    payload["retry"] = {"of": str(first), "attempt": attempt}
    outbox.add(original.kind, payload, dedupe_key=f"sms-retry:{first}:{attempt}",
               queue=original.queue, available_at=now() + timedelta(seconds=delay))
    return True


OUTBOX_HANDLERS = {FAILED_KIND: after_failure}
