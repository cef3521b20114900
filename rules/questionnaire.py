"""Check a patient's answers against a questionnaire; turn reading items into readings.

Answers arrive as JSON. ``validate_answers`` refuses anything ambiguous (``"yes"`` for a
boolean, ``true`` for a number, an answer to a question that was not shown) and lists
every bad field at once, so the app can highlight them all in one round trip.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rules.model import Item, ItemCondition, Questionnaire, Reading
from rules.units import ReadingError, normalise_reading, normalise_value, to_decimal


class AnswerError(ValueError):
    """Invalid answers; ``errors`` maps each bad link_id to an English message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


def _fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return str(value)


def _compare(answer: Any, op: str, value: Any) -> bool:
    """``answer op value`` for one answer; a wrong-typed answer never satisfies it."""
    if op == "in":
        selected = answer if isinstance(answer, list | tuple) else [answer]
        return any(a in value for a in selected)
    if op == "==":
        return answer == value
    if op == "!=":
        return answer != value
    if not isinstance(answer, Decimal):
        return False
    if op == "between":
        return value[0] <= answer <= value[1]
    return {
        ">": answer > value, ">=": answer >= value, "<": answer < value, "<=": answer <= value,
    }[op]


def condition_met(cond: ItemCondition, answers: Mapping[str, Any]) -> bool:
    """Whether ``cond`` holds for cleaned ``answers``.

    An unanswered item satisfies no comparison, so an item that depends on it stays
    hidden (``not`` inverts that, as written).
    """
    if cond.kind == "all":
        return all(condition_met(c, answers) for c in cond.conditions)
    if cond.kind == "any":
        return any(condition_met(c, answers) for c in cond.conditions)
    if cond.kind == "not":
        return not condition_met(cond.conditions[0], answers)
    answer = answers.get(cond.link_id) if cond.link_id else None
    if answer is None:
        return False
    return _compare(answer, cond.op or "==", cond.value)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple) and not value)


def _clean(item: Item, value: Any) -> Any:
    """The cleaned value of one answer; raises ValueError with the message to show."""
    name = item.link_id
    if item.type in ("integer", "decimal"):
        number = to_decimal(value, name)
        if item.type == "integer":
            if number != number.to_integral_value():
                raise ValueError(f"{name}: {_fmt(number)} is not a whole number")
            try:
                number = number.quantize(Decimal(1))
            except InvalidOperation:  # more digits than the decimal context holds
                raise ValueError(f"{name}: this number is out of range") from None
        _check_bounds(item, number)
        return number
    if item.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{name}: expected true or false, got {value!r}")
        return value
    if item.type == "choice":
        if not isinstance(value, str) or item.choice(value) is None:
            raise ValueError(f"{name}: {value!r} is not one of {_codes(item)}")
        return value
    if item.type == "multi_choice":
        if not isinstance(value, list | tuple):
            raise ValueError(f"{name}: expected a list of choices among {_codes(item)}")
        bad = [v for v in value if not isinstance(v, str) or item.choice(v) is None]
        if bad:
            raise ValueError(f"{name}: {_fmt(bad[0])!r} is not one of {_codes(item)}")
        return [c.code for c in item.choices if c.code in value]  # questionnaire order, no dups
    if item.type == "text":
        if not isinstance(value, str):
            raise ValueError(f"{name}: expected text")
        text = value.strip()
        if item.max_length is not None and len(text) > item.max_length:
            raise ValueError(f"{name}: {len(text)} characters is above the maximum "
                             f"{item.max_length}")
        return text
    if item.type == "date":
        return _date(name, value)
    if item.type == "reading":
        return _reading_value(item, value)
    raise ValueError(f"{name}: unsupported item type {item.type!r}")  # loader prevents this


def _codes(item: Item) -> str:
    return ", ".join(c.code for c in item.choices)


def _check_bounds(item: Item, number: Decimal) -> None:
    if item.min is not None and number < item.min:
        raise ValueError(f"{item.link_id}: {_fmt(number)} is below the minimum {_fmt(item.min)}")
    if item.max is not None and number > item.max:
        raise ValueError(f"{item.link_id}: {_fmt(number)} is above the maximum {_fmt(item.max)}")


def _date(name: str, value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{name}: {value!r} is not a date in ISO 8601 format (YYYY-MM-DD)")


def _reading_value(item: Item, value: Any) -> Decimal | bool | str:
    """A reading item's answer: a bare value in the item's ``unit`` (the canonical unit of
    the reading), or ``{value, unit}`` in any unit accepted for the reading (the item's
    ``units`` are those offered to the patient, e.g. glucose in g/L, mmol/L or mg/dL).
    A numeric string may use the decimal comma ("1,2")."""
    unit = item.unit
    if isinstance(value, Mapping):
        if set(value) - {"value", "unit"} or "value" not in value:
            raise ValueError(f"{item.link_id}: expected a value or {{value, unit}}")
        unit, value = value.get("unit", unit), value["value"]
    assert item.reading is not None  # the loader guarantees it for reading items
    try:
        canonical = normalise_value(item.reading, value, unit)
    except ReadingError as exc:
        # "temperature 385 Cel is outside..." → "temperature: 385 Cel is outside..."
        message = exc.message.removeprefix(f"{item.reading}: ").removeprefix(f"{item.reading} ")
        raise ValueError(f"{item.link_id}: {message}") from None
    if isinstance(canonical, Decimal):
        _check_bounds(item, canonical)
    return canonical


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, Any],
                     asked: Collection[str] | None = None) -> dict[str, Any]:
    """Cleaned answers of one submission, or :class:`AnswerError` listing every bad field.

    ``asked``: the items the patient was asked (an SMS form asks a few), when not all of
    them; an item not asked is not required, it stays unanswered.

    Checks unknown link_ids, types, bounds, choices and required items. ``enable_when``
    is respected: a hidden item is not required and an answer to it is refused. Blank
    answers (null, "", []) count as unanswered and are left out of the result. Cleaned
    values: Decimal for numbers and numeric readings (canonical unit), the code for a
    choice, a list of codes for a multiple choice, ``date`` for a date.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError({"answers": "answers: expected an object {link_id: value}"})
    errors: dict[str, str] = {}
    known = set(questionnaire.link_ids)
    for link_id in answers:
        if link_id not in known:
            errors[str(link_id)] = (f"{link_id}: not an item of questionnaire "
                                    f"{questionnaire.slug}")
    cleaned: dict[str, Any] = {}
    for item in questionnaire.items:
        value = answers.get(item.link_id)
        shown = True
        if item.enable_when is not None:
            # A condition on an answer that was itself refused cannot be decided: check the
            # value but do not demand it, the first error is what the patient must fix.
            undecided = any(ref in errors for ref in item.enable_when.link_ids())
            shown = undecided or condition_met(item.enable_when, cleaned)
            if undecided and _is_blank(value):
                continue
        if not shown:
            if not _is_blank(value):
                errors[item.link_id] = (f"{item.link_id}: not asked for these answers "
                                        "(its condition is not met); leave it out")
            continue
        if _is_blank(value):
            if item.required and (asked is None or item.link_id in asked):
                errors[item.link_id] = f"{item.link_id}: required"
            continue
        try:
            cleaned[item.link_id] = _clean(item, value)
        except ValueError as exc:
            errors[item.link_id] = str(exc)
    if not errors and len(cleaned) < questionnaire.min_answers:
        errors["answers"] = (f"answers: at least {questionnaire.min_answers} of the items "
                             "must be answered")
    if errors:
        raise AnswerError(errors)
    return cleaned


def stored_answers(questionnaire: Questionnaire, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as :func:`validate_answers` cleaned them, from the JSON they were stored as
    (``rules.model.json_value``), without checking them again: they were checked when
    received. Numbers become Decimals again (whole for integer items), readings are
    rounded to their resolution as when received (38 is 38.0 °C), dates become ``date``;
    other values were stored as cleaned. A value that no longer converts, or a link_id the
    questionnaire does not know, is kept as stored.

    Every submission reads its patient's whole window back, so each distinct value is
    converted once per questionnaire (``Questionnaire.restored``; a conversion depends on
    the item and the value alone, and the values an item takes are few)."""
    items = questionnaire.items_by_link_id
    restored = questionnaire.restored
    cleaned: dict[str, Any] = {}
    for link_id, value in stored.items():
        item = items.get(link_id)
        if item is None or item.type not in _RESTORED or value is None:
            cleaned[link_id] = value
            continue
        # A float by its repr: 0.0 and -0.0 are equal, and a value kept as stored keeps
        # its sign.
        key = (link_id, value.__class__, repr(value) if value.__class__ is float else value)
        try:
            cleaned[link_id] = restored[key]
            continue
        except (KeyError, TypeError):  # TypeError: a value JSON made a list or an object
            pass
        try:
            cleaned[link_id] = result = _clean(item, value)
        except ValueError:
            cleaned[link_id] = result = value
        with contextlib.suppress(TypeError):
            if len(restored) < RESTORED_LIMIT:
                restored[key] = result
    return cleaned


# At most this many values are kept per questionnaire (numbers, readings and dates only).
RESTORED_LIMIT = 4096


# The item types whose cleaned value JSON does not keep as it is.
_RESTORED = frozenset({"integer", "decimal", "reading", "date"})


def asked_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """``answers`` without the answers to items that these same answers leave hidden.

    For a form that shows every item at once (a web page without script, each
    conditional question with its condition in words): a patient may answer "where does
    it hurt?" and then pain 0. ``validate_answers`` refuses such an answer (the app never
    sends one); this drops it, in item order, as the app would have hidden the item. An
    answer that cannot be read decides no condition (``validate_answers`` then names it).
    Answers to unknown link_ids are kept, for ``validate_answers`` to refuse.
    """
    known = set(questionnaire.link_ids)
    kept = {key: value for key, value in answers.items() if key not in known}
    cleaned: dict[str, Any] = {}
    for item in questionnaire.items:
        if item.link_id not in answers:
            continue
        if item.enable_when is not None and not condition_met(item.enable_when, cleaned):
            continue
        value = kept[item.link_id] = answers[item.link_id]
        if not _is_blank(value):
            with contextlib.suppress(ValueError):
                cleaned[item.link_id] = _clean(item, value)
    return kept


def readings_from_answers(questionnaire: Questionnaire, answers: Mapping[str, Any],
                          measured_at: datetime | str) -> list[Reading]:
    """The readings a submission carries: one per answered ``reading`` item, in item order.

    ``answers`` are cleaned answers (canonical units); raw answers are normalised too.
    """
    readings = []
    for item in questionnaire.items:
        if item.type != "reading" or _is_blank(answers.get(item.link_id)):
            continue
        assert item.reading is not None
        value = answers[item.link_id]
        unit = item.unit
        if isinstance(value, Mapping):
            unit, value = value.get("unit", unit), value.get("value")
        readings.append(normalise_reading(item.reading, value, unit, measured_at))
    return readings
