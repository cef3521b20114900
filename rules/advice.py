"""What to tell the patient now, from the findings of one evaluation.

Only findings with new evidence speak to the patient (yesterday's fever was answered
yesterday); one card per rule group; an emergency ("call 15 now") hides the other cards,
so "a nurse will call you within the hour" never stands beside "call 15 now".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rules.model import SEVERITY_RANK, Finding


@dataclass(frozen=True)
class Advice:
    """The cards to show now (highest first) and whether to show the red "call 15" banner."""

    cards: tuple[Finding, ...]
    call_emergency: bool


def patient_advice(findings: Sequence[Finding]) -> Advice:
    """The advice of ``findings`` (as ``evaluate`` returns them, one per group)."""
    cards: list[Finding] = []
    for finding in findings:
        new = [m for m in finding.members() if m.new]
        if new:
            cards.append(new[0])  # members are ordered highest first
    call_emergency = any(card.emergency for card in cards)
    if call_emergency:
        cards = [card for card in cards if card.emergency]
    cards.sort(key=lambda c: -SEVERITY_RANK[c.severity])
    seen: set[tuple[str, str]] = set()
    unique = []
    for card in cards:
        text = (card.advice.fr, card.advice.en)
        if text not in seen:
            seen.add(text)
            unique.append(card)
    return Advice(tuple(unique), call_emergency)
