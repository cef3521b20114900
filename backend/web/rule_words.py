"""A rule's condition in words, as a surgeon reads it: « Température ≥ 38,5 °C et l'une
de : Rougeur de la cicatrice : oui ; Écoulement parmi Trouble ou purulent »."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from backend.web.i18n import lang, number
from backend.web.labels import (
    ANSWERS,
    READINGS,
    SCORES,
    Kind,
    choice_text,
    colon,
    questionnaires_shown,
    with_unit,
    yes_no,
)
from rules.conditions import (
    AllOf,
    AnyOf,
    Condition,
    Missing,
    Not,
    Persistent,
    Subject,
    Threshold,
    Trend,
)

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}
SCORE_FIELDS = {"total": ("total", "total"), "max_parameter": ("paramètre le plus haut",
                                                               "highest parameter")}
DAILY = {"first": ("la première valeur de chaque jour", "each day's first value"),
         "last": ("la dernière valeur de chaque jour", "each day's last value"),
         "min": ("la plus basse de chaque jour", "each day's lowest"),
         "max": ("la plus haute de chaque jour", "each day's highest")}
ORIGINS = {"min": ("depuis la valeur la plus basse", "from the lowest value"),
           "first": ("depuis la première valeur", "from the first value"),
           "baseline": ("depuis la valeur de départ du patient", "from the patient's baseline")}


def _fr(pair: tuple[str, str]) -> str:
    return pair[0] if lang() == "fr" else pair[1]


def _kind(subject: Subject) -> Kind:
    if subject.kind == "reading":
        return READINGS.get(subject.head, Kind(subject.head, subject.head))
    if subject.kind == "score":
        return SCORES.get(subject.head, Kind(subject.ref, subject.ref))
    if subject.tail in ANSWERS:
        return ANSWERS[subject.tail]
    # An item without a short label: the question as the patient reads it.
    questionnaire = questionnaires_shown().get(subject.head)
    item = questionnaire.item(subject.tail) if questionnaire is not None else None
    if item is None:
        return Kind(subject.tail, subject.tail)
    return Kind(f"« {item.text.get('fr')} »", f"“{item.text.get('en')}”")


def reading_label(reading: str) -> str:
    return READINGS.get(reading, Kind(reading, reading)).label()


def template_text(text: str) -> str:
    """A rule's explanation as written, its placeholders ({value}) shown as « … »."""
    return PLACEHOLDER.sub("…", text)


def questionnaire_title(slug: str) -> str:
    questionnaire = questionnaires_shown().get(slug)
    return questionnaire.title.get(lang()) if questionnaire is not None else slug


def subject_label(subject: Subject) -> str:
    label = _kind(subject).label()
    if subject.kind == "score" and subject.tail in SCORE_FIELDS:
        label = f"{label} ({_fr(SCORE_FIELDS[subject.tail])})"
    return label


def value_text(subject: Subject, value: Any) -> str:
    """A threshold's value as the patient's answer or the reading reads."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list | tuple | set | frozenset):
        ordered = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return (" ou " if lang() == "fr" else " or ").join(
            value_text(subject, v) for v in ordered)
    if isinstance(value, int | float | Decimal):
        kind = _kind(subject)
        return with_unit(number(value), kind.unit)
    if subject.kind == "answer":
        return f"« {choice_text(subject.head, subject.tail, value) or value} »"
    return str(value)


def _threshold(leaf: Threshold, value: Any | None = None) -> str:
    value = leaf.value if value is None else value
    label = subject_label(leaf.subject)
    if leaf.op == "in":
        among = "parmi" if lang() == "fr" else "among"
        return f"{label} {among} {value_text(leaf.subject, value)}"
    if isinstance(value, bool) and leaf.op == "==":
        return f"{label}{colon()}{yes_no(value)}"
    return f"{label} {OPS.get(leaf.op, leaf.op)} {value_text(leaf.subject, value)}"


def _trend(leaf: Trend) -> str:
    """« Poids : hausse ≥ 2 kg en 3 jours, depuis la valeur la plus basse (la première
    valeur de chaque jour) »."""
    rise = leaf.change == "rise"
    what = _fr(("hausse", "rise") if rise else ("baisse", "fall"))
    days = _fr((f"en {leaf.within_days} jours", f"within {leaf.within_days} days"))
    amount = with_unit(number(leaf.by), _kind(leaf.subject).unit)
    origin = _fr(ORIGINS.get(leaf.origin, (leaf.origin, leaf.origin)))
    daily = f" ({_fr(DAILY[leaf.daily])})" if leaf.daily in DAILY else ""
    return (f"{subject_label(leaf.subject)}{colon()}{what} {OPS.get(leaf.op, leaf.op)} "
            f"{amount} {days}, {origin}{daily}")


def _missing(leaf: Missing) -> str:
    what = (questionnaire_title(leaf.questionnaire) if leaf.questionnaire
            else _kind(Subject("reading", leaf.reading or "")).label())
    hours = number(leaf.hours_after_due)
    if lang() == "fr":
        return f"« {what} » non reçu {hours} h après l'heure prévue"
    return f"“{what}” not received {hours} h after it was due"


def words(cond: Condition) -> str:
    """The whole condition, nested groups in brackets."""
    if isinstance(cond, Threshold):
        return _threshold(cond)
    if isinstance(cond, Trend):
        return _trend(cond)
    if isinstance(cond, Missing):
        return _missing(cond)
    if isinstance(cond, Persistent):
        inner = _threshold(cond.condition)
        if cond.count == cond.of_last:
            return (f"{inner}, {cond.count} jours de suite (jours avec une réponse)"
                    if lang() == "fr" else f"{inner}, {cond.count} days in a row (days with "
                                           f"an answer)")
        return (f"{inner}, {cond.count} des {cond.of_last} derniers jours avec une réponse"
                if lang() == "fr" else
                f"{inner}, on {cond.count} of the last {cond.of_last} days with an answer")
    if isinstance(cond, Not):
        return ("pas : " if lang() == "fr" else "not: ") + f"({words(cond.condition)})"
    if isinstance(cond, AllOf | AnyOf):
        parts = [words(c) if isinstance(c, Threshold | Trend | Missing | Persistent)
                 else f"({words(c)})" for c in cond.conditions]
        if isinstance(cond, AllOf):
            return (" et " if lang() == "fr" else " and ").join(parts)
        head = "l'une de : " if lang() == "fr" else "any of: "
        return head + " ; ".join(parts) if lang() == "fr" else head + "; ".join(parts)
    return str(cond)
