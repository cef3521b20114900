"""Where the phone's push token (FCM) comes from, behind one small interface.

The server sends reminders as pushes to the token the app registers (PUT /me/push-token).
Getting a token on Android needs Firebase Cloud Messaging in the build (its Android
library and the hospital's google-services.json), which this build does not have yet:
until then the source gives none and reminders reach the patient by SMS or not at all
(the ward sees missed tasks). A source that has a token is passed to SuiviApp."""

from __future__ import annotations

from typing import Protocol


class PushTokenSource(Protocol):
    def token(self) -> str | None: ...


class NoPushTokens:
    def token(self) -> str | None:
        return None
