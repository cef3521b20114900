"""The values each rule input can take, and whether a threshold can still fire within them.

A per-patient override is a surgeon's decision about one patient; it must never be a
silent way of turning a rule off. ``pain_now >= 11`` looks like a high threshold but can
never be true on a 0-10 scale, and ``fever`` with ``temperature >= 60`` never fires: such
values are refused, naming the range. The ranges are those the data itself can take:
a questionnaire item's ``min``/``max``, a reading type's plausible range
(``rules.units``), a score's published range (``rules.scores``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from rules.conditions import Missing, Rule, Subject, Threshold, Trend
from rules.loader_protocol import RuleChecker
from rules.protocol import Protocol, subject_unit
from rules.units import READING_TYPES

Bounds = tuple[Decimal | None, Decimal | None]

# Published ranges of the scores of rules.scores: NEWS2 (RCP 2017) 0-20 with a single
# parameter scoring 0-3; QoR-15 (Stark 2013) 0-150; PHQ-9 (Kroenke 2001) 0-27; pain NRS 0-10.
SCORE_RANGES: Mapping[str, Mapping[str, Bounds]] = {
    "news2": {"total": (Decimal(0), Decimal(20)), "max_parameter": (Decimal(0), Decimal(3))},
    "qor15": {"total": (Decimal(0), Decimal(150))},
    "phq9": {"total": (Decimal(0), Decimal(27))},
    "pain_nrs": {"total": (Decimal(0), Decimal(10))},
}


def subject_range(protocol: Protocol, subject: Subject) -> Bounds | None:
    """The lowest and highest value ``subject`` can take (either side None when unbounded);
    None when it is not a number (a choice code, a yes/no answer, a score's band)."""
    if subject.kind == "score":
        return SCORE_RANGES.get(subject.head, {}).get(subject.tail)
    if subject.kind == "reading":
        return _reading_range(subject.ref)
    item = protocol.item(subject.head, subject.tail)
    if item is None:
        return None
    if item.type in ("integer", "decimal"):
        return None if item.min is None and item.max is None else (item.min, item.max)
    if item.type == "reading" and item.reading:
        return _reading_range(item.reading)
    if item.type == "choice" and item.choices and all(c.score is not None
                                                      for c in item.choices):
        scores = [Decimal(c.score) for c in item.choices]
        return min(scores), max(scores)
    return None


def _reading_range(reading: str) -> Bounds | None:
    rtype = READING_TYPES.get(reading)
    if rtype is None or rtype.kind not in ("decimal", "integer"):
        return None
    return rtype.plausible_min, rtype.plausible_max


def override_problem(protocol: Protocol, rule: Rule, leaf: Any, value: Any) -> str | None:
    """Why ``value`` (already parsed like the protocol's own) cannot replace ``leaf`` of
    ``rule`` for one patient, or None when it can: it must lie within the range of what
    the rule reads, and leave the rule able to fire.

    ``>=`` a maximum is allowed (it fires at the maximum); ``>`` the maximum, ``<`` the
    minimum, or any value beyond the range, is not. A trend's change must fit within the
    range; a missing-data delay within the history the protocol evaluates.
    """
    if isinstance(leaf, Missing):
        return _missing_problem(protocol, leaf, value)
    name = leaf.subject.ref
    bounds = subject_range(protocol, leaf.subject)
    unit = subject_unit(protocol, leaf.subject)
    if isinstance(leaf, Trend):
        if bounds is None or None in bounds or value is None:
            return None
        span = bounds[1] - bounds[0]
        if value > span:
            return (f"a change of {value} can never happen: {name} takes values from "
                    f"{_show(bounds, unit)}, so the rule would never fire")
        return None
    assert isinstance(leaf, Threshold)
    issues: list[tuple[str, str]] = []
    checker = RuleChecker(protocol.questionnaires, protocol.questionnaires, protocol.schedule)
    kind = checker.subject(leaf.subject, "value", issues)
    if kind is not None:
        checker.op_value(replace(leaf, value=value), kind, issues)
    if issues:
        return issues[0][1]
    if bounds is None or kind is None or kind[0] not in ("number", "code"):
        return None
    return _numeric_problem(leaf.op, value, bounds, name, unit)


def _numeric_problem(op: str, value: Any, bounds: Bounds, name: str,
                     unit: str | None) -> str | None:
    lo, hi = bounds
    values = value if isinstance(value, tuple | frozenset) else (value,)
    if not all(isinstance(v, Decimal) for v in values):
        return None
    for v in values:
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            return f"{v} is outside the range of {name} ({_show(bounds, unit)})"
    (v, *_) = values
    never = ((op == ">" and hi is not None and v >= hi)
             or (op == "<" and lo is not None and v <= lo))
    if never:
        edge = "at most" if op == ">" else "at least"
        return (f"{name} {op} {v} can never be true ({name} is {edge} "
                f"{hi if op == '>' else lo}): the rule would never fire")
    return None


def _missing_problem(protocol: Protocol, leaf: Missing, hours: Any) -> str | None:
    if not isinstance(hours, Decimal):
        return None
    task = leaf.questionnaire or leaf.reading
    days = next((e.days for e in protocol.schedule if e.task == task), (0,))
    gap = max((b - a for a, b in zip(days, days[1:], strict=False)), default=1)
    # The rules see (window_days + 1) days of tasks: a later deadline falls outside them.
    limit = Decimal(24 * (protocol.window_days + 1 - gap))
    if hours > limit:
        return (f"{hours} h after the due time is beyond the {limit} h of history this "
                "protocol evaluates: the rule would never fire")
    return None


def _show(bounds: Bounds, unit: str | None) -> str:
    lo, hi = bounds
    text = f"{'…' if lo is None else lo}–{'…' if hi is None else hi}"
    return f"{text} {unit}" if unit else text
