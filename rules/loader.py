"""Load all shipped content: questionnaires first, then the protocols that use them.

The questionnaire side lives in ``rules.loader_questionnaire`` and the protocol side in
``rules.loader_protocol``; this module is the one entry point the backend imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from questionnaires import CONTENT_DIR
from rules.loader_protocol import load_protocol_file, load_protocols, parse_protocol
from rules.loader_questionnaire import load_questionnaire, load_questionnaires
from rules.model import ContentError, ContentIssue, Questionnaire
from rules.protocol import Protocol

__all__ = [
    "Content",
    "ContentError",
    "ContentIssue",
    "load_content",
    "load_protocol_file",
    "load_protocols",
    "load_questionnaire",
    "load_questionnaires",
    "parse_protocol",
]


@dataclass(frozen=True)
class Content:
    """Every questionnaire and protocol version, plus the parsed YAML for DB storage.

    ``raw`` is ``{"questionnaires": {slug: dict}, "protocols": {slug: {version: dict}}}``.
    """

    questionnaires: dict[str, Questionnaire]
    protocols: dict[str, dict[int, Protocol]]
    raw: dict[str, dict] = field(default_factory=dict)


def load_content(directory: Path = CONTENT_DIR) -> Content:
    """Load and validate ``directory/instruments`` then ``directory/protocols``.

    Raises one :class:`ContentError` with every issue of every file; protocols are not
    checked while a questionnaire is broken, since their references would be misleading.
    """
    questionnaires, raw_questionnaires = load_questionnaires(directory / "instruments")
    protocols, raw_protocols = load_protocols(questionnaires, directory / "protocols")
    return Content(
        questionnaires=questionnaires,
        protocols=protocols,
        raw={"questionnaires": raw_questionnaires, "protocols": raw_protocols},
    )
