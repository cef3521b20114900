"""The notification senders, driven through the providers' own client libraries."""

from __future__ import annotations

import json
import logging
import time

import pytest
import requests
from google.auth.exceptions import TransportError
from pyfcm import errors as fcm
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from backend.notifications import configured, fcm_push, twilio_sms
from backend.notifications import senders as s
from backend.text import masked_phone

SID = "AC" + "0" * 32
TOKEN = "secret-auth-token"
SERVICE = "MG" + "1" * 32
CALLBACK = "https://suivi.example/webhooks/twilio/status"
PHONE = "+33612345678"
BODY = "Vous avez un nouveau message dans Suivi"


class FakeTwilioHttp(HttpClient):
    """Twilio's HTTP interface, answering one canned response and recording the request."""

    def __init__(self, status: int = 201, payload: object = None, raises: Exception | None = None):
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.status, self.payload, self.raises = status, payload, raises
        self.requests: list[dict] = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        self.requests.append({"method": method, "url": uri, "data": data, "auth": auth})
        if self.raises:
            raise self.raises
        text = self.payload if isinstance(self.payload, str) else json.dumps(self.payload)
        return Response(self.status, text)


def twilio(http: HttpClient, **kwargs) -> twilio_sms.TwilioSmsSender:
    kwargs.setdefault("messaging_service_sid", SERVICE)
    return twilio_sms.TwilioSmsSender(SID, TOKEN, http_client=http, **kwargs)


CREATED = {"sid": "SM" + "a" * 32, "account_sid": SID, "status": "queued", "to": PHONE}


def test_twilio_sends_through_the_messaging_service_with_a_status_callback():
    http = FakeTwilioHttp(201, CREATED)
    sent = twilio(http, status_callback_url=CALLBACK).send(PHONE, BODY, reference="msg-1")

    assert sent == s.SentMessage("twilio", CREATED["sid"], "queued")
    [request] = http.requests
    assert request["method"] == "POST"
    assert request["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["auth"] == (SID, TOKEN)
    assert request["data"] == {
        "To": PHONE, "Body": BODY, "MessagingServiceSid": SERVICE,
        "StatusCallback": f"{CALLBACK}?reference=msg-1",
    }


def test_twilio_sends_from_a_number_without_callback():
    http = FakeTwilioHttp(201, CREATED)
    twilio(http, messaging_service_sid=None, from_number="+33700000000").send(
        PHONE, BODY, reference="msg-1"
    )
    assert http.requests[0]["data"] == {"To": PHONE, "Body": BODY, "From": "+33700000000"}


def test_twilio_callback_keeps_an_existing_query():
    http = FakeTwilioHttp(201, CREATED)
    twilio(http, status_callback_url=f"{CALLBACK}?site=lyon").send(PHONE, BODY, reference="m 2")
    assert http.requests[0]["data"]["StatusCallback"] == f"{CALLBACK}?site=lyon&reference=m+2"


def test_twilio_needs_a_sender():
    with pytest.raises(ValueError, match="messaging service SID or a sender number"):
        twilio_sms.TwilioSmsSender(SID, TOKEN, http_client=FakeTwilioHttp())


def rfc9457(status: int, code: int) -> dict:
    return {"type": f"https://www.twilio.com/docs/errors/{code}", "title": "x",
            "status": status, "code": code}


@pytest.mark.parametrize(
    ("status", "payload", "retryable", "code"),
    [
        (400, {"code": 21211, "message": "Invalid 'To' Phone Number"}, False, "21211"),
        (400, {"code": 21614, "message": "not a mobile number"}, False, "21614"),
        (400, {"code": 21610, "message": "unsubscribed recipient (STOP)"}, False, "21610"),
        (400, rfc9457(400, 21211), False, "21211"),  # the newer error format of twilio 9
        (400, {"code": 21602, "message": "Message body is required"}, False, "21602"),
        (429, {"code": 20429, "message": "Too Many Requests"}, True, "20429"),
        (401, {"code": 20003, "message": "Authenticate"}, True, "20003"),
        (500, {"code": 20500, "message": "Internal Server Error"}, True, "20500"),
        (503, "<html>Service Unavailable</html>", True, "503"),
        (503, rfc9457(503, 20503), True, "20503"),
    ],
)
def test_twilio_errors_are_classified(status, payload, retryable, code):
    http = FakeTwilioHttp(status, payload)
    with pytest.raises(s.SendError) as caught:
        twilio(http).send(PHONE, BODY, reference="msg-1")
    assert (caught.value.retryable, caught.value.code) == (retryable, code)


def test_twilio_network_error_is_retryable():
    http = FakeTwilioHttp(raises=requests.ConnectionError("connection refused"))
    with pytest.raises(s.SendError) as caught:
        twilio(http).send(PHONE, BODY, reference="msg-1")
    assert (caught.value.retryable, caught.value.code) == (True, "network")


@pytest.mark.parametrize(
    ("exc", "retryable", "code"),
    [
        (fcm.FCMNotRegisteredError("Token not registered"), False, "UNREGISTERED"),
        (fcm.FCMSenderIdMismatchError("other sender"), False, "SENDER_ID_MISMATCH"),
        (fcm.InvalidDataError('{"error": "INVALID_ARGUMENT"}'), False, "INVALID_ARGUMENT"),
        (fcm.InvalidDataError(TransportError("dns failure")), True, "AUTH_TOKEN"),
        (fcm.AuthenticationError("bad credentials"), True, "AUTHENTICATION"),
        (fcm.FCMServerError("Unexpected status code 500"), True, "UNAVAILABLE"),
        (fcm.RetryAfterException(30), True, "UNAVAILABLE"),
        (requests.ConnectionError("unreachable"), True, "UNAVAILABLE"),
    ],
)
def test_fcm_errors_are_classified(exc, retryable, code):
    error = fcm_push.fcm_error(exc)
    assert (error.retryable, error.code) == (retryable, code)


def test_fcm_sender_wraps_pyfcm(tmp_path, monkeypatch):
    sender = fcm_push.FcmPushSender(str(tmp_path / "sa.json"), "suivi-test")
    calls = []

    def notify(**kwargs):
        calls.append(kwargs)
        return {"name": "projects/suivi-test/messages/0:123"}

    monkeypatch.setattr(sender._fcm, "notify", notify)
    sent = sender.send("tok", "Suivi", BODY, reference="m", data={"screen": "today"})
    assert sent == s.SentMessage("fcm", "projects/suivi-test/messages/0:123", "sent")
    assert calls[0]["fcm_token"] == "tok"
    assert calls[0]["data_payload"] == {"screen": "today"}

    def unregistered(**kwargs):
        raise fcm.FCMNotRegisteredError("Token not registered")

    monkeypatch.setattr(sender._fcm, "notify", unregistered)
    with pytest.raises(s.SendError) as caught:
        sender.send("tok", "Suivi", BODY, reference="m")
    assert caught.value.retryable is False


@pytest.mark.parametrize(
    ("number", "masked"),
    [(PHONE, "+33******78"), (" +12025550143 ", "+12******43"), ("112", "******")],
)
def test_masked_phone(number, masked):
    assert masked_phone(number) == masked


def test_console_sms_logs_masked_number_and_keeps_what_was_sent(caplog):
    caplog.set_level(logging.INFO, logger=s.__name__)
    sender = s.ConsoleSmsSender()
    first = sender.send(PHONE, BODY, reference="msg-1")
    second = sender.send(PHONE, BODY, reference="msg-2")

    assert "+33******78" in caplog.text
    assert PHONE not in caplog.text
    assert BODY not in caplog.text  # a body may carry a code or a link
    assert f"{len(BODY)} characters" in caplog.text
    assert first.provider_id.startswith("console-")
    assert first.provider_id != second.provider_id
    assert [m["reference"] for m in sender.sent] == ["msg-1", "msg-2"]
    assert sender.sent[0]["to"] == PHONE


def test_console_push_logs_without_the_token_and_keeps_what_was_sent(caplog):
    caplog.set_level(logging.INFO, logger=s.__name__)
    token = "fcm-token-" + "x" * 40 + "abc123"
    sender = s.ConsolePushSender()
    sent = sender.send(token, "Suivi", BODY, reference="msg-1", data={"screen": "today"})

    assert token not in caplog.text
    assert "abc123" in caplog.text and BODY not in caplog.text
    assert sender.sent == [{
        "push_token": token, "title": "Suivi", "body": BODY, "reference": "msg-1",
        "data": {"screen": "today"}, "provider_id": sent.provider_id,
    }]


def test_console_delay_holds_the_send():
    started = time.monotonic()
    s.ConsoleSmsSender(delay_seconds=0.2).send(PHONE, BODY, reference="msg-1")
    assert time.monotonic() - started >= 0.2


def test_failing_sender_fails_retryably():
    with pytest.raises(s.SendError) as caught:
        s.FailingSmsSender().send(PHONE, BODY, reference="msg-1")
    assert caught.value.retryable is True


TWILIO_CONFIG = {
    "SUIVI_SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
    "TWILIO_MESSAGING_SERVICE_SID": SERVICE, "TWILIO_STATUS_CALLBACK_URL": CALLBACK,
}


def test_sms_backends_from_config():
    assert isinstance(configured.sms_sender_from_config({}), s.ConsoleSmsSender)
    console = configured.sms_sender_from_config(
        {"SUIVI_SMS_BACKEND": "console", "SUIVI_CONSOLE_DELAY_SECONDS": "1.5"}
    )
    assert isinstance(console, s.ConsoleSmsSender) and console.delay_seconds == 1.5
    failing = configured.sms_sender_from_config({"SUIVI_SMS_BACKEND": "failing"})
    assert isinstance(failing, s.FailingSmsSender)
    sender = configured.sms_sender_from_config(TWILIO_CONFIG)
    assert isinstance(sender, twilio_sms.TwilioSmsSender)
    assert (sender.messaging_service_sid, sender.status_callback_url) == (SERVICE, CALLBACK)


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        (["TWILIO_ACCOUNT_SID"], "TWILIO_ACCOUNT_SID"),
        (["TWILIO_AUTH_TOKEN"], "TWILIO_AUTH_TOKEN"),
        (["TWILIO_MESSAGING_SERVICE_SID"], "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"),
    ],
)
def test_twilio_config_names_the_missing_variable(missing, named):
    config = {k: v for k, v in TWILIO_CONFIG.items() if k not in missing}
    with pytest.raises(ValueError, match=named):
        configured.sms_sender_from_config(config)
    # An empty environment variable is as good as none.
    with pytest.raises(ValueError, match=named):
        configured.sms_sender_from_config({**TWILIO_CONFIG, **dict.fromkeys(missing, "")})


def test_unknown_backends_are_rejected_with_the_valid_ones():
    with pytest.raises(ValueError, match="'sendgrid'.*console, failing, twilio"):
        configured.sms_sender_from_config({"SUIVI_SMS_BACKEND": "sendgrid"})
    with pytest.raises(ValueError, match="'apns'.*console, fcm"):
        configured.push_sender_from_config({"SUIVI_PUSH_BACKEND": "apns"})


def test_push_backends_from_config(tmp_path):
    account = tmp_path / "service-account.json"
    account.write_text("{}")
    config = {"SUIVI_PUSH_BACKEND": "fcm", "FCM_SERVICE_ACCOUNT_FILE": str(account),
              "FCM_PROJECT_ID": "suivi-prod"}
    assert isinstance(configured.push_sender_from_config({}), s.ConsolePushSender)
    assert isinstance(configured.push_sender_from_config(config), fcm_push.FcmPushSender)
    for name in ("FCM_SERVICE_ACCOUNT_FILE", "FCM_PROJECT_ID"):
        with pytest.raises(ValueError, match=name):
            configured.push_sender_from_config({k: v for k, v in config.items() if k != name})
    with pytest.raises(ValueError, match="not a readable file"):
        configured.push_sender_from_config(
            {**config, "FCM_SERVICE_ACCOUNT_FILE": str(tmp_path / "none")})


STATUS_URL = f"{CALLBACK}?reference=msg-1"
STATUS_PARAMS = {"MessageSid": CREATED["sid"], "MessageStatus": "delivered", "To": PHONE}


def test_twilio_signature_accepted():
    signature = RequestValidator(TOKEN).compute_signature(STATUS_URL, STATUS_PARAMS)
    assert s.twilio_signature_valid(TOKEN, STATUS_URL, STATUS_PARAMS, signature)
    # Flask hands webhooks their form as a MultiDict.
    assert s.twilio_signature_valid(TOKEN, STATUS_URL, MultiDict(STATUS_PARAMS), signature)


def test_twilio_signature_refused():
    signature = RequestValidator(TOKEN).compute_signature(STATUS_URL, STATUS_PARAMS)
    tampered = {**STATUS_PARAMS, "MessageStatus": "failed"}
    assert not s.twilio_signature_valid(TOKEN, STATUS_URL, tampered, signature)
    assert not s.twilio_signature_valid(TOKEN, f"{CALLBACK}?reference=msg-2", STATUS_PARAMS,
                                      signature)
    assert not s.twilio_signature_valid("another-token", STATUS_URL, STATUS_PARAMS, signature)
    assert not s.twilio_signature_valid(TOKEN, STATUS_URL, STATUS_PARAMS, None)
    assert not s.twilio_signature_valid(TOKEN, STATUS_URL, STATUS_PARAMS, "")
