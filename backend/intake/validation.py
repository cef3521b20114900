"""Answers and readings checked and normalised before anything is stored or evaluated.

Shared by patient submissions and the protocol dry run, so both refuse the same input
with the same field-by-field messages.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from backend.errors import InvalidValues
from backend.text import shown_text_error
from rules.model import Questionnaire, Reading
from rules.protocol import Protocol
from rules.questionnaire import AnswerError, validate_answers
from rules.units import ReadingError, normalise_reading

# Phone clocks drift: a value stamped a few minutes ahead is still accepted.
CLOCK_SKEW = timedelta(minutes=5)


def asked_on_day(protocol: Protocol, questionnaire: Questionnaire,
                 asked: Collection[str] | None, day: int) -> Collection[str] | None:
    """The items asked on post-operative ``day`` (the day of the task answered): those of
    ``asked`` (None: all) but the ones the schedule asks on other days only. An item not
    asked is not required; an answer to it, sent anyway, is kept."""
    skipped = protocol.items_not_asked(questionnaire.slug, day)
    if not skipped:
        return asked
    return set(questionnaire.link_ids if asked is None else asked) - set(skipped)


def clean_answers(questionnaire: Questionnaire, answers: Mapping[str, Any],
                  field: str = "answers", asked: Collection[str] | None = None
                  ) -> dict[str, Any]:
    """Validated answers, or ``InvalidValues`` naming every bad item (``answers.pain_now``);
    ``asked``: the items asked when not all (an SMS form).
    Written words are shown to a nurse as typed: no control character but line breaks,
    no bidirectional override."""
    try:
        cleaned = validate_answers(questionnaire, answers, asked)
        errors = {item.link_id: error for item in questionnaire.items
                  if item.type == "text" and isinstance(cleaned.get(item.link_id), str)
                  and (error := shown_text_error(cleaned[item.link_id], multiline=True))}
    except AnswerError as error:
        errors = error.errors
    if errors:
        raise InvalidValues(
            {field: {link_id: [message] for link_id, message in errors.items()}},
            "; ".join(f"{field}.{link_id}: {message}" for link_id, message in errors.items()))
    return cleaned


def clean_readings(readings: Sequence[Mapping[str, Any]], field: str = "readings",
                   not_after: datetime | None = None,
                   not_before: tuple[datetime, str] | None = None) -> list[Reading]:
    """Canonical, plausibility-checked readings, or ``InvalidValues`` naming
    ``readings.<i>.<field>``; ``not_before`` is the earliest time accepted and the
    message for an earlier one."""
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
        if not_before is not None and reading.measured_at < not_before[0]:
            errors[str(index)] = {"measured_at": [not_before[1]]}
            continue
        cleaned.append(reading)
    if errors:
        raise InvalidValues({field: errors}, "; ".join(
            f"{field}.{index}.{name}: {' '.join(messages)}"
            for index, fields in errors.items() for name, messages in fields.items()))
    return cleaned
