"""The reminder of a patient who answers by web form: an SMS with a link per
questionnaire due (the tokens wait in the outbox entry only until it is sent, the stored
copy of the SMS masks them)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import db
from backend.formlinks import services as links
from backend.formlinks.models import FormLink
from backend.formlinks.texts import FORM_SMS, MASKED_TOKEN
from backend.notifications.services import send_sms
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient
from backend.security import token_hash
from backend.tasks.models import Task


def send_form_links(entry: OutboxEntry, patient: Patient, tasks: list[Task]) -> None:
    """One SMS for the entry; nothing when no questionnaire is due (a reading alone is
    not asked by web form) or no SMS can reach the patient."""
    questionnaires = [task for task in tasks if task.kind == "questionnaire"]
    if not questionnaires or not patient.phone or patient.sms_opt_out:
        return
    # A retried job sends the links it issued before, never new ones beside them.
    issued: dict[str, str] = entry.payload.get("form_links") or {}
    tokens = {str(task.id): issued.get(str(task.id)) or links.issue(task)
              for task in questionnaires}
    entry.payload = {**entry.payload, "form_links": tokens}
    expires_at = min(db.session().scalars(select(FormLink.expires_at).where(
        FormLink.token_hash.in_([token_hash(t) for t in tokens.values()]))))
    local = expires_at.astimezone(ZoneInfo(patient.timezone))
    text = FORM_SMS[patient.language]
    values = {"date": local.strftime("%d/%m"), "time": local.strftime("%H:%M")}
    send_sms(entry, patient.phone, "task.form_link",
             text.format(links=" ".join(links.url(t) for t in tokens.values()), **values),
             stored_body=text.format(links=" ".join(links.url(MASKED_TOKEN)
                                                    for _ in tokens.values()), **values),
             patient_id=patient.id)
    # Sent (or failed for good): the entry forgets the tokens.
    entry.payload = {key: value for key, value in entry.payload.items() if key != "form_links"}
