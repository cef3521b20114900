"""``suivi sms-reply PHONE TEXT``: play a patient's SMS through the real webhook path.

Builds the form Twilio would post for an inbound SMS, signs it with the configured
``TWILIO_AUTH_TOKEN`` (in demo mode, the demo's own token, kept in the data directory)
exactly as Twilio does (the twilio library's ``RequestValidator``), posts it to the
running server's ``/webhooks/twilio/sms`` and returns the texts of the TwiML reply.
"""

from __future__ import annotations

import html
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request

from twilio.request_validator import RequestValidator

PATH = "/webhooks/twilio/sms"
# The number patients text (shown in the form only: Suivi does not read it).
TO = "+33700000000"


def inbound_form(phone: str, text: str) -> dict[str, str]:
    """The fields Twilio posts for an inbound SMS (a new MessageSid each time)."""
    return {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "0" * 32,
            "From": phone, "To": TO, "Body": text, "NumMedia": "0"}


def post_reply(public_url: str, token: str, phone: str, text: str,
               server_url: str | None = None, timeout: float = 30) -> tuple[int, list[str]]:
    """Post the signed form; the HTTP status and the reply's messages.

    The signature covers ``public_url`` + the path, as Twilio signs the URL it was given;
    ``server_url`` is where to post when it differs (the server behind a proxy)."""
    form = inbound_form(phone, text)
    signature = RequestValidator(token).compute_signature(public_url + PATH, form)
    request = urllib.request.Request(  # noqa: S310 (an http(s) URL from the configuration)
        (server_url or public_url).rstrip("/") + PATH,
        data=urllib.parse.urlencode(form).encode(), method="POST",
        headers={"X-Twilio-Signature": signature,
                 "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, messages(response.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, [error.read().decode(errors="replace")]


def messages(twiml: str) -> list[str]:
    """The text of each ``<Message>`` of a TwiML reply."""
    return [html.unescape(text) for text in re.findall(r"<Message>(.*?)</Message>", twiml,
                                                         re.S)]
