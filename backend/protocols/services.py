"""Published protocol versions: loading the shipped ones, listing, publishing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend import db
from backend.clock import now
from backend.protocols.models import ProtocolVersion


def store_protocol_version(slug: str, version: int, title: dict[str, str],
                           definition: dict[str, Any], published_by=None) -> bool:
    """Store a version once; True if it was new. A stored version is never changed."""
    session = db.session()
    existing = session.scalar(select(ProtocolVersion).where(ProtocolVersion.slug == slug,
                                                            ProtocolVersion.version == version))
    if existing is not None:
        if existing.definition != definition:
            raise ValueError(f"protocol {slug} version {version} is already published with a "
                             "different content; publish it as a new version")
        return False
    session.add(ProtocolVersion(slug=slug, version=version, title_fr=title["fr"],
                                title_en=title["en"], definition=definition,
                                published_by=published_by, created_at=now()))
    return True


def load_shipped_content() -> str:
    """Load the shipped protocols (idempotent); returns a one-line summary."""
    from rules.loader import load_content

    content = load_content()
    added = 0
    for slug, versions in content.protocols.items():
        for version, protocol in versions.items():
            raw = content.raw["protocols"][slug][version]
            added += store_protocol_version(slug, version,
                                            {"fr": protocol.title.fr, "en": protocol.title.en},
                                            raw)
    return (f"{added} protocol version(s) added, "
            f"{len(content.questionnaires)} questionnaires checked")
