"""A questionnaire as the fields of the patients' web form, asked as the app asks each
item (mobile/suivi_app/core/questionnaire.py): a 0-10 scale as big radio buttons, yes/no,
choices, a number with its unit (and the unit to choose when the reading has several),
text; and what the form posted, back as the answers the submission service takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict

from backend.web.i18n import _, lang, number
from backend.web.labels import unit_of
from rules.model import Item, ItemCondition, Questionnaire
from rules.units import READING_TYPES


@dataclass
class Field:
    item: Item
    kind: str  # scale | yes_no | choice | multi_choice | number | text | date
    label: str
    help: str | None = None
    unit: str = ""  # the unit shown (°C), when a single one
    units: list[tuple[str, str]] = field(default_factory=list)  # (code, shown) to choose
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, shown)
    min_label: str | None = None
    max_label: str | None = None
    condition: str | None = None  # "Only if ...": the item's enable_when in words
    low: Decimal | None = None
    high: Decimal | None = None

    @property
    def name(self) -> str:
        return self.item.link_id

    @property
    def integer(self) -> bool:
        return _number_kind(self.item) == "integer"


def _number_kind(item: Item) -> str | None:
    if item.type in ("integer", "decimal"):
        return item.type
    if item.type == "reading" and item.reading in READING_TYPES:
        kind = READING_TYPES[item.reading].kind
        return kind if kind in ("integer", "decimal") else None
    return None


def _bounds(item: Item) -> tuple[Decimal | None, Decimal | None]:
    """The item's bounds, within what a home device can show for a reading."""
    low, high = item.min, item.max
    spec = READING_TYPES.get(item.reading or "") if item.type == "reading" else None
    if spec is not None:
        low = spec.plausible_min if low is None else max(low, spec.plausible_min or low)
        high = spec.plausible_max if high is None else min(high, spec.plausible_max or high)
    return low, high


def input_kind(item: Item) -> str:
    """How the page asks the item, as the app does (suivi_app.core.questionnaire)."""
    if item.type == "boolean":
        return "yes_no"
    if item.type in ("choice", "multi_choice"):
        return item.type
    if item.type == "reading":
        kind = READING_TYPES[item.reading].kind if item.reading in READING_TYPES else "decimal"
        if kind == "boolean":
            return "yes_no"
        if kind == "code" or item.choices:
            return "choice"
    if _number_kind(item) == "integer":
        low, high = _bounds(item)
        if low is not None and high is not None and 0 < high - low <= 10:
            return "scale"
    if _number_kind(item):
        return "number"
    return "date" if item.type == "date" else "text"


def _canonical_unit(item: Item) -> str:
    if item.unit:
        return item.unit
    spec = READING_TYPES.get(item.reading or "")
    return spec.unit if spec else ""


def _text(value: Any) -> str | None:
    return _typeset(value.get(lang())) if value is not None else None


def _typeset(text: str) -> str:
    """French puts a space before ? ! : ; which must not break the line: a "?" alone on
    the next line reads as another question."""
    for mark in "?!:;":
        text = text.replace(f" {mark}", f"\u00a0{mark}")
    return text


def fields_of(questionnaire: Questionnaire) -> list[Field]:
    out = []
    for item in questionnaire.items:
        kind = input_kind(item)
        low, high = _bounds(item)
        options: list[tuple[str, str]] = [(c.code, c.text.get(lang())) for c in item.choices]
        if kind == "choice" and not options and item.reading in READING_TYPES:
            options = [(code, code) for code in READING_TYPES[item.reading].codes]
        out.append(Field(
            item=item, kind=kind, label=_text(item.text), help=_text(item.help),
            unit="" if item.units else unit_of(_canonical_unit(item)).strip(),
            units=[(code, unit_of(code)) for code in item.units], options=options,
            min_label=_text(item.min_label), max_label=_text(item.max_label),
            condition=(condition_text(item.enable_when, questionnaire)
                       if item.enable_when else None), low=low, high=high))
    return out


# -- enable_when in words ------------------------------------------------------------------

def _value_text(item: Item | None, value: Any) -> str:
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if item is not None and isinstance(value, str) and item.choice(value):
        return f"« {item.choice(value).text.get(lang())} »"
    return number(value) if isinstance(value, int | float | Decimal) else str(value)


OPERATORS = {"==": "", "!=": "autre chose que ", ">": "plus de ", ">=": "au moins ",
             "<": "moins de ", "<=": "au plus "}


def condition_text(condition: ItemCondition, questionnaire: Questionnaire) -> str:
    """"Only if you answered more than 0 to « ... »", in the page's language."""
    return _("À remplir seulement si {what}.", what=_condition(condition, questionnaire))


def _condition(condition: ItemCondition, questionnaire: Questionnaire) -> str:
    if condition.kind in ("all", "any"):
        joiner = _(" et ") if condition.kind == "all" else _(" ou ")
        return joiner.join(_condition(c, questionnaire) for c in condition.conditions)
    if condition.kind == "not":
        return _("ce n'est pas le cas que {what}",
                 what=_condition(condition.conditions[0], questionnaire))
    item = questionnaire.item(condition.link_id or "")
    question = item.text.get(lang()) if item else condition.link_id
    op, value = condition.op or "==", condition.value
    if op == "in":
        answer = _(" ou ").join(_value_text(item, v) for v in value)
    elif op == "between":
        answer = _("entre {low} et {high}", low=_value_text(item, value[0]),
                   high=_value_text(item, value[1]))
    else:
        answer = _(OPERATORS.get(op, "")) + _value_text(item, value)
    return _("vous avez répondu {answer} à « {question} »", answer=answer,
             question=question.rstrip(" ?"))


# -- what the form posted ------------------------------------------------------------------

YES, NO = "yes", "no"


def answers_from(fields: list[Field], form: MultiDict) -> dict[str, Any]:
    """The answers as the submission service takes them; a blank field is left out, a
    value that is not one the page offered goes on as posted for the service to refuse."""
    answers: dict[str, Any] = {}
    for f in fields:
        if f.kind == "multi_choice":
            chosen = [value for value in form.getlist(f.name) if value]
            if chosen:
                answers[f.name] = chosen
            continue
        raw = form.get(f.name, "")
        if not raw.strip():
            continue
        if f.kind == "yes_no":
            answers[f.name] = {YES: True, NO: False}.get(raw, raw)
        elif f.kind in ("number", "scale"):
            value = raw.strip()
            unit = form.get(f"{f.name}__unit", "")
            answers[f.name] = ({"value": value, "unit": unit}
                               if f.units and unit else value)
        else:
            answers[f.name] = raw
    return answers


def problem_text(f: Field, message: str) -> str:
    """What the patient reads beside a refused field (the service's message is for an
    app developer: "pain_now: 12 is above the maximum 10")."""
    if message.endswith(": required"):
        return _("Merci de répondre à cette question.")
    if f.kind in ("number", "scale"):
        if f.low is not None and f.high is not None and not f.units:
            return _("Indiquez un nombre entre {low} et {high}{unit}.", low=number(f.low),
                     high=number(f.high), unit=f" {f.unit}" if f.unit else "")
        return _("Indiquez un nombre, par exemple {example}.",
                 example=number(Decimal("38.5") if not f.integer else 8))
    if f.kind == "yes_no":
        return _("Choisissez Oui ou Non.")
    if f.kind in ("choice", "multi_choice"):
        return _("Choisissez une des réponses proposées.")
    if f.kind == "date":
        return _("Indiquez une date.")
    if f.item.max_length and "maximum" in message:
        return _("Ce texte est trop long : {n} caractères au plus.", n=f.item.max_length)
    return _("Ce texte contient des caractères qui ne peuvent pas être enregistrés.")
