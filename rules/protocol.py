"""A follow-up protocol: schedule, education, alert deadlines and rules for one surgery.

Protocols are versioned data (``questionnaires/protocols/<slug>.v<version>.yaml``) loaded
by ``rules.loader_protocol``; an enrolled patient stays on the version they started with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from rules.conditions import Missing, Rule, Threshold, Trend
from rules.model import Item, Questionnaire, Text, json_value

# How old an input may be and still be read by a rule, unless the protocol says otherwise:
# a day for a symptom or a vital sign (a 30-hour-old temperature is not today's fever),
# a day and a half for the daily weight (yesterday morning's weight is still the last one).
DEFAULT_MAX_AGE_HOURS: Mapping[str, Decimal] = {"default": Decimal(24),
                                                 "weight": Decimal(36)}
DEFAULT_NEWS2_SET_MINUTES = 60
# How long an acknowledged alert may be snoozed, in minutes, unless the protocol says
# otherwise (``alert_snooze_max``): a high alert is back in the queue within two hours,
# a medium one within a day, a low one within three days (a weekend).
DEFAULT_ALERT_SNOOZE_MAX: Mapping[str, int] = {"high": 120, "medium": 1440, "low": 4320}
# The loader refuses more: a snooze longer than a week is no longer a call-back.
MAX_ALERT_SNOOZE_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class ScheduleEntry:
    """A questionnaire (or a single reading) to do on each of ``days`` at ``at`` local time.

    After ``grace`` the task counts as missed (a ``missing`` rule may then alert).
    ``requires`` lists the readings without which the task is not done (a NEWS2 set).
    ``item_days`` maps an item of the questionnaire asked only on some of ``days`` to
    those days (each with its published source, checked by the loader); the other items
    are asked on every day of the entry.
    """

    questionnaire: str | None
    reading: str | None
    days: tuple[int, ...]
    at: time
    grace: timedelta
    requires: tuple[str, ...] = ()
    item_days: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    # The published source that allows each of ``item_days`` (shown with the protocol).
    item_sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def task(self) -> str:
        """The questionnaire slug or reading type, used in task keys."""
        return self.questionnaire or self.reading or ""

    def items_not_asked(self, day: int) -> tuple[str, ...]:
        """The link_ids of the items not asked on post-operative ``day``."""
        return tuple(link_id for link_id, days in self.item_days.items() if day not in days)


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
class QuietHours:
    """When no reminder reaches the patient, from ``start`` to ``end`` on the patient's
    wall clock; the period may cross midnight (21:00 to 08:00)."""

    start: time = time(21)
    end: time = time(8)

    def ends_at(self, at: datetime, timezone: str) -> datetime | None:
        """None when ``at`` is outside the quiet period; otherwise when it ends (aware,
        in ``at``'s zone)."""
        tz = ZoneInfo(timezone)
        local = at.astimezone(tz)
        clock = local.time().replace(tzinfo=None)
        crosses_midnight = self.end <= self.start
        quiet = (clock >= self.start or clock < self.end) if crosses_midnight \
            else self.start <= clock < self.end
        if not quiet:
            return None
        day = local.date() + timedelta(days=1 if crosses_midnight and clock >= self.start
                                       else 0)
        return datetime.combine(day, self.end, tzinfo=tz).astimezone(at.tzinfo)

    def to_dict(self) -> dict[str, str]:
        return {"from": self.start.strftime("%H:%M"), "to": self.end.strftime("%H:%M")}


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

    ``max_age_hours`` maps a reading type, a questionnaire slug, a score name or
    ``default`` to the age beyond which a rule no longer reads that input;
    ``news2_set_minutes`` is how close in time the readings of one NEWS2 set must be;
    ``shown_only`` the collected reading types no rule reads, each with the reason;
    ``alert_snooze_max`` the longest snooze of an acknowledged alert, in minutes, by
    severity; ``quiet_hours`` is when no reminder reaches the patient.

    ``high_is_emergency`` keeps the published behaviour of protocols written before rules
    carried ``emergency`` (their files have no ``shown_only``): there every high rule told
    the patient to call 15, and an enrolled patient is scored as they were published.
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
    quiet_hours: QuietHours = QuietHours()
    description: Text | None = None
    max_age_hours: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_MAX_AGE_HOURS)
    news2_set_minutes: int = DEFAULT_NEWS2_SET_MINUTES
    shown_only: Mapping[str, str] = field(default_factory=dict)
    high_is_emergency: bool = False
    alert_snooze_max: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_ALERT_SNOOZE_MAX))

    @cached_property
    def _rules(self) -> tuple[Rule, ...]:
        extra = tuple(r for slug in sorted(self.questionnaires)
                      for r in self.questionnaires[slug].rules if isinstance(r, Rule))
        rules = self.rules + extra
        if self.high_is_emergency:
            rules = tuple(replace(r, emergency=True) if r.severity == "high" else r
                          for r in rules)
        return rules

    @cached_property
    def _items(self) -> dict[tuple[str, str], Item]:
        return {(slug, i.link_id): i for slug, q in self.questionnaires.items() for i in q.items}

    def all_rules(self) -> tuple[Rule, ...]:
        """Protocol rules then questionnaire-level rules, each id unique."""
        return self._rules

    @cached_property
    def missing_data_rules(self) -> tuple[str, ...]:
        """Ids of the rules that fire on missing data (a task not done in time), computed
        once: every evaluation looks for the alerts they raised."""
        return tuple(rule.id for rule in self.all_rules()
                     if any(isinstance(leaf, Missing) for leaf in rule.leaves()))

    def item(self, questionnaire: str, link_id: str) -> Item | None:
        """An item of one of the protocol's questionnaires."""
        return self._items.get((questionnaire, link_id))

    def items_not_asked(self, questionnaire: str, day: int) -> tuple[str, ...]:
        """The items of ``questionnaire`` its schedule does not ask on post-operative
        ``day`` (``item_days``); none when it is not planned that day (a late answer)."""
        entry = next((e for e in self.schedule
                      if e.questionnaire == questionnaire and day in e.days), None)
        return entry.items_not_asked(day) if entry is not None else ()

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.all_rules() if r.id == rule_id), None)

    def thresholds(self) -> list[ThresholdInfo]:
        """Every overridable threshold (rule id, name, default value, op, unit)."""
        out = []
        for rule in self.all_rules():
            for leaf in rule.thresholds():
                out.append(_threshold_info(self, rule, leaf))
        return out

    def max_age(self, subject: Any) -> timedelta:
        """How old a value of ``subject`` may be and still be read (the leaf may say less
        or more with its own ``max_age_hours``)."""
        ages = self.max_age_hours
        keys = [subject.head]
        if subject.kind == "score":
            keys += [slug for slug, q in sorted(self.questionnaires.items())
                     if q.score == subject.head]
        hours = next((ages[k] for k in keys if k in ages), ages.get("default"))
        return timedelta(hours=float(hours if hours is not None
                                     else DEFAULT_MAX_AGE_HOURS["default"]))

    @property
    def last_day(self) -> int:
        """The last post-operative day the schedule plans a task on (0 if it plans none):
        the end of the follow-up."""
        return max((day for entry in self.schedule for day in entry.days), default=0)

    def collected_readings(self) -> set[str]:
        """Every reading type the schedule asks for, alone or as a questionnaire item."""
        out = {e.reading for e in self.schedule if e.reading}
        for entry in self.schedule:
            q = self.questionnaires.get(entry.questionnaire or "")
            out.update(i.reading for i in (q.items if q else ()) if i.reading)
        return out

    def alert_due_by(self, severity: str, opened_at: datetime, timezone: str) -> datetime:
        """When an alert of ``severity`` opened at ``opened_at`` must be acknowledged."""
        return self.alert_deadlines[severity].due_by(opened_at, timezone)

    def snooze_max(self, severity: str) -> timedelta:
        """The longest an acknowledged alert of ``severity`` may be snoozed."""
        return timedelta(minutes=self.alert_snooze_max[severity])


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
