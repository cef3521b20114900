"""Answers and readings checked and normalised before anything is stored or evaluated.

Shared by patient submissions and the protocol dry run, so both refuse the same input
with the same field-by-field messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from backend.errors import InvalidValues
from rules.model import Questionnaire, Reading
from rules.questionnaire import AnswerError, validate_answers
from rules.units import ReadingError, normalise_reading

# Phone clocks drift: a value stamped a few minutes ahead is still accepted.
CLOCK_SKEW = timedelta(minutes=5)


def clean_answers(questionnaire: Questionnaire, answers: Mapping[str, Any],
                  field: str = "answers") -> dict[str, Any]:
    """Validated answers, or ``InvalidValues`` naming every bad item (``answers.pain_now``)."""
    try:
        return validate_answers(questionnaire, answers)
    except AnswerError as error:
        raise InvalidValues(
            {field: {link_id: [message] for link_id, message in error.errors.items()}},
            "; ".join(f"{field}.{link_id}: {message}"
                      for link_id, message in error.errors.items())) from None


def clean_readings(readings: Sequence[Mapping[str, Any]], field: str = "readings",
                   not_after: datetime | None = None) -> list[Reading]:
    """Canonical, plausibility-checked readings, or ``InvalidValues`` naming
    ``readings.<i>.<field>``."""
    cleaned: list[Reading] = []
    errors: dict[str, dict[str, list[str]]] = {}
    for index, raw in enumerate(readings):
        try:
            reading = normalise_reading(raw["type"], raw["value"], raw.get("unit"),
                                        raw["measured_at"])
        except ReadingError as error:
            errors[str(index)] = {error.field: [error.message]}
            continue
        if not_after is not None and reading.measured_at > not_after:
            errors[str(index)] = {"measured_at": ["is in the future"]}
            continue
        cleaned.append(reading)
    if errors:
        raise InvalidValues({field: errors}, "; ".join(
            f"{field}.{index}.{name}: {' '.join(messages)}"
            for index, fields in errors.items() for name, messages in fields.items()))
    return cleaned
