"""A follow-up protocol: schedule, education, alert deadlines and rules for one surgery.

Protocols are versioned data (``questionnaires/protocols/<slug>.v<version>.yaml``) loaded
by ``rules.loader_protocol``; an enrolled patient stays on the version they started with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from rules.conditions import Missing, Rule, Threshold, Trend
from rules.model import Item, Questionnaire, Text, json_value


@dataclass(frozen=True)
class ScheduleEntry:
    """A questionnaire (or a single reading) to do on each of ``days`` at ``at`` local time.

    After ``grace`` the task counts as missed (a ``missing`` rule may then alert).
    """

    questionnaire: str | None
    reading: str | None
    days: tuple[int, ...]
    at: time
    grace: timedelta

    @property
    def task(self) -> str:
        """The questionnaire slug or reading type, used in task keys."""
        return self.questionnaire or self.reading or ""


@dataclass(frozen=True)
class EducationItem:
    """Content shown to the patient from post-operative day ``days[0]`` to ``days[1]``."""

    id: str
    title: Text
    body: Text
    days: tuple[int, int]

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {"id": self.id, "title": self.title.get(lang), "body": self.body.get(lang),
                "days": list(self.days)}


@dataclass(frozen=True)
class AlertDeadline:
    """How long the nurses have to acknowledge an alert: ``minutes`` after it opened, or
    by the next ``local_time`` in the patient's timezone (review during the day)."""

    minutes: int | None = None
    local_time: time | None = None

    def due_by(self, opened_at: datetime, timezone: str) -> datetime:
        """The acknowledgement deadline (aware UTC) of an alert opened at ``opened_at``."""
        if self.minutes is not None:
            return opened_at + timedelta(minutes=self.minutes)
        assert self.local_time is not None
        tz = ZoneInfo(timezone)
        local = opened_at.astimezone(tz)
        due = datetime.combine(local.date(), self.local_time, tzinfo=tz)
        if due <= local:
            due = datetime.combine(local.date() + timedelta(days=1), self.local_time, tzinfo=tz)
        return due.astimezone(opened_at.tzinfo)

    def to_dict(self) -> dict[str, Any]:
        if self.minutes is not None:
            return {"minutes": self.minutes}
        return {"local_time": self.local_time.strftime("%H:%M") if self.local_time else None}


@dataclass(frozen=True)
class ThresholdInfo:
    """One overridable threshold of a rule, for the surgeon's override screen."""

    rule_id: str
    name: str
    value: Any
    op: str
    unit: str | None
    subject: str

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, frozenset):
            value = sorted(value, key=str)
        return {"rule_id": self.rule_id, "name": self.name, "value": json_value(value),
                "op": self.op, "unit": self.unit, "subject": self.subject}


@dataclass(frozen=True)
class Protocol:
    """A loaded, validated protocol version.

    ``window_days`` is how many days of history the backend must pass to ``evaluate``
    (the longest look-back of the rules, at least 1). ``questionnaires`` holds the
    questionnaires the schedule or the rules use; their questionnaire-level rules are
    evaluated with the protocol's.
    """

    slug: str
    version: int
    title: Text
    surgeries: tuple[str, ...]
    source: str
    schedule: tuple[ScheduleEntry, ...]
    education: tuple[EducationItem, ...]
    rules: tuple[Rule, ...]
    alert_deadlines: Mapping[str, AlertDeadline]
    window_days: int
    questionnaires: Mapping[str, Questionnaire] = field(default_factory=dict)
    spo2_scale: int = 1
    description: Text | None = None

    @cached_property
    def _rules(self) -> tuple[Rule, ...]:
        extra = tuple(r for slug in sorted(self.questionnaires)
                      for r in self.questionnaires[slug].rules if isinstance(r, Rule))
        return self.rules + extra

    @cached_property
    def _items(self) -> dict[tuple[str, str], Item]:
        return {(slug, i.link_id): i for slug, q in self.questionnaires.items() for i in q.items}

    def all_rules(self) -> tuple[Rule, ...]:
        """Protocol rules then questionnaire-level rules, each id unique."""
        return self._rules

    def item(self, questionnaire: str, link_id: str) -> Item | None:
        """An item of one of the protocol's questionnaires."""
        return self._items.get((questionnaire, link_id))

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.all_rules() if r.id == rule_id), None)

    def thresholds(self) -> list[ThresholdInfo]:
        """Every overridable threshold (rule id, name, default value, op, unit)."""
        out = []
        for rule in self.all_rules():
            for leaf in rule.thresholds():
                out.append(_threshold_info(self, rule, leaf))
        return out

    def alert_due_by(self, severity: str, opened_at: datetime, timezone: str) -> datetime:
        """When an alert of ``severity`` opened at ``opened_at`` must be acknowledged."""
        return self.alert_deadlines[severity].due_by(opened_at, timezone)


def _threshold_info(protocol: Protocol, rule: Rule, leaf: Any) -> ThresholdInfo:
    if isinstance(leaf, Missing):
        return ThresholdInfo(rule.id, leaf.key, leaf.hours_after_due, ">=", "h",
                             f"missing {leaf.questionnaire or leaf.reading}")
    unit = subject_unit(protocol, leaf.subject)
    if isinstance(leaf, Trend):
        return ThresholdInfo(rule.id, leaf.key, leaf.by, leaf.op, unit,
                             f"{leaf.change} of {leaf.subject.ref} within {leaf.within_days} d")
    assert isinstance(leaf, Threshold)
    return ThresholdInfo(rule.id, leaf.key, leaf.value, leaf.op, unit,
                         f"{leaf.subject.kind} {leaf.subject.ref}")


def subject_unit(protocol: Protocol, subject: Any) -> str | None:
    """The unit of an answer or reading subject (None for scores and unit-less items)."""
    if subject.kind == "reading":
        from rules.units import READING_TYPES

        rtype = READING_TYPES.get(subject.ref)
        return rtype.unit if rtype is not None and rtype.unit else None
    if subject.kind == "answer":
        item = protocol.item(subject.head, subject.tail)
        return item.unit if item is not None else None
    return None
