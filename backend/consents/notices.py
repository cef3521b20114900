"""The information notices a patient reads before consenting, as data
(questionnaires/notices/<kind>.v<version>.yaml, validated by the content tests)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import yaml

from questionnaires import CONTENT_DIR

NOTICES_DIR = CONTENT_DIR / "notices"


@dataclass(frozen=True)
class Notice:
    kind: str
    version: int
    title: dict[str, str]
    text: dict[str, str]


@functools.cache
def notices() -> dict[tuple[str, int], Notice]:
    """Every shipped notice by (kind, version)."""
    found = {}
    for path in sorted(NOTICES_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[raw["kind"], raw["version"]] = Notice(raw["kind"], raw["version"], raw["title"],
                                                    raw["text"])
    return found


def notice(kind: str, version: int) -> Notice | None:
    return notices().get((kind, version))


def current(kind: str = "telesurveillance") -> Notice:
    """The latest version of a kind of notice: the one given to patients enrolled now."""
    return max((n for n in notices().values() if n.kind == kind), key=lambda n: n.version)
