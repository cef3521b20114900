"""Stored definitions → validated rules objects, parsed once per process.

A stored protocol version is immutable, so its parsed ``rules.Protocol`` can be cached
by row id for the life of the process.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from rules.loader import load_questionnaire, parse_protocol
from rules.model import Questionnaire
from rules.protocol import Protocol

_protocols: dict[uuid.UUID, Protocol] = {}
_lock = threading.Lock()


def snapshot(raw_protocol: dict[str, Any], protocol: Protocol,
             raw_questionnaires: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What is stored for a protocol version: itself and the questionnaires it uses."""
    return {"protocol": raw_protocol,
            "questionnaires": {slug: raw_questionnaires[slug]
                               for slug in sorted(protocol.questionnaires)}}


def parse_stored(definition: dict[str, Any], source: str) -> Protocol:
    questionnaires = questionnaires_from(definition["questionnaires"])
    return parse_protocol(definition["protocol"], questionnaires, source)


def questionnaires_from(raw: dict[str, dict[str, Any]]) -> dict[str, Questionnaire]:
    return {slug: load_questionnaire(data, f"{slug}.yaml") for slug, data in raw.items()}


def protocol_of(row: Any) -> Protocol:
    """The parsed protocol of a ``ProtocolVersion`` row (cached)."""
    cached = _protocols.get(row.id)
    if cached is None:
        cached = parse_stored(row.definition, f"{row.slug}.v{row.version}")
        with _lock:
            _protocols[row.id] = cached
    return cached
