"""An SMS patient's reply to the question waiting (see backend.smsforms.services for
the decisions): read, kept, answered by the next question, or, after the last one, by
the advice of the rules once the set is submitted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from backend import db
from backend.alerts import messages
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.intake.evaluation import calls_for_15
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.smsforms.models import SmsConversation
from backend.smsforms.services import (
    IDLE,
    UNCLEAR_KEY,
    form_of,
    open_next,
    questionnaire_of,
    submit_answers,
)
from backend.smsforms.texts import (
    AGAIN,
    EMERGENCY,
    GOING_ON,
    NOTHING_READ,
    OR_NO,
    SIGNATURE,
    SMS_MAX,
)
from rules.model import Questionnaire, SmsItem, json_value
from rules.questionnaire import AnswerError, validate_answers
from rules.sms_replies import UNCLEAR, is_courtesy, parse_reply

# After a conversation ends, "OK merci" is still thanks for it, not a message to read.
THANKS_WINDOW = timedelta(hours=12)


def just_thanked(patient: Patient, text: str) -> bool:
    """Courtesy words ("OK merci") just after a conversation: nothing for the ward."""
    if not is_courtesy(text):
        return False
    ended = db.session().scalar(select(SmsConversation.finished_at).where(
        SmsConversation.patient_id == patient.id, SmsConversation.finished_at.is_not(None))
        .order_by(SmsConversation.finished_at.desc()).limit(1))
    return ended is not None and ended > now() - THANKS_WINDOW


def reply(conversation: SmsConversation, patient: Patient, text: str) -> str:
    """Read ``text`` as the reply to the current question; the SMS to send back."""
    lang = patient.language
    questionnaire = questionnaire_of(conversation)
    form = form_of(conversation)
    item = form.items[conversation.position]
    conversation.idle_until = now() + IDLE
    if is_courtesy(text):
        return item.text.get(lang)
    answer = _read(questionnaire, item, text)
    said = ""
    if answer is UNCLEAR:
        conversation.strikes += 1
        if conversation.strikes == 1:
            conversation.answers = {**conversation.answers, UNCLEAR_KEY: text}
            return AGAIN[lang].format(question=item.text.get(lang), example=_example(item, lang))
        first = conversation.answers.get(UNCLEAR_KEY)
        filed = messages.from_sms([patient], f"{first}\n{text}" if first else text, now())
        said = messages.when_read(filed, lang) + " "
    elif not answer.skip:
        conversation.answers = {**conversation.answers, item.link_id: answer.value}
    conversation.answers = {k: v for k, v in conversation.answers.items() if k != UNCLEAR_KEY}
    conversation.position += 1
    conversation.strikes = 0
    if conversation.position < len(form.items) and not _calls_for_15(conversation, patient):
        question = form.items[conversation.position].text.get(lang)
        return said + (GOING_ON[lang].format(question=question) if said else question)
    # The advice first: "call 15" must lead, and be what a long reply never cuts.
    return _short(_finish(conversation, patient) + (f"\n{said.strip()}" if said else ""))


def _calls_for_15(conversation: SmsConversation, patient: Patient) -> bool:
    """The answers so far already call for 15: the set is submitted now, the questions
    left are not asked (the patient has better to do)."""
    answers = {k: v for k, v in conversation.answers.items() if k != UNCLEAR_KEY}
    if not answers:
        return False
    enrollment = db.session().get(Enrollment, conversation.enrollment_id)
    return calls_for_15(patient, enrollment, protocol_of(enrollment.protocol),
                        conversation.questionnaire, answers)


def _read(questionnaire: Questionnaire, item: SmsItem, text: str) -> Any:
    """The reply as the item's answer (a JSON value), checked by the questionnaire's own
    validation (a pain of 11 is not understood either); ``UNCLEAR`` when it is not one."""
    parsed = parse_reply(item.reply, text, item.choice_codes, item.skip)
    if parsed.unclear or parsed.skip:
        return parsed
    try:
        cleaned = validate_answers(questionnaire, {item.link_id: parsed.value},
                                   asked={item.link_id})
    except AnswerError:
        return UNCLEAR
    return type(parsed)(json_value(cleaned[item.link_id]))


def _example(item: SmsItem, lang: str) -> str:
    return item.example.get(lang) + (OR_NO[lang] if item.skip else "")


def _short(text: str) -> str:
    return text if len(text) <= SMS_MAX else text[:SMS_MAX - 1] + "…"


def _finish(conversation: SmsConversation, patient: Patient) -> str:
    """Submit the set; the advice, and the next questionnaire's first question if one
    waited."""
    result = submit_answers(conversation, patient, "done")
    nxt = open_next(patient.id, in_reply=True)
    lang = patient.language
    if result is None:
        text = NOTHING_READ[lang]
    else:
        texts = [card["text"] for card in result["advice"]]
        if result["call_emergency"]:
            texts.insert(0, EMERGENCY[lang])
        text = " ".join(texts)
    text = SIGNATURE[lang] + text
    if nxt is not None:  # asked at once, not by another SMS
        text += "\n" + form_of(nxt).items[0].text.get(lang)
    return text
