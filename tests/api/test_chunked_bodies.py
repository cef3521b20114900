"""A body sent without a Content-Length (``Transfer-Encoding: chunked``) is held to the
same limit as one with it: over it, a 413 in the usual error shape, never the first MiB of
a JSON body (a 400) or of a form (processed truncated). gunicorn, which de-chunks the body
itself and says so with ``wsgi.input_terminated``, is what production runs."""

from __future__ import annotations

import http.client
import io
import json
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from backend.webhooks.models import InboundEvent
from tests.helpers import count
from tests.reliability.servers import free_port
from tests.reliability.support import suivi_process, wait_for

TOKEN = "twilio-auth-token-for-tests"
PUBLIC_URL = "https://suivi.hopital.test"
FORM = "application/x-www-form-urlencoded"
OVER = 2 * 1024 * 1024  # MAX_CONTENT_LENGTH is 1 MiB


@pytest.fixture(autouse=True)
def twilio_config(app):
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN
    app.config["SUIVI_PUBLIC_URL"] = PUBLIC_URL


def _chunked(client, path: str, body: bytes, content_type: str, **headers):
    """As gunicorn hands a chunked body over: no CONTENT_LENGTH, the stream terminated."""
    return client.open(path, method="POST", input_stream=io.BytesIO(body),
                       headers={"Content-Type": content_type, "Transfer-Encoding": "chunked",
                                **headers},
                       environ_overrides={"wsgi.input_terminated": True})


def _login_json(email: str) -> bytes:
    return json.dumps({"email": email, "password": "not the password"}).encode()


def _signed_sms(text: str) -> tuple[bytes, dict[str, str]]:
    params = {"MessageSid": "SM1", "From": "+33612345678", "To": "+33700000000", "Body": text}
    signature = RequestValidator(TOKEN).compute_signature(
        f"{PUBLIC_URL}/webhooks/twilio/sms", params)
    return urlencode(params).encode(), {"X-Twilio-Signature": signature}


def _refused(response) -> None:
    assert response.status_code == 413
    assert response.json["code"] == 413 and response.json["message"]


def test_a_chunked_json_body_over_the_limit_is_a_413(client):
    _refused(_chunked(client, "/api/v1/auth/login", _login_json("a" * OVER),
                      "application/json"))


def test_a_chunked_web_form_over_the_limit_is_a_413(client):
    _refused(_chunked(client, "/web/login", urlencode(
        {"csrf": "x", "email": "a" * OVER, "password": "p"}).encode(), FORM))


def test_a_chunked_twilio_webhook_over_the_limit_is_a_413_and_stores_nothing(client, app):
    body, headers = _signed_sms("a" * OVER)
    _refused(_chunked(client, "/webhooks/twilio/sms", body, FORM, **headers))
    assert count(app, InboundEvent) == 0


def test_a_chunked_body_under_the_limit_is_read_whole(client, app):
    # Parsed, not refused: the credentials are wrong (401), not the body (400).
    login = _chunked(client, "/api/v1/auth/login", _login_json("nurse@hopital.test"),
                     "application/json")
    assert login.status_code == 401
    # The signature covers every field: it holds only if the whole form was read.
    body, headers = _signed_sms("aide " + "x" * 500_000)
    sms = _chunked(client, "/webhooks/twilio/sms", body, FORM, **headers)
    assert sms.status_code == 200
    assert count(app, InboundEvent) == 1


def _post_chunked(port: int, path: str, body: bytes, content_type: str,
                  **headers: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        # A generator has no length: http.client sends it chunked.
        connection.request("POST", path, body=iter([body[i:i + 65536]
                                                   for i in range(0, len(body), 65536)]),
                           headers={"Content-Type": content_type, **headers},
                           encode_chunked=True)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


@pytest.mark.slow
def test_chunked_bodies_through_gunicorn(app, app_config, redis, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with suivi_process(app_config, redis, log, "serve", "--port", str(port), "--workers", "1",
                       stop=15, TWILIO_AUTH_TOKEN=TOKEN, SUIVI_PUBLIC_URL=PUBLIC_URL):
        def ready() -> bool:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/readyz")
                return connection.getresponse().status == 200
            except OSError:
                return False

        wait_for(ready, 60, "suivi serve", log)
        status, body = _post_chunked(port, "/api/v1/auth/login", _login_json("a" * OVER),
                                     "application/json")
        assert (status, body["code"]) == (413, 413)
        sms, headers = _signed_sms("a" * OVER)
        status, body = _post_chunked(port, "/webhooks/twilio/sms", sms, FORM, **headers)
        assert (status, body["code"]) == (413, 413)
        status, _ = _post_chunked(port, "/api/v1/auth/login",
                                  _login_json("nurse@hopital.test"), "application/json")
        assert status == 401
    assert count(app, InboundEvent) == 0
