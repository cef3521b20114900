"""The staff's web session cookie, encrypted as well as signed.

Flask's own session cookie is signed, not encrypted: whoever reads it (the browser's
cookie store, a proxy's or a crash report's copy of the headers) reads what the session
holds, the staff member's bearer token first, then an activation code or the recovery
codes shown once. The same cookie is sealed here with Fernet (``cryptography``: AES-CBC
and HMAC-SHA-256, with its time of issue) under a key derived from ``SECRET_KEY``: it
can be neither read nor altered, and it expires as Flask's did. A cookie that does not
open (another key, an older format, tampered) is an empty session: sign in again.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

# Bound to this use: the same SECRET_KEY signs other things with other keys.
KEY_INFO = b"suivi web session cookie v1"


@functools.lru_cache(maxsize=4)
def _fernet(secret_key: str | bytes) -> Fernet:
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


class _SealedSerializer:
    """What Flask's cookie session asks of its serializer: ``dumps`` and ``loads``, which
    raises ``BadSignature`` for a cookie it cannot open."""

    def __init__(self, fernet: Fernet) -> None:
        self._fernet = fernet
        self._json = TaggedJSONSerializer()  # Flask's own: bytes, tuples, datetimes

    def dumps(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(self._json.dumps(value).encode()).decode("ascii")

    def loads(self, value: str, max_age: int | None = None) -> Any:
        try:
            opened = self._fernet.decrypt(value.encode("ascii"), ttl=max_age)
            return self._json.loads(opened.decode())
        except (InvalidToken, UnicodeError, ValueError) as unreadable:
            raise BadSignature("the session cookie does not open") from unreadable


class SealedCookieSessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask) -> _SealedSerializer | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        return _SealedSerializer(_fernet(app.secret_key))
