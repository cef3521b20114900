"""A patient on the sms channel whose daily questionnaire is due, and replies posted as
Twilio posts them (signed with the twilio library's own RequestValidator)."""

from __future__ import annotations

import itertools

from twilio.request_validator import RequestValidator

from tests.formlinks.support import web_patient

TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://suivi.hopital.test"
PHONE = "+33655555555"
_sids = itertools.count(1)


def sms_patient(world, app, clock, redis, **fields):
    """The patient and the nurse; the reminder job ran (first question sent)."""
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN
    app.config["SUIVI_PUBLIC_URL"] = PUBLIC
    return web_patient(world, app, clock, redis, channel="sms", **fields)


def texted(app) -> list[str]:
    """The bodies of the SMS that left, in order."""
    return [sms["body"] for sms in app.extensions["suivi"].sms.sent]


def reply(client, text: str, sid: str | None = None, sender: str = PHONE):
    """Post the patient's SMS to the webhook; the response."""
    form = {"MessageSid": sid or f"SMtest{next(_sids)}", "From": sender, "To": "+33700000000",
            "Body": text}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/webhooks/twilio/sms", form)
    return client.post("/webhooks/twilio/sms", data=form,
                       headers={"X-Twilio-Signature": signature})


def said(response) -> str:
    """The text of the TwiML reply ('' when none)."""
    import html
    import re

    return " ".join(html.unescape(text) for text in re.findall(
        r"<Message>(.*?)</Message>", response.get_data(as_text=True), re.S))
