"""Push notifications through Firebase Cloud Messaging (``SUIVI_PUSH_BACKEND=fcm``).

Imported only when configured, like the Twilio sender.
"""

from __future__ import annotations

from collections.abc import Mapping

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

from backend.notifications.senders import HTTP_TIMEOUT_SECONDS, SendError
from backend.wiring import SentMessage


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
