"""A local stand-in for Twilio's Messages API, reached by the real twilio REST client over
real HTTP: it answers each POST like Twilio (201 with a message SID, or an error with its
code for the numbers told to refuse) and keeps what it received."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

from backend.notifications.twilio_sms import TwilioSmsSender

SID = "AC" + "0" * 32
TOKEN = "twilio-auth-token-for-tests"
SERVICE = "MG" + "1" * 32
PUBLIC_URL = "https://suivi.hopital.test"


class FakeTwilio:
    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        self.refuse: dict[str, tuple[int, int]] = {}  # number -> (HTTP status, error code)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, payload = fake.answer(self.path, form)
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, dict]:
        if path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return 404, {"code": 20404, "message": "not found", "status": 404}
        self.received.append({**form, "path": path})
        if form.get("To") in self.refuse:
            status, code = self.refuse[form["To"]]
            return status, {"code": code, "message": "refused", "status": status,
                            "more_info": f"https://www.twilio.com/docs/errors/{code}"}
        sid = "SM" + uuid.uuid4().hex
        self.received[-1]["sid"] = sid
        return 201, {"sid": sid, "account_sid": SID, "status": "queued", "to": form.get("To"),
                     "body": form.get("Body"), "messaging_service_sid": SERVICE}

    def sender(self) -> TwilioSmsSender:
        """The app's real Twilio sender, its HTTP client sent here instead of Twilio."""
        base = self.url

        class LocalHttp(TwilioHttpClient):
            def request(self, method, url, *args, **kwargs):
                return super().request(method, url.replace("https://api.twilio.com", base),
                                       *args, **kwargs)

        return TwilioSmsSender(SID, TOKEN, messaging_service_sid=SERVICE,
                               status_callback_url=f"{PUBLIC_URL}/webhooks/twilio/status",
                               http_client=LocalHttp(timeout=5))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def report(client, sent: dict[str, str], status: str, error_code: str | None = None):
    """Twilio's status callback for ``sent`` (a request this fake received), posted to the
    URL the message asked for and signed as Twilio signs it."""
    url = sent["StatusCallback"]
    params = {"MessageSid": sent["sid"], "MessageStatus": status, "AccountSid": SID,
              "To": sent["To"], "SmsStatus": status}
    if error_code:
        params["ErrorCode"] = error_code
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    parts = urlsplit(url)
    return client.post(f"{parts.path}?{parts.query}", data=params,
                       headers={"X-Twilio-Signature": signature})


def install(app) -> FakeTwilio:
    """A fake Twilio behind the app's real Twilio sender, the app configured to check
    its callbacks' signatures (close it when done)."""
    fake = FakeTwilio()
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN
    app.config["SUIVI_PUBLIC_URL"] = PUBLIC_URL
    app.extensions["suivi"].sms = fake.sender()
    return fake
