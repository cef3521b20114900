"""Secrets: random tokens and codes, and how they are kept at rest.

Bearer tokens carry 256 bits of entropy, so a plain SHA-256 is enough at rest. Short
codes a human types (activation, recovery) have far less, so they are kept as an HMAC
keyed with SECRET_KEY: a stolen table alone cannot be brute-forced offline.

Randomness comes from the app's wiring (``SecretsRandomness``, the operating system's
CSPRNG, unless a test installs another).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from backend.wiring import wiring

# No 0/O, 1/I/L: codes are read aloud on the phone and typed by elderly patients.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class SecretsRandomness:
    """``backend.wiring.Randomness`` from Python's ``secrets``."""

    def token_urlsafe(self, nbytes: int) -> str:
        return secrets.token_urlsafe(nbytes)

    def choice(self, options: Sequence[str]) -> str:
        return secrets.choice(options)


def new_token(prefix: str) -> str:
    return f"{prefix}_{wiring().random.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_code(length: int = 10, group: int = 5) -> str:
    random = wiring().random
    raw = "".join(random.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i:i + group] for i in range(0, length, group))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def keyed_digest(value: str) -> str:
    """HMAC-SHA-256 of ``value`` keyed with SECRET_KEY: found again, never read back."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def code_digest(code: str) -> str:
    return keyed_digest(normalise_code(code))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
