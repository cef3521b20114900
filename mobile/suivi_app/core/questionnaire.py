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

# Readings measured together and asked on one page: blood pressure is one measurement that
# a home monitor shows as two numbers (the top one first).
ONE_PAGE: dict[str, str] = {"systolic_bp": "diastolic_bp"}

UNIT_LABELS = {"Cel": "°C", "mm[Hg]": "mmHg", "{score}": "", "/min": "/min"}


@dataclass(frozen=True)
class UnitSpec:
    factor: float  # a value in this unit × factor = the value in the reading's canonical unit
    decimals: int  # how precisely a home device shows it


# The units a patient may choose for a reading, as rules/units.py converts them (the
# canonical unit has factor 1). 1 g/L = 1000 / 180.16 mmol/L (molar mass of glucose).
GLUCOSE_MOLAR_MASS = 180.16
UNITS: dict[str, dict[str, UnitSpec]] = {
    "glucose": {"mmol/L": UnitSpec(1.0, 1), "g/L": UnitSpec(1000 / GLUCOSE_MOLAR_MASS, 2),
                "mg/dL": UnitSpec(10 / GLUCOSE_MOLAR_MASS, 0)},
}
# A reading task has no questionnaire item: the units it offers, first shown first (as the
# vitals questionnaire's item; French meters show g/L).
TASK_UNITS: dict[str, list[str]] = {"glucose": ["g/L", "mmol/L", "mg/dL"]}


def unit_label(item: dict, unit: str | None = None) -> str:
    """How a unit is shown (°C for Cel); ``unit`` None: the item's own unit."""
    unit = (unit or item.get("unit")) or ""
    return UNIT_LABELS.get(unit, unit)


def unit_choices(item: dict) -> list[str]:
    """The units the patient chooses from on the item's page (none: the item's unit)."""
    return list(item.get("units") or [])


def default_unit(item: dict) -> str | None:
    """The unit selected when the page opens: the item's first unit to choose, or its own."""
    choices = unit_choices(item)
    return choices[0] if choices else item.get("unit") or None


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


def _fmt(number: float, lang: str = "en") -> str:
    text = str(int(number)) if float(number).is_integer() else str(number)
    return text.replace(".", ",") if lang == "fr" else text


def _unit_spec(item: dict, unit: str | None) -> UnitSpec | None:
    """How ``unit`` converts to the item's canonical unit (None: the phone cannot tell)."""
    if not unit or unit == item.get("unit"):
        return UnitSpec(1.0, 1)
    return UNITS.get(item.get("reading") or "", {}).get(unit)


def _canonical(item: dict, value: float, spec: UnitSpec) -> float:
    """``value`` in the canonical unit, rounded half up as the server stores it (and then
    checks it) when the phone knows the canonical unit's resolution."""
    own = UNITS.get(item.get("reading") or "", {}).get(item.get("unit") or "")
    converted = value * spec.factor
    if own is None:
        return converted
    scale = 10 ** own.decimals
    return math.floor(converted * scale + 0.5) / scale


def _within(item: dict, value: float, unit: str | None) -> bool | None:
    spec = _unit_spec(item, unit)
    if spec is None:
        return None
    low, high = _bounds(item)
    canonical = _canonical(item, value, spec)
    return not ((low is not None and canonical < low) or (high is not None and canonical > high))


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


def _range_in(item: dict, unit: str | None, lang: str) -> dict[str, str]:
    """The item's bounds shown in ``unit``, at the precision of a home device."""
    low, high = _bounds(item)
    spec = _unit_spec(item, unit) or UnitSpec(1.0, 1)

    def shown(bound: float | None, infinite: float) -> str:
        if bound is None:
            return _fmt(infinite, lang)
        if spec.factor == 1.0:
            return _fmt(bound, lang)
        return _fmt(round(bound / spec.factor, spec.decimals) if spec.decimals
                    else float(round(bound / spec.factor)), lang)

    label = unit_label(item, unit)
    return {"min": shown(low, -math.inf), "max": shown(high, math.inf),
            "unit": f" {label}" if label else ""}


def problem(item: dict, value: Any, lang: str = "fr", unit: str | None = None) -> str | None:
    """What is wrong with ``value`` as the answer to ``item`` (None: nothing).

    ``unit`` is the unit the patient chose (None: the item's unit). A number outside what a
    home device can show is refused in that unit; when it would fit in another unit the
    item offers, the message says so (the patient may have tapped the wrong unit).
    """
    if _is_blank(value):
        return tr("q.required", lang) if item.get("required", True) else None
    if _number_kind(item) and _is_number(value):
        if _number_kind(item) == "integer" and not float(value).is_integer():
            return tr("q.whole", lang)
        if _within(item, value, unit) is False:
            message = tr("q.range", lang, **_range_in(item, unit, lang))
            meant = [f"{_fmt(value, lang)} {unit_label(item, other)}"
                     for other in unit_choices(item)
                     if other != (unit or item.get("unit")) and _within(item, value, other)]
            if meant:
                message += " " + tr("q.did_you_mean", lang,
                                    options=tr("q.or", lang).join(meant))
            return message
    max_length = item.get("max_length")
    if isinstance(value, str) and max_length and len(value.strip()) > max_length:
        return tr("q.too_long", lang, max=max_length)
    if item["type"] == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return tr("q.date", lang)
    return None


def _paired(items: list[dict], index: int) -> bool:
    """Whether ``items[index]`` shares its page with the next item (a blood pressure)."""
    partner = ONE_PAGE.get(items[index].get("reading") or "")
    return (partner is not None and index + 1 < len(items)
            and items[index + 1].get("reading") == partner)


class QuestionnaireSession:
    """One questionnaire being answered, one visible item per page."""

    def __init__(self, definition: dict, answers: dict[str, Any] | None = None,
                 lang: str = "fr") -> None:
        self.definition = definition
        self.lang = lang
        self.values: dict[str, Any] = {}
        self.units: dict[str, str] = {}  # the unit chosen per item, when not its default
        for link_id, value in (answers or {}).items():  # as sent: {value, unit} for readings
            if isinstance(value, dict) and "value" in value:
                self.values[link_id] = value["value"]
                if value.get("unit"):
                    self.units[link_id] = value["unit"]
            else:
                self.values[link_id] = value
        self.index = 0
        # reading → the unit of the patient's device, chosen once in the settings: selected
        # when a page offers it (the others stay one tap away).
        self.preferred_units: dict[str, str] = {}
        # Readings this patient is not asked (/me/today's not_asked: no carer counts their
        # breathing or judges their consciousness): their items are left out.
        self.not_asked: set[str] = set()
        # Items the protocol asks on other days only (the task's items_not_asked).
        self.items_not_asked: set[str] = set()

    def draft(self) -> dict[str, Any]:
        """What the patient has entered so far and where they are (kept when they leave)."""
        return {"values": dict(self.values), "units": dict(self.units), "index": self.index}

    def resume(self, draft: dict[str, Any]) -> None:
        """Back where the patient left off (a draft of the same questionnaire)."""
        known = {item["link_id"] for item in self.definition["items"]}
        self.values.update({k: v for k, v in draft.get("values", {}).items() if k in known})
        self.units.update({k: v for k, v in draft.get("units", {}).items() if k in known})
        self.index = max(0, min(int(draft.get("index", 0)), len(self.items) - 1))
        self.index = self._page_start()

    @classmethod
    def for_reading(cls, reading: str, lang: str = "fr") -> QuestionnaireSession:
        """A one-page session for a reading task (sent to /me/readings)."""
        item = {"link_id": reading, "type": "reading", "reading": reading, "required": True,
                "text": tr("reading.title", lang, name=reading_name(reading, lang)),
                "unit": {"temperature": "Cel", "weight": "kg", "spo2": "%",
                         "glucose": "mmol/L"}.get(reading, ""),
                "units": TASK_UNITS.get(reading, [])}
        return cls({"slug": None, "title": item["text"], "items": [item]}, lang=lang)

    @property
    def items(self) -> list[dict]:
        """The items shown for the current answers, in order."""
        shown: list[dict] = []
        answered: dict[str, Any] = {}  # as the server does: only answers to shown items count
        for item in self.definition["items"]:
            if item.get("reading") in self.not_asked or item["link_id"] in self.items_not_asked:
                continue
            condition = item.get("enable_when")
            if condition is None or condition_met(condition, answered):
                shown.append(item)
                answered[item["link_id"]] = self.values.get(item["link_id"])
        return shown

    @property
    def current(self) -> dict:
        """The first item of the current page."""
        items = self.items
        self.index = min(self.index, len(items) - 1)
        return items[self.index]

    def _starts(self) -> list[int]:
        """Where each page starts in ``items``: one item a page, except the readings of
        ONE_PAGE, shown with their partner when it follows."""
        items, starts, index = self.items, [], 0
        while index < len(items):
            starts.append(index)
            index += 2 if _paired(items, index) else 1
        return starts

    @property
    def page(self) -> list[dict]:
        """The items of the current page (two for a blood pressure)."""
        items, _ = self.items, self.current
        return items[self.index:self.index + (2 if _paired(items, self.index) else 1)]

    @property
    def position(self) -> tuple[int, int]:
        starts = self._starts()
        self.current  # noqa: B018 (clamps the index)
        return starts.index(self._page_start()) + 1, len(starts)

    def _page_start(self) -> int:
        return max(s for s in self._starts() if s <= self.index)

    @property
    def is_last(self) -> bool:
        return self.index + len(self.page) >= len(self.items)

    def value(self, link_id: str | None = None) -> Any:
        return self.values.get(link_id or self.current["link_id"])

    def set(self, value: Any) -> None:
        self.values[self.current["link_id"]] = value

    def unit(self, link_id: str | None = None) -> str | None:
        """The unit of an item's answer: the one chosen, else the item's default."""
        item = self._item(link_id or self.current["link_id"])
        preferred = self.preferred_units.get(item.get("reading") or "")
        if preferred not in unit_choices(item):
            preferred = None
        return self.units.get(item["link_id"]) or preferred or default_unit(item)

    def set_unit(self, unit: str) -> None:
        """The patient taps one of the current item's units."""
        if unit not in unit_choices(self.current):
            raise ValueError(f"{unit!r} is not a unit of {self.current['link_id']}")
        self.units[self.current["link_id"]] = unit

    def _item(self, link_id: str) -> dict:
        return next(i for i in self.definition["items"] if i["link_id"] == link_id)

    def set_text(self, text: str, link_id: str | None = None) -> str | None:
        """Store typed text for an item of the page (default: its first); the message to
        show if it is not valid."""
        item = self._item(link_id) if link_id else self.current
        try:
            self.values[item["link_id"]] = parse(item, text)
        except ValueError as exc:
            key, values = exc.args[0]
            self.values[item["link_id"]] = None
            return tr(key, self.lang, **values)
        return problem(item, self.values[item["link_id"]], self.lang, self.unit(item["link_id"]))

    def next(self) -> str | None:
        """Go to the next page, or say what is missing on this one."""
        for item in self.page:
            message = problem(item, self.value(item["link_id"]), self.lang,
                              self.unit(item["link_id"]))
            if message is not None:
                return message
        if not self.is_last:
            self.index += len(self.page)
        return None

    def previous(self) -> None:
        self.current  # noqa: B018 (clamps the index)
        earlier = [s for s in self._starts() if s < self.index]
        self.index = earlier[-1] if earlier else 0

    def go_to(self, link_id: str) -> None:
        """To the page that shows ``link_id``."""
        ids = [item["link_id"] for item in self.items]
        if link_id in ids:
            self.index = max(s for s in self._starts() if s <= ids.index(link_id))

    def problems(self) -> dict[str, str]:
        return {item["link_id"]: message for item in self.items
                if (message := problem(item, self.values.get(item["link_id"]), self.lang,
                                       self.unit(item["link_id"])))}

    def answers(self) -> dict[str, Any]:
        """What is sent: visible, non-blank answers (text trimmed).

        A measured value goes with the unit the patient saw (``{value, unit}``), so that
        1,2 on a g/L meter is never taken for 1.2 mmol/L.
        """
        sent = {}
        for item in self.items:
            value = self.values.get(item["link_id"])
            if isinstance(value, str):
                value = value.strip()
            if _is_blank(value):
                continue
            unit = self.unit(item["link_id"])
            if item["type"] == "reading" and _number_kind(item) and unit:
                value = {"value": value, "unit": unit}
            sent[item["link_id"]] = value
        return sent
