"""The public patient API over HTTP (urllib: nothing to add to the Android build but certifi).

Every method blocks: the GUI calls them from its worker thread, never from the main loop.
Errors are typed so callers decide by kind, and carry the API's own ``message``.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT = 15.0
FOLLOW_UP_ENDED = "follow_up_ended"  # the server's error ``kind``


class ApiError(Exception):
    """A refused or failed request; ``message`` is the API's (or a network) explanation."""

    def __init__(self, message: str, status: int | None = None,
                 errors: dict | None = None, kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or {}
        self.kind = kind


class NetworkError(ApiError):
    """No answer from the server (offline, refused, timeout): try again later."""


class ServerError(ApiError):
    """5xx, or a busy/conflicting server (408, 409, 429): try again later."""


class AuthError(ApiError):
    """401/403: the device token is unknown or revoked; the phone must be activated again.
    When the follow-up has ended (``kind``), ``message`` says so to the patient, in their
    language, with the date."""

    @property
    def for_patient(self) -> str | None:
        return self.message if self.kind == FOLLOW_UP_ENDED else None


class ValidationError(ApiError):
    """400/404/422: the request itself was refused; resending it unchanged will not help."""


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def replayed(self) -> bool:
        """The server had already stored this Idempotency-Key and answered it again."""
        return self.headers.get("idempotent-replayed", "").lower() == "true"


def _ssl_context() -> ssl.SSLContext:
    # Android's Python has no system CA bundle; certifi ships one.
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def _error_for(status: int, body: Any) -> ApiError:
    message = body.get("message") if isinstance(body, dict) else None
    errors = body.get("errors") if isinstance(body, dict) else None
    message = message or f"HTTP {status}"
    if status in (401, 403):
        kind = body.get("kind") if isinstance(body, dict) else None
        return AuthError(message, status, errors, kind if isinstance(kind, str) else None)
    if status >= 500 or status in (408, 409, 425, 429):
        return ServerError(message, status, errors)
    return ValidationError(message, status, errors)


class ApiClient:
    """``base_url`` is the server root (``https://suivi.hopital.fr``)."""

    def __init__(self, base_url: str, token: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise ValueError(f"the server address must be http(s): {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._context = _ssl_context()

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> Response:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}/api/v1{path}",  # noqa: S310 (http[s])
                                         data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout,  # noqa: S310
                                        context=self._context) as reply:
                return Response(reply.status, _json(reply.read()),
                                {k.lower(): v for k, v in reply.headers.items()})
        except urllib.error.HTTPError as exc:
            raise _error_for(exc.code, _json(exc.read())) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NetworkError(f"server unreachable: {reason}") from None

    # -- the patient API -------------------------------------------------------------
    def activate(self, code: str, device_label: str | None = None) -> dict:
        """``{device_token, patient}``; the token is also kept for the next calls."""
        body = {"activation_code": code}
        if device_label:
            body["device_label"] = device_label
        result = self.request("POST", "/patient/activate", body).body
        self.token = result["device_token"]
        return result

    def me(self) -> dict:
        return self.request("GET", "/me").body

    def today(self) -> dict:
        return self.request("GET", "/me/today").body

    def values(self, days: int = 14) -> dict:
        """The patient's own recent values (temperature, weight, pain, blood pressure)."""
        return self.request("GET", f"/me/values?days={int(days)}").body

    def export(self) -> dict:
        """All of the patient's own data ("Mes données"), as the server holds it."""
        return self.request("GET", "/me/export").body

    def questionnaire(self, slug: str, lang: str) -> dict:
        query = urllib.parse.urlencode({"lang": lang})
        return self.request("GET", f"/questionnaires/{urllib.parse.quote(slug)}?{query}").body

    def submit(self, body: dict, idempotency_key: str) -> Response:
        return self.request("POST", "/me/submissions", body, {"Idempotency-Key": idempotency_key})

    def send_readings(self, body: dict, idempotency_key: str) -> Response:
        return self.request("POST", "/me/readings", body, {"Idempotency-Key": idempotency_key})

    def unpair(self) -> None:
        """This phone's token stops working (the patient unlinks it)."""
        self.request("DELETE", "/me/device")

    def set_push_token(self, push_token: str) -> None:
        self.request("PUT", "/me/push-token", {"push_token": push_token})

    def set_reminder_time(self, reminder_time: str | None) -> dict:
        return self.request("PUT", "/me/reminder-time", {"reminder_time": reminder_time}).body


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
