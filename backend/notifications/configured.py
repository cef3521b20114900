"""The SMS and push senders a deployment configured (``SUIVI_SMS_BACKEND``,
``SUIVI_PUSH_BACKEND``), built once by the composition root (``backend.app``).

The Twilio and FCM clients are imported only when configured: they weigh on the memory
of every web and worker process.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backend.notifications.senders import ConsolePushSender, ConsoleSmsSender, FailingSmsSender
from backend.wiring import PushSender, SmsSender

SMS_BACKENDS = ("console", "failing", "twilio")
PUSH_BACKENDS = ("console", "fcm")


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
        from backend.notifications.twilio_sms import TwilioSmsSender  # only when used

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
        from backend.notifications.fcm_push import FcmPushSender  # only when used

        return FcmPushSender(account_file, project_id)
    raise ValueError(
        f"unknown SUIVI_PUSH_BACKEND {backend!r}; use one of {', '.join(PUSH_BACKENDS)}"
    )
