"""Twilio webhooks: inbound SMS (STOP/START/HELP, answers to an SMS questionnaire,
messages to the ward) and delivery reports.

Every request must carry a valid ``X-Twilio-Signature`` computed over the public URL
Twilio called (``SUIVI_PUBLIC_URL`` + path and query, not what the app sees behind the
load balancer). A replayed callback (same message id and event) is refused.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from sqlalchemy.exc import IntegrityError

from backend import db
from backend.alerts import messages
from backend.audit import services as audit
from backend.clock import now
from backend.enrollments.channels import BY_SMS
from backend.enrollments.services import latest_enrollment
from backend.errors import Conflict, Forbidden, Invalid
from backend.notifications.senders import twilio_signature_valid
from backend.notifications.services import record_status
from backend.patients.services import with_phone
from backend.smsforms import replies as sms_replies
from backend.smsforms import services as smsforms
from backend.text import shown_as_typed
from backend.webhooks.models import InboundEvent

STOP_WORDS = {"STOP", "ARRET", "ARRÊT", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP", "YES", "OUI"}
HELP_WORDS = {"HELP", "AIDE", "INFO"}
# Opt-in keywords that are also an answer to a yes/no question of an SMS questionnaire.
ANSWER_WORDS = {"YES", "OUI"}
# The actions whose text is kept (sealed) and shown in the timeline.
KEPT_BODIES = ("message", "answer", "thanks")
REPLIES = {
    "stop": {"fr": "Suivi : vous ne recevrez plus de SMS. Envoyez START pour les réactiver.",
             "en": "Suivi: you will no longer receive text messages. Send START to resume."},
    "start": {"fr": "Suivi : les SMS sont réactivés.",
              "en": "Suivi: text messages are on again."},
    "help": {"fr": "Suivi : répondez dans l'application. En cas d'urgence, appelez le 15 "
                   "ou le 112. STOP pour ne plus recevoir de SMS.",
             "en": "Suivi: please answer in the app. In an emergency call 15 or 112. "
                   "STOP to stop text messages."},
    # HELP from a patient who answers by SMS or by the link an SMS carries.
    "help_by_sms": {"fr": "Suivi : répondez aux questions par SMS, ou par le lien reçu. En "
                          "cas d'urgence, appelez le 15 ou le 112. STOP pour ne plus "
                          "recevoir de SMS.",
                    "en": "Suivi: answer the questions by text, or through the link you "
                          "received. In an emergency call 15 or 112. STOP to stop text "
                          "messages."},
}


def verify_signature(action: str, path: str, form: Mapping[str, str],
                     signature: str | None) -> None:
    """Refuse a callback whose ``signature`` does not sign ``form`` posted to ``path``
    (with its query string) of the public URL."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    url = current_app.config["SUIVI_PUBLIC_URL"] + path
    if not token or not twilio_signature_valid(token, url, form, signature):
        audit.admit_anonymous()  # a forged signature counts as no credentials at all
        audit.record_refusal(action, detail={"reason": "missing or invalid Twilio signature"})
        raise Forbidden("Invalid or missing X-Twilio-Signature.")


def _once(key: str, audit_action: str, **fields) -> InboundEvent:
    session = db.session()
    event = InboundEvent(key=key[:120], received_at=now(), **fields)
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:
        audit.record_refusal(audit_action, detail={"reason": "replayed callback"})
        raise Conflict("This callback was already processed.") from None
    return event


def field(form, name: str) -> str:
    # Text from outside: a NUL character cannot be stored (PostgreSQL) and means nothing.
    return (form.get(name) or "").replace("\x00", "").strip()


def inbound_sms(form) -> str | None:
    """Handle a patient's SMS; returns the reply text (or None for no reply).

    The number may be shared (an elderly couple): STOP and START apply to every patient
    with it, and a message is filed on each of them as "to identify", never on one."""
    sid = field(form, "MessageSid") or field(form, "SmsSid")
    if not sid:
        raise Invalid("MessageSid", "required", location="form")
    sender = field(form, "From")
    # Words the provider delivered cannot be refused: what could disguise them on a
    # nurse's screen (control characters, bidi overrides) is shown as U+FFFD instead.
    body = shown_as_typed(field(form, "Body"))
    match = with_phone(sender)
    # A keyword is the whole message (as Twilio's own opt-out handling reads it): "oui
    # j'ai très mal" is words for the ward, not START.
    word = body.strip(" .!").upper() if len(body.split()) == 1 else ""
    action = ("stop" if word in STOP_WORDS else "start" if word in START_WORDS
              else "help" if word in HELP_WORDS else "message")
    # A patient in the middle of an SMS questionnaire answers it: "oui" is an answer
    # there (START itself still wins, as STOP and HELP do), "OK merci" after it is thanks.
    conversation = smsforms.open_conversation(match.one) if match.one else None
    if conversation is not None and (action == "message" or word in ANSWER_WORDS):
        action = "answer"
    elif action == "message" and match.one and sms_replies.just_thanked(match.one, body):
        action = "thanks"
    # Attributed to a patient only when the number names exactly one.
    _once(f"sms:{sid}", "webhook.sms", kind="sms",
          patient_id=match.one.id if match.one else None,
          body=body if action in KEPT_BODIES else None, action=action)
    if match.none:
        audit.record("webhook.sms", detail={"matched": False, "action": action})
        return _signed(messages.NOT_FILED.fr, "fr") if action == "message" else None
    # One patient or several (then STOP and START are theirs alike, and a message is a
    # question for the ward: filed on each, naming the others, attributed to none).
    patients = match.patients
    for patient in patients:
        if action in ("stop", "start"):
            patient.sms_opt_out = action == "stop"
        audit.record("webhook.sms", patient_id=patient.id,
                     detail={"action": action, "patients_with_this_number": len(patients)})
    languages = {patient.language for patient in patients}
    lang = languages.pop() if len(languages) == 1 else "fr"
    if action == "answer":
        return sms_replies.reply(conversation, patients[0], body)
    if action == "thanks":
        return None
    if action == "stop":
        for patient in patients:
            if (stopped := smsforms.open_conversation(patient)) is not None:
                smsforms.close(stopped, "stopped")
    if action == "message":
        filed = messages.from_sms(patients, body, now())
        return _signed(messages.when_read(filed, lang), lang)
    if action == "help" and any(getattr(latest_enrollment(patient), "channel", "app") in BY_SMS
                                for patient in patients):
        action = "help_by_sms"
    return REPLIES[action][lang]


def _signed(text: str, lang: str) -> str:
    """``Suivi : votre message…``, as the other replies read."""
    return ("Suivi : " if lang == "fr" else "Suivi: ") + text[0].lower() + text[1:]


def delivery_status(form, reference: str | None = None) -> None:
    """A provider's delivery report; its route checked MessageSid and MessageStatus.

    ``reference``: the message's own id, which the sender put in the callback's URL. A
    report on no message of ours (sent before a database restore, or another system's
    on the same account) changes nothing and is audited as such; it is still answered
    204, or Twilio would keep calling."""
    sid, status = field(form, "MessageSid"), field(form, "MessageStatus").lower()
    _once(f"status:{sid}:{status}", "webhook.status", kind="status")
    message = record_status(sid, status, now(), error_code=field(form, "ErrorCode") or None,
                            reference=reference)
    if message is None:
        audit.record("webhook.status", detail={"matched": False})
