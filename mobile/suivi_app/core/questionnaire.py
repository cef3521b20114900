"""Answering a questionnaire on the phone: which items show, local checks, page by page.

It mirrors the server's rules (rules/questionnaire.py) so the patient hears about a
missing or impossible answer on the page itself, not after sending: an item whose
``enable_when`` is not met is hidden and its answer left out, blank optional items are
left out, numbers must be within the item's bounds (and a reading within what a home
device can show). The server checks everything again; a refusal comes back through the
outbox (see outbox.Item.needs_fix).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from suivi_app.core.i18n import reading_name, tr


@dataclass(frozen=True)
class ReadingSpec:
    kind: str  # integer | decimal | boolean | code
    low: float | None = None
    high: float | None = None


# The plausible ranges of rules/units.py (what a home device can display), in canonical units.
READINGS: dict[str, ReadingSpec] = {
    "temperature": ReadingSpec("decimal", 25, 45),
    "heart_rate": ReadingSpec("integer", 20, 250),
    "respiratory_rate": ReadingSpec("integer", 4, 70),
    "systolic_bp": ReadingSpec("integer", 50, 300),
    "diastolic_bp": ReadingSpec("integer", 20, 200),
    "spo2": ReadingSpec("integer", 50, 100),
    "weight": ReadingSpec("decimal", 2, 400),
    "glucose": ReadingSpec("decimal", 0.5, 40),
    "pain": ReadingSpec("integer", 0, 10),
    "consciousness": ReadingSpec("code"),
    "supplemental_oxygen": ReadingSpec("boolean"),
}

UNIT_LABELS = {"Cel": "°C", "mm[Hg]": "mmHg", "{score}": "", "/min": "/min"}


def unit_label(item: dict) -> str:
    unit = item.get("unit") or ""
    return UNIT_LABELS.get(unit, unit)


def _number_kind(item: dict) -> str | None:
    if item["type"] in ("integer", "decimal"):
        return item["type"]
    if item["type"] == "reading":
        kind = READINGS.get(item.get("reading") or "", ReadingSpec("decimal")).kind
        return kind if kind in ("integer", "decimal") else None
    return None


def _bounds(item: dict) -> tuple[float | None, float | None]:
    low, high = item.get("min"), item.get("max")
    spec = READINGS.get(item.get("reading") or "") if item["type"] == "reading" else None
    if spec is not None:
        low = spec.low if low is None else max(float(low), _or(spec.low, -math.inf))
        high = spec.high if high is None else min(float(high), _or(spec.high, math.inf))
    return (None if low is None else float(low)), (None if high is None else float(high))


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def input_kind(item: dict) -> str:
    """How the page asks: scale, yes_no, choice, multi_choice, number, text or date."""
    if item["type"] == "boolean":
        return "yes_no"
    if item["type"] in ("choice", "multi_choice"):
        return item["type"]
    if item["type"] == "reading":
        kind = READINGS.get(item.get("reading") or "", ReadingSpec("decimal")).kind
        if kind == "boolean":
            return "yes_no"
        if kind == "code" or item.get("choices"):
            return "choice"
    if _number_kind(item) == "integer":
        low, high = _bounds(item)
        if low is not None and high is not None and 0 < high - low <= 10:
            return "scale"
    if _number_kind(item):
        return "number"
    return "date" if item["type"] == "date" else "text"


def scale_values(item: dict) -> list[int]:
    low, high = _bounds(item)
    return list(range(int(low or 0), int(high or 10) + 1))


# -- enable_when (same semantics as rules.questionnaire.condition_met) ---------------------
def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare(answer: Any, op: str, value: Any) -> bool:
    if op == "in":
        selected = answer if isinstance(answer, list) else [answer]
        return any(a in value for a in selected)
    if op == "==":
        return answer == value
    if op == "!=":
        return answer != value
    if not _is_number(answer):
        return False
    if op == "between":
        return value[0] <= answer <= value[1]
    return {">": answer > value, ">=": answer >= value,
            "<": answer < value, "<=": answer <= value}[op]


def condition_met(condition: dict, answers: dict[str, Any]) -> bool:
    """Whether an item's ``enable_when`` holds; an unanswered item satisfies nothing."""
    if "all" in condition:
        return all(condition_met(c, answers) for c in condition["all"])
    if "any" in condition:
        return any(condition_met(c, answers) for c in condition["any"])
    if "not" in condition:
        return not condition_met(condition["not"], answers)
    answer = answers.get(condition["answer"])
    if _is_blank(answer):
        return False
    return _compare(answer, condition.get("op") or "==", condition.get("value"))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list) and not value)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# -- checking one answer -------------------------------------------------------------------
def parse(item: dict, text: str) -> Any:
    """The typed value of what the patient typed (French decimal comma accepted).

    Raises ValueError with the message key and values to show.
    """
    text = text.strip()
    if not text:
        return None
    kind = _number_kind(item)
    if kind:
        try:
            number = float(text.replace(",", ".", 1))
        except ValueError:
            raise ValueError(("q.not_number", {"text": text})) from None
        if not math.isfinite(number):
            raise ValueError(("q.not_number", {"text": text}))
        if kind == "integer":
            if not number.is_integer():
                raise ValueError(("q.whole", {}))
            return int(number)
        return number
    return text


def problem(item: dict, value: Any, lang: str = "fr") -> str | None:
    """What is wrong with ``value`` as the answer to ``item`` (None: nothing)."""
    if _is_blank(value):
        return tr("q.required", lang) if item.get("required", True) else None
    if _number_kind(item) and _is_number(value):
        if _number_kind(item) == "integer" and not float(value).is_integer():
            return tr("q.whole", lang)
        low, high = _bounds(item)
        if (low is not None and value < low) or (high is not None and value > high):
            unit = unit_label(item)
            return tr("q.range", lang, min=_fmt(low if low is not None else -math.inf),
                      max=_fmt(high if high is not None else math.inf),
                      unit=f" {unit}" if unit else "")
    max_length = item.get("max_length")
    if isinstance(value, str) and max_length and len(value.strip()) > max_length:
        return tr("q.too_long", lang, max=max_length)
    if item["type"] == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return tr("q.date", lang)
    return None


class QuestionnaireSession:
    """One questionnaire being answered, one visible item per page."""

    def __init__(self, definition: dict, answers: dict[str, Any] | None = None,
                 lang: str = "fr") -> None:
        self.definition = definition
        self.lang = lang
        self.values: dict[str, Any] = dict(answers or {})
        self.index = 0

    @classmethod
    def for_reading(cls, reading: str, lang: str = "fr") -> QuestionnaireSession:
        """A one-page session for a reading task (sent to /me/readings)."""
        item = {"link_id": reading, "type": "reading", "reading": reading, "required": True,
                "text": tr("reading.title", lang, name=reading_name(reading, lang)),
                "unit": {"temperature": "Cel", "weight": "kg", "spo2": "%",
                         "glucose": "mmol/L"}.get(reading, "")}
        return cls({"slug": None, "title": item["text"], "items": [item]}, lang=lang)

    @property
    def items(self) -> list[dict]:
        """The items shown for the current answers, in order."""
        shown: list[dict] = []
        answered: dict[str, Any] = {}  # as the server does: only answers to shown items count
        for item in self.definition["items"]:
            condition = item.get("enable_when")
            if condition is None or condition_met(condition, answered):
                shown.append(item)
                answered[item["link_id"]] = self.values.get(item["link_id"])
        return shown

    @property
    def current(self) -> dict:
        items = self.items
        self.index = min(self.index, len(items) - 1)
        return items[self.index]

    @property
    def position(self) -> tuple[int, int]:
        return self.index + 1, len(self.items)

    @property
    def is_last(self) -> bool:
        return self.index >= len(self.items) - 1

    def value(self, link_id: str | None = None) -> Any:
        return self.values.get(link_id or self.current["link_id"])

    def set(self, value: Any) -> None:
        self.values[self.current["link_id"]] = value

    def set_text(self, text: str) -> str | None:
        """Store typed text for the current item; the message to show if it is not valid."""
        try:
            self.set(parse(self.current, text))
        except ValueError as exc:
            key, values = exc.args[0]
            self.set(None)
            return tr(key, self.lang, **values)
        return problem(self.current, self.value(), self.lang)

    def next(self) -> str | None:
        """Go to the next page, or say what is missing on this one."""
        message = problem(self.current, self.value(), self.lang)
        if message is None and not self.is_last:
            self.index += 1
        return message

    def previous(self) -> None:
        self.index = max(0, self.index - 1)

    def go_to(self, link_id: str) -> None:
        ids = [item["link_id"] for item in self.items]
        if link_id in ids:
            self.index = ids.index(link_id)

    def problems(self) -> dict[str, str]:
        return {item["link_id"]: message for item in self.items
                if (message := problem(item, self.values.get(item["link_id"]), self.lang))}

    def answers(self) -> dict[str, Any]:
        """What is sent: visible, non-blank answers (text trimmed)."""
        sent = {}
        for item in self.items:
            value = self.values.get(item["link_id"])
            if isinstance(value, str):
                value = value.strip()
            if not _is_blank(value):
                sent[item["link_id"]] = value
        return sent
