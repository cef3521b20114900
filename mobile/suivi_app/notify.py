"""Local notifications on the phone, behind one small interface.

plyer shows them on Android (and on desktops that have a notification service); without
plyer, or when it cannot, nothing is shown and the app goes on: the card on today's
screen is what the patient reads. A notification never carries health data: it says an
answer arrived and to open Suivi (the lock screen is seen by anyone)."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify(self, title: str, message: str) -> None: ...


class NoNotifier:
    """No notification service: the app's own screens say everything."""

    def notify(self, title: str, message: str) -> None:
        return None


class PlyerNotifier:
    def __init__(self, facade) -> None:
        self._facade = facade

    def notify(self, title: str, message: str) -> None:
        try:
            self._facade.notify(title=title, message=message, app_name="Suivi")
        except Exception as exc:  # noqa: BLE001 (a missing backend must not stop the app)
            log.info("no local notification: %s", type(exc).__name__)


def default_notifier() -> Notifier:
    try:
        from plyer import notification
    except ImportError:
        return NoNotifier()
    return PlyerNotifier(notification)
