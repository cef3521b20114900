"""Notification senders: SMS and push behind small interfaces chosen by configuration.

Bodies never carry health data, by design: a patient's phone may be shared, locked
screens show previews and SMS transit operators in clear. Callers send only neutral
texts such as "You have a new message in Suivi" and links that need a login or an
expiring token; this is why the console senders may log bodies but mask numbers.

Idempotency lives in the caller (the message row, with its provider id and a
deterministic job id), not here: a sender sends exactly once per call and reports
whether a failure is worth retrying (``SendError.retryable``). The interfaces they
implement (``SmsSender``, ``PushSender``) are declared with the app's other side effects
in ``backend.wiring``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator

from backend.text import masked_phone
from backend.wiring import SentMessage

log = logging.getLogger(__name__)

# A worker must not hang forever on a half-open connection; the job is retried instead.
HTTP_TIMEOUT_SECONDS = 15.0


class SendError(Exception):
    """A message was not accepted; ``retryable`` says whether trying later can help."""

    def __init__(self, message: str, *, retryable: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


def _mask_token(token: str) -> str:
    return f"…{token[-6:]}" if len(token) > 12 else "******"


class ConsoleSmsSender:
    """Logs SMS instead of sending them (embedded default, demo, tests); keeps them in ``sent``."""

    name = "console"

    def __init__(self, delay_seconds: float = 0.0) -> None:
        self.delay_seconds = delay_seconds
        self.sent: list[dict[str, str]] = []

    def send(self, to: str, body: str, *, reference: str) -> SentMessage:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        provider_id = f"console-{uuid.uuid4().hex}"
        # Never the body: it may carry an activation code or a consultation link.
        log.info("sms to %s ref=%s id=%s: %d characters", masked_phone(to), reference,
                 provider_id, len(body))
        self.sent.append(
            {"to": to, "body": body, "reference": reference, "provider_id": provider_id}
        )
        return SentMessage(self.name, provider_id, "sent")


class ConsolePushSender:
    """Logs push notifications instead of sending them; keeps them in ``sent``."""

    name = "console"

    def __init__(self, delay_seconds: float = 0.0) -> None:
        self.delay_seconds = delay_seconds
        self.sent: list[dict[str, Any]] = []

    def send(
        self,
        push_token: str,
        title: str,
        body: str,
        *,
        reference: str,
        data: Mapping[str, str] | None = None,
    ) -> SentMessage:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        provider_id = f"console-{uuid.uuid4().hex}"
        log.info(  # never the body: it may carry a consultation link
            "push to %s ref=%s id=%s: %s: %d characters",
            _mask_token(push_token), reference, provider_id, title, len(body),
        )
        self.sent.append({
            "push_token": push_token, "title": title, "body": body, "reference": reference,
            "data": dict(data or {}), "provider_id": provider_id,
        })
        return SentMessage(self.name, provider_id, "sent")


class FailingSmsSender:
    """Always fails with a retryable error: simulates a provider outage in fault tests."""

    name = "failing"

    def send(self, to: str, body: str, *, reference: str) -> SentMessage:
        raise SendError(f"simulated SMS outage (ref={reference})", retryable=True, code="failing")


def twilio_signature_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether ``signature`` (the X-Twilio-Signature header) signs this webhook request.

    ``url`` must be the public URL Twilio called (behind a proxy, not ``request.url``).
    """
    if not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)
