"""Encryption at rest for the columns that identify a patient or carry their words.

Keys live outside the database, in configuration (``SUIVI_DATA_KEYS``): a keyring of
named 256-bit keys, the first one current. A value is sealed with AES-256-GCM under the
current key and stored as ``enc1:<key id>:<base64 nonce + ciphertext>``; the key id lets
older values be read after a rotation, and ``suivi rotate-keys`` seals every value again
under the current key so an old key can then be removed.

A sealed column cannot be searched: where the application looks a value up (an inbound
SMS's phone number), a keyed hash (HMAC-SHA-256 under ``SUIVI_INDEX_KEY``) is stored
beside it. The index key is not rotated with the data keys: changing it means computing
every hash again (``suivi rotate-keys --reindex``).

A value without the ``enc1:`` prefix is read as it is: rows written before encryption was
switched on are sealed by the next ``suivi rotate-keys``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
# Bound to the format: a sealed value copied into another kind of field still decrypts,
# but one altered or forged does not.
ASSOCIATED_DATA = b"suivi-column-v1"


class KeySettingError(ValueError):
    """A key setting that cannot be used (named in the message)."""


class UnreadableValue(ValueError):
    """A sealed value whose key is not in the keyring, or that was altered."""


@dataclass(frozen=True)
class Keyring:
    keys: Mapping[str, bytes]
    current: str
    index_key: bytes

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.current]).encrypt(
            nonce, plaintext.encode("utf-8"), ASSOCIATED_DATA)
        return f"{PREFIX}:{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str) -> str:
        if not is_sealed(stored):
            return stored
        _, key_id, payload = stored.split(":", 2)
        key = self.keys.get(key_id)
        if key is None:
            raise UnreadableValue(f"a value is sealed with key '{key_id}', "
                                  "which SUIVI_DATA_KEYS no longer holds")
        try:
            raw = base64.b64decode(payload, validate=True)
            return AESGCM(key).decrypt(raw[:12], raw[12:], ASSOCIATED_DATA).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError) as error:
            raise UnreadableValue(f"a value sealed with key '{key_id}' was altered") from error

    def is_current(self, stored: str) -> bool:
        return stored.startswith(f"{PREFIX}:{self.current}:")

    def index(self, value: str) -> str:
        """The keyed hash of ``value`` (normalised by the caller), for equality lookups."""
        return hmac.new(self.index_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


def new_key() -> str:
    """A fresh key, as written in SUIVI_DATA_KEYS or SUIVI_INDEX_KEY."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _decode_key(text: str, setting: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as error:
        raise KeySettingError(f"{setting}: a key is not valid base64") from error
    if len(key) != 32:
        raise KeySettingError(f"{setting}: each key must be 32 bytes (base64 of 32 random bytes)")
    return key


def keyring_from_settings(data_keys: str, index_key: str) -> Keyring:
    """``data_keys``: ``id:key,id:key`` (the first is current); ``index_key``: one key."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in data_keys.split(","))):
        key_id, sep, text = item.partition(":")
        if not sep or not KEY_ID.match(key_id):
            raise KeySettingError("SUIVI_DATA_KEYS: write each key as id:base64 (id of letters, "
                            "digits, '-' or '_'), the current one first")
        if key_id in keys:
            raise KeySettingError(f"SUIVI_DATA_KEYS: the key id '{key_id}' appears twice")
        keys[key_id] = _decode_key(text, "SUIVI_DATA_KEYS")
    if not keys:
        raise KeySettingError("SUIVI_DATA_KEYS: no key given")
    if not index_key.strip():
        raise KeySettingError("SUIVI_INDEX_KEY: no key given")
    return Keyring(keys, next(iter(keys)), _decode_key(index_key, "SUIVI_INDEX_KEY"))


_installed: Keyring | None = None


def install(keyring: Keyring) -> None:
    """The keyring the column types use (set by ``create_app``; one per process)."""
    global _installed
    _installed = keyring


def keyring() -> Keyring:
    if _installed is None:
        raise RuntimeError("no keyring installed: create the app first")
    return _installed


class SealedText(TypeDecorator[str]):
    """A text column stored sealed (see the module docstring); Python sees plain text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring().seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring().open(value)


class SealedJSON(TypeDecorator[Any]):
    """A JSON document stored sealed, for documents that carry a patient's or a nurse's
    own words (answers, notes, an alert's evidence). Nothing queries inside them."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring().seal(json.dumps(value, separators=(",", ":"), ensure_ascii=False))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        # A row written before sealing holds the JSON text itself, read the same way.
        return None if value is None else json.loads(keyring().open(value))
