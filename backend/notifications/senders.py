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
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from pyfcm import FCMNotification
from pyfcm.errors import (
    AuthenticationError,
    FCMError,
    FCMNotRegisteredError,
    FCMSenderIdMismatchError,
    FCMServerError,
    InvalidDataError,
    RetryAfterException,
)
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client as TwilioClient

from backend.wiring import PushSender, SentMessage, SmsSender

log = logging.getLogger(__name__)

SMS_BACKENDS = ("console", "failing", "twilio")
PUSH_BACKENDS = ("console", "fcm")
# A worker must not hang forever on a half-open connection; the job is retried instead.
HTTP_TIMEOUT_SECONDS = 15.0


class SendError(Exception):
    """A message was not accepted; ``retryable`` says whether trying later can help."""

    def __init__(self, message: str, *, retryable: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


def mask_phone(number: str) -> str:
    """``+33612345678`` → ``+33******78``: enough to tell numbers apart in logs, not to call."""
    number = number.strip()
    # A fixed number of stars also hides the length of the number.
    return f"{number[:3]}******{number[-2:]}" if len(number) >= 8 else "******"


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
        log.info("sms to %s ref=%s id=%s: %d characters", mask_phone(to), reference,
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


def twilio_error(exc: TwilioRestException | TwilioServiceException) -> SendError:
    """Classify a Twilio API error: bad recipient or opt-out is permanent, outages are not.

    Twilio answers 400 to what no retry can fix: 21211 invalid number, 21614 not a
    mobile, 21610 the patient replied STOP (sending again would breach the opt-out).
    """
    code = exc.code
    # 401 is our credentials, not the message: once ops fix them the message can go.
    retryable = exc.status >= 500 or exc.status in (401, 429)
    return SendError(
        f"Twilio refused the message (HTTP {exc.status}, code {code})",
        retryable=retryable, code=None if code is None else str(code),
    )


class TwilioSmsSender:
    """Sends SMS through Twilio's Messages API (a messaging service or a sender number)."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        status_callback_url: str | None = None,
        http_client: HttpClient | None = None,
    ) -> None:
        if not (messaging_service_sid or from_number):
            raise ValueError("Twilio needs a messaging service SID or a sender number")
        self.messaging_service_sid = messaging_service_sid
        self.from_number = from_number
        self.status_callback_url = status_callback_url
        http_client = http_client or TwilioHttpClient(timeout=HTTP_TIMEOUT_SECONDS)
        self._client = TwilioClient(account_sid, auth_token, http_client=http_client)

    def _status_callback(self, reference: str) -> str | None:
        if not self.status_callback_url:
            return None
        # The reference lets the webhook find the message row even when the status
        # arrives before the worker has stored Twilio's SID.
        separator = "&" if "?" in self.status_callback_url else "?"
        return f"{self.status_callback_url}{separator}{urlencode({'reference': reference})}"

    def send(self, to: str, body: str, *, reference: str) -> SentMessage:
        sender: dict[str, str] = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number or ""}
        )
        try:
            message = self._client.messages.create(
                to=to, body=body, status_callback=self._status_callback(reference), **sender
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise twilio_error(exc) from exc
        except requests.RequestException as exc:
            raise SendError(f"Twilio unreachable: {exc}", retryable=True, code="network") from exc
        return SentMessage(self.name, str(message.sid), str(message.status or "queued"))


def fcm_error(exc: Exception) -> SendError:
    """Classify a pyfcm error: a dead token or a bad request is permanent, outages are not."""
    if isinstance(exc, FCMNotRegisteredError):
        return SendError("push token unregistered", retryable=False, code="UNREGISTERED")
    if isinstance(exc, FCMSenderIdMismatchError):
        return SendError("push token of another sender", retryable=False, code="SENDER_ID_MISMATCH")
    if isinstance(exc, InvalidDataError) and exc.args and isinstance(exc.args[0], Exception):
        # pyfcm wraps every failure to get an OAuth token (network included) in
        # InvalidDataError; that is not a fault of the message.
        return SendError(f"FCM token refresh failed: {exc}", retryable=True, code="AUTH_TOKEN")
    if isinstance(exc, InvalidDataError):
        return SendError(
            f"FCM rejected the message: {exc}", retryable=False, code="INVALID_ARGUMENT"
        )
    if isinstance(exc, AuthenticationError):
        return SendError(f"FCM authentication: {exc}", retryable=True, code="AUTHENTICATION")
    if isinstance(exc, FCMServerError | RetryAfterException | requests.RequestException):
        return SendError(f"FCM unavailable: {exc}", retryable=True, code="UNAVAILABLE")
    return SendError(f"FCM error: {exc!r}", retryable=True, code=None)


class FcmPushSender:
    """Sends push notifications through Firebase Cloud Messaging (HTTP v1 API)."""

    name = "fcm"

    def __init__(self, service_account_file: str, project_id: str) -> None:
        # pyfcm reads the file and fetches a token lazily, on the first send.
        self._fcm = FCMNotification(
            service_account_file=service_account_file, project_id=project_id
        )

    def send(
        self,
        push_token: str,
        title: str,
        body: str,
        *,
        reference: str,
        data: Mapping[str, str] | None = None,
    ) -> SentMessage:
        try:
            result = self._fcm.notify(
                fcm_token=push_token, notification_title=title, notification_body=body,
                data_payload=dict(data) if data else None, timeout=HTTP_TIMEOUT_SECONDS,
            )
        except (FCMError, RetryAfterException, requests.RequestException) as exc:
            raise fcm_error(exc) from exc
        return SentMessage(self.name, str(result["name"]), "sent")


def _setting(config: Mapping[str, Any], name: str) -> str | None:
    # An environment variable set to an empty string counts as missing.
    value = str(config.get(name) or "").strip()
    return value or None


def _required(config: Mapping[str, Any], name: str, backend: str) -> str:
    value = _setting(config, name)
    if value is None:
        raise ValueError(f"{backend} needs {name} to be set")
    return value


def _delay(config: Mapping[str, Any]) -> float:
    return float(config.get("SUIVI_CONSOLE_DELAY_SECONDS") or 0)


def sms_sender_from_config(config: Mapping[str, Any]) -> SmsSender:
    """The SMS sender named by ``SUIVI_SMS_BACKEND`` (console, twilio or failing)."""
    backend = _setting(config, "SUIVI_SMS_BACKEND") or "console"
    if backend == "console":
        return ConsoleSmsSender(delay_seconds=_delay(config))
    if backend == "failing":
        return FailingSmsSender()
    if backend == "twilio":
        where = "SUIVI_SMS_BACKEND=twilio"
        service = _setting(config, "TWILIO_MESSAGING_SERVICE_SID")
        from_number = _setting(config, "TWILIO_FROM_NUMBER")
        sid = _required(config, "TWILIO_ACCOUNT_SID", where)
        token = _required(config, "TWILIO_AUTH_TOKEN", where)
        if not (service or from_number):
            raise ValueError(f"{where} needs TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER")
        return TwilioSmsSender(
            sid, token, messaging_service_sid=service, from_number=from_number,
            status_callback_url=_setting(config, "TWILIO_STATUS_CALLBACK_URL"),
        )
    raise ValueError(f"unknown SUIVI_SMS_BACKEND {backend!r}; use one of {', '.join(SMS_BACKENDS)}")


def push_sender_from_config(config: Mapping[str, Any]) -> PushSender:
    """The push sender named by ``SUIVI_PUSH_BACKEND`` (console or fcm)."""
    backend = _setting(config, "SUIVI_PUSH_BACKEND") or "console"
    if backend == "console":
        return ConsolePushSender(delay_seconds=_delay(config))
    if backend == "fcm":
        where = "SUIVI_PUSH_BACKEND=fcm"
        account_file = _required(config, "FCM_SERVICE_ACCOUNT_FILE", where)
        project_id = _required(config, "FCM_PROJECT_ID", where)
        # pyfcm only opens the file at the first send; fail at start-up instead.
        if not Path(account_file).is_file():
            raise ValueError(f"FCM_SERVICE_ACCOUNT_FILE {account_file!r} is not a readable file")
        return FcmPushSender(account_file, project_id)
    raise ValueError(
        f"unknown SUIVI_PUSH_BACKEND {backend!r}; use one of {', '.join(PUSH_BACKENDS)}"
    )


def twilio_signature_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """Whether ``signature`` (the X-Twilio-Signature header) signs this webhook request.

    ``url`` must be the public URL Twilio called (behind a proxy, not ``request.url``).
    """
    if not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)
