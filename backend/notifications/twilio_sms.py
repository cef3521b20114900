"""SMS through Twilio's Messages API (``SUIVI_SMS_BACKEND=twilio``).

Imported only when configured: the Twilio client weighs on every process's memory.
"""

from __future__ import annotations

from urllib.parse import urlencode

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

from backend.notifications.senders import HTTP_TIMEOUT_SECONDS, SendError
from backend.wiring import SentMessage


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
