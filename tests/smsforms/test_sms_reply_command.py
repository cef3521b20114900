"""`suivi sms-reply`'s request: the form Twilio posts, signed as Twilio signs it, sent to
a real HTTP server, its TwiML reply read back."""

from __future__ import annotations

from backend.webhooks.sms_reply import post_reply
from tests.reliability.support import http_server
from tests.smsforms.support import PHONE, PUBLIC, TOKEN, sms_patient


def test_the_signed_reply_goes_through_the_webhook(world, app, clock, redis):
    sms_patient(world, app, clock, redis)
    with http_server(app) as port:
        status, replies = post_reply(PUBLIC, TOKEN, PHONE, "huit",
                                     server_url=f"http://127.0.0.1:{port}")
        assert status == 200
        assert replies[0].startswith("La peau autour de la cicatrice")
        # Signed with another token: refused, as a forged callback is.
        status, _ = post_reply(PUBLIC, "not-the-token", PHONE, "oui",
                               server_url=f"http://127.0.0.1:{port}")
        assert status == 403
