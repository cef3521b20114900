"""Evaluate a protocol's rules over one patient's recent data.

``evaluate`` is a pure function of (protocol, data, now, overrides): no clock, no I/O,
the same input in any order gives the same findings. Conditions use three-valued logic:
a condition whose input is absent is *unknown* (``None``), ``not unknown`` is unknown,
and a rule fires only when its condition is true, so missing optional data never alerts
(except ``missing`` conditions, whose whole point is absence).

Thresholds read the LATEST value (a rule fires about the patient's current state), and
only while it is fresh: a value older than its maximum age (``max_age_hours`` of the leaf
or of the protocol) is unknown, so yesterday's fever is not today's. ``trend`` and
``persistent`` look back over the history passed in, counting calendar days in the
patient's time zone (and, for persistence, values at least ``DAY_GAP`` apart per day).
NEWS2 is scored on one observation set (readings taken within the protocol's
``news2_set_minutes``); an incomplete set still scores each parameter, and its sum is a
lower bound of the total (it proves ``>= 7``, nothing else).

Rules about one cause share a group: ``evaluate`` returns one finding per group, the
highest, with the others as its ``related`` findings.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from rules.conditions import (
    NUMERIC_OPS,
    AllOf,
    AnyOf,
    Condition,
    Missing,
    Not,
    Persistent,
    Rule,
    Threshold,
    Trend,
    _Parser,
)
from rules.model import SEVERITY_RANK, Finding, Override, PatientData, Reading, TaskRecord, Text
from rules.protocol import Protocol
from rules.scores import NEWS2_READINGS, News2Set, news2_set, score_submission

Params = Mapping[str, Any] | None
# Persistence over N days needs values that held at least (N - 1) * 6 h apart: one dosing
# interval of paracetamol, so the later report comes after another dose (23:50 and 00:10
# are one report, 22:00 and 07:00 the next morning are two).
DAY_GAP = timedelta(hours=6)
Result = tuple[bool | None, tuple]


def evaluate(
    protocol: Protocol,
    data: PatientData,
    now: datetime,
    overrides: Sequence[Override] = (),
    spo2_scale: int | None = None,
    timezone: str = "UTC",
) -> list[Finding]:
    """Findings of the rules of ``protocol`` (and of its questionnaires) that fire, one per
    rule group.

    ``data`` is the patient's history over at least ``protocol.window_days`` days, in any
    order; values dated after ``now`` are ignored. ``overrides`` replace named thresholds
    for this patient (an unknown rule or threshold is a ``ValueError``); each applies to
    its own rule, so an override never silences the other rules of a group. ``spo2_scale``
    (1 or 2, for NEWS2) defaults to the protocol's; ``timezone`` (IANA name) is the
    patient's, for calendar days. Within a group the finding of highest severity (then
    an emergency one, then one with new evidence, then file order) is returned, the others
    in its ``related``. Sorted by severity (high first) then rule id.
    """
    params = resolve_overrides(protocol, overrides)
    ctx = Context(protocol, data, now, spo2_scale or protocol.spo2_scale, ZoneInfo(timezone))
    groups: dict[str, list[Finding]] = {}
    for rule in protocol.all_rules():
        fired, evidence = _EVAL[type(rule.when)](rule.when, ctx, params.get(rule.id))
        if fired:
            groups.setdefault(rule.group or rule.id, []).append(_finding(rule, evidence))
    findings = []
    for members in groups.values():
        members.sort(key=lambda f: (-SEVERITY_RANK[f.severity], not f.emergency, not f.new))
        top = members[0]
        findings.append(replace(top, related=tuple(members[1:]),
                                new=any(f.new for f in members)))
    findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id))
    return findings


def resolve_overrides(protocol: Protocol, overrides: Sequence[Override]) -> dict[str, dict]:
    """``{rule_id: {threshold name: value}}`` with each value checked and converted like
    the protocol's own (Decimal numbers, ``[low, high]`` for between, a set for in)."""
    out: dict[str, dict] = {}
    for override in overrides:
        rule = protocol.rule(override.rule_id)
        if rule is None:
            raise ValueError(f"override: unknown rule {override.rule_id!r} in protocol "
                             f"{protocol.slug} v{protocol.version}")
        leaf = next((t for t in rule.thresholds() if t.key == override.threshold), None)
        if leaf is None:
            names = ", ".join(t.key for t in rule.thresholds()) or "none"
            raise ValueError(f"override: rule {rule.id} has no threshold "
                             f"{override.threshold!r} (thresholds: {names})")
        out.setdefault(rule.id, {})[leaf.key] = _override_value(rule, leaf, override.value)
    return out


def _override_value(rule: Rule, leaf: Any, raw: Any) -> Any:
    issues: list = []
    parser = _Parser(rule.id, issues, rule.questionnaire)
    if isinstance(leaf, Threshold):
        value = parser.op_value(leaf.op, list(raw) if isinstance(raw, tuple) else raw, "value")
    else:
        value = parser.number(raw, "value")
        if value is not None and value < 0:
            issues.append((rule.id, "value", "must be >= 0"))
    if issues:
        raise ValueError(f"override of {rule.id}.{leaf.key}: {issues[0][2]}")
    return value


# --- conditions ------------------------------------------------------------------------


def compare(op: str, actual: Any, expected: Any) -> bool | None:
    """``actual op expected``; None when the two cannot be compared (e.g. a code vs 38)."""
    if isinstance(actual, list | tuple | frozenset):  # multi_choice: any selected code
        if op == "in":
            return not expected.isdisjoint(actual)
        if op in ("==", "!="):
            return (expected in actual) == (op == "==")
        return None
    if op == "==":
        return actual == expected and type(actual) is type(expected)
    if op == "!=":
        return not (actual == expected and type(actual) is type(expected))
    if op == "in":
        return actual in expected
    try:
        if op == "between":
            return expected[0] <= actual <= expected[1]
        if op == ">=":
            return actual >= expected
        if op == ">":
            return actual > expected
        if op == "<=":
            return actual <= expected
        return actual < expected
    except TypeError:
        return None


def _expected(leaf: Any, params: Params, default: Any) -> Any:
    if params is not None and leaf.key in params and leaf.overridable:
        return params[leaf.key]
    return default


def _threshold(leaf: Threshold, ctx: Context, params: Params) -> Result:
    point = ctx.latest(leaf.subject, leaf.op in NUMERIC_OPS)
    if point is None or not ctx.fresh(point, leaf):
        return None, ()
    expected = _expected(leaf, params, leaf.value)
    result = compare(leaf.op, point.value, expected)
    at_least = bool(point.extra and point.extra.get("at_least"))
    if at_least and not (result and leaf.op in (">=", ">")):
        return None, ()  # a lower bound proves ">= 7"; it proves nothing else
    return result, (("threshold", leaf, point, expected),)


def _trend(leaf: Trend, ctx: Context, params: Params) -> Result:
    points = [p for p in ctx.series(leaf.subject, True) if _is_number(p.value)]
    if len(points) < 2 or not ctx.fresh(points[-1], leaf):
        return None, ()
    if leaf.daily:
        points = ctx.per_day(points, leaf.daily)
        window = ctx.days_window(points, leaf.within_days)
    else:
        start = points[-1].at - ctx.days(leaf.within_days)
        window = [p for p in points if p.at >= start]
    if len(window) < 2:
        return None, ()
    latest = window[-1]
    if leaf.origin == "baseline":
        ref = points[0]
    elif leaf.origin == "first":
        ref = window[0]
    elif leaf.change == "rise":
        ref = min(window, key=lambda p: p.value)  # min() keeps the earliest of equal values
    else:
        ref = max(window, key=lambda p: p.value)
    change = latest.value - ref.value if leaf.change == "rise" else ref.value - latest.value
    by = _expected(leaf, params, leaf.by)
    fired = change > by if leaf.op == ">" else change >= by
    return fired, (("trend", leaf, (ref, latest, change), by),)


def _persistent(cond: Persistent, ctx: Context, params: Params) -> Result:
    leaf = cond.condition
    points = ctx.series(leaf.subject, leaf.op in NUMERIC_OPS)
    if not points or not ctx.fresh(points[-1], leaf):
        return None, ()
    by_day: dict[date, list[Point]] = {}
    for point in points:
        by_day.setdefault(ctx.local_date(point.at), []).append(point)
    days = sorted(by_day)[-cond.of_last:]
    if len(days) < cond.of_last:  # two answers on one day are one day, not persistence
        return None, ()
    expected = _expected(leaf, params, leaf.value)
    held = [[p for p in by_day[day] if compare(leaf.op, p.value, expected)] for day in days]
    held = [points for points in held if points]
    hits = [points[-1] for points in held]
    evidence = tuple(("persistent", cond, p, expected, len(hits)) for p in reversed(hits))
    # Days, not dates: 23:50 and 00:10 are one episode, so the values that held must also
    # span at least DAY_GAP per day counted.
    lasted = bool(held) and held[-1][-1].at - held[0][0].at >= DAY_GAP * (cond.count - 1)
    return len(hits) >= cond.count and lasted, evidence


def _missing(leaf: Missing, ctx: Context, params: Params) -> Result:
    hours = _expected(leaf, params, leaf.hours_after_due)
    task = ctx.latest_overdue_task(leaf.questionnaire, leaf.reading, hours)
    if task is None:
        return False, ()
    answered = task.answered_at is not None and task.answered_at <= ctx.now
    return not answered, (("missing", leaf, task, hours),)


def _all(cond: AllOf, ctx: Context, params: Params) -> Result:
    result: bool | None = True
    evidence: tuple = ()
    for c in cond.conditions:
        fired, ev = _EVAL[type(c)](c, ctx, params)
        if fired is False:
            return False, ()
        if fired is None:
            result = None
        evidence += ev
    return result, evidence if result else ()


def _any(cond: AnyOf, ctx: Context, params: Params) -> Result:
    result: bool | None = False
    for c in cond.conditions:
        fired, ev = _EVAL[type(c)](c, ctx, params)
        if fired:  # the first true branch is the evidence; the rest cannot change the result
            return True, ev
        if fired is None:
            result = None
    return result, ()


def _not(cond: Not, ctx: Context, params: Params) -> Result:
    fired, evidence = _EVAL[type(cond.condition)](cond.condition, ctx, params)
    return (None if fired is None else not fired), evidence


_EVAL: dict[type, Any] = {
    Threshold: _threshold, Trend: _trend, Persistent: _persistent, Missing: _missing,
    AllOf: _all, AnyOf: _any, Not: _not,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, Decimal)


# --- the patient's data, indexed once per evaluation ------------------------------------


class Point(NamedTuple):
    """One dated value of a subject; ``extra`` goes into the evidence (score items)."""

    at: datetime
    value: Any
    unit: str | None
    extra: Mapping[str, Any] | None = None
    new: bool = False


def _number(value: Any) -> Any:
    """Numbers as Decimal (ints and floats from callers or tests), others unchanged."""
    if isinstance(value, bool | Decimal | str) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(value)
    return value


class Context:
    """A patient's data as of ``now``, sorted and indexed by questionnaire and reading type.

    Sorting breaks ties on the content so that the input order never matters. Values are
    produced newest first and lazily: a threshold only needs the latest one.
    """

    def __init__(self, protocol: Protocol, data: PatientData, now: datetime, spo2_scale: int,
                 tz: ZoneInfo):
        self.protocol, self.now, self.spo2_scale, self.tz = protocol, now, spo2_scale, tz
        self.readings = _sorted([r for r in data.readings if r.measured_at <= now],
                                lambda r: (r.measured_at, r.type),
                                lambda r: (r.measured_at, r.type, str(r.value), r.unit))
        self.by_type: dict[str, list[Reading]] = {}
        for r in self.readings:
            self.by_type.setdefault(r.type, []).append(r)
        self.by_questionnaire: dict[str, list] = {}
        submissions = _sorted([s for s in data.submissions if s.submitted_at <= now],
                              lambda s: (s.submitted_at, s.questionnaire),
                              lambda s: (s.submitted_at, s.questionnaire,
                                         repr(sorted(s.answers.items()))))
        for s in submissions:
            self.by_questionnaire.setdefault(s.questionnaire, []).append(s)
        self.tasks = data.tasks
        self._series: dict[tuple, list[Point]] = {}
        self._latest: dict[tuple, Point | None] = {}
        self._times: list[datetime] | None = None
        self._news2_times: list[datetime] | None = None
        self._news2: dict[datetime, News2Set | None] = {}
        self._max_age: dict[tuple[str, str], timedelta] = {}

    @staticmethod
    def days(n: int) -> timedelta:
        return timedelta(days=n)

    def fresh(self, point: Point, leaf: Any) -> bool:
        """Whether ``point`` is recent enough for ``leaf`` to read it."""
        if leaf.max_age_hours is not None:
            max_age = timedelta(hours=float(leaf.max_age_hours))
        else:
            key = (leaf.subject.kind, leaf.subject.ref)
            max_age = self._max_age.get(key)
            if max_age is None:
                max_age = self._max_age[key] = self.protocol.max_age(leaf.subject)
        return self.now - point.at <= max_age

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def per_day(self, points: list[Point], how: str) -> list[Point]:
        """One point per local calendar day: its first, last, lowest or highest value."""
        by_day: dict[date, list[Point]] = {}
        for point in points:
            by_day.setdefault(self.local_date(point.at), []).append(point)
        pick = {"first": lambda ps: ps[0], "last": lambda ps: ps[-1],
                "min": lambda ps: min(ps, key=lambda p: p.value),
                "max": lambda ps: max(ps, key=lambda p: p.value)}[how]
        return [pick(by_day[day]) for day in sorted(by_day)]

    def days_window(self, daily: list[Point], within_days: int) -> list[Point]:
        """The last day's point and those of the ``within_days`` calendar days before it;
        when those days have none, the latest earlier point (a gain across missed days)."""
        last_day = self.local_date(daily[-1].at)
        start = last_day - timedelta(days=within_days)
        window = [p for p in daily if self.local_date(p.at) >= start]
        if len(window) == 1 and len(daily) > 1:
            window = [daily[-2], daily[-1]]
        return window

    def latest(self, subject: Any, numeric: bool) -> Point | None:
        """The subject's most recent value, or None (cached for the evaluation)."""
        key = (subject.kind, subject.ref, numeric)
        if key not in self._latest:
            self._latest[key] = next(self._newest_first(subject, numeric), None)
        return self._latest[key]

    def series(self, subject: Any, numeric: bool) -> list[Point]:
        """Every value of the subject in time order (cached for the evaluation)."""
        key = (subject.kind, subject.ref, numeric)
        cached = self._series.get(key)
        if cached is None:
            cached = self._series[key] = list(self._newest_first(subject, numeric))[::-1]
        return cached

    def _newest_first(self, subject: Any, numeric: bool) -> Iterator[Point]:
        kind, head, tail = subject.kind, subject.head, subject.tail
        if kind == "reading":
            return (Point(r.measured_at, _number(r.value), r.unit, None, r.new)
                    for r in reversed(self.by_type.get(head, ())))
        if kind == "answer":
            return self._answers(head, tail, numeric)
        if head == "news2":
            points = (self._news2_at(t, tail) for t in reversed(self._news2_moments()))
            return (p for p in points if p is not None)
        return self._scores(head, tail)

    def _answers(self, slug: str, link_id: str, numeric: bool) -> Iterator[Point]:
        item = self.protocol.item(slug, link_id)
        # A numeric comparison on a scored choice (PHQ-9 "several days") uses its score.
        scores = ({c.code: Decimal(c.score) for c in item.choices if c.score is not None}
                  if numeric and item is not None and item.choices else None)
        unit = item.unit if item is not None else None
        for s in reversed(self.by_questionnaire.get(slug, ())):
            value = s.answers.get(link_id)
            if value is None:
                continue
            if scores is not None and isinstance(value, str):
                value = scores.get(value, value)
            yield Point(s.submitted_at, _number(value), unit, None, s.new)

    def _scores(self, name: str, field: str) -> Iterator[Point]:
        scored = [s for slug, q in self.protocol.questionnaires.items() if q.score == name
                  for s in self.by_questionnaire.get(slug, ())]
        scored.sort(key=lambda s: s.submitted_at)
        for s in reversed(scored):
            try:
                result = score_submission(self.protocol.questionnaires[s.questionnaire],
                                          s.answers)[name]
            except (ValueError, KeyError):  # incomplete: no score rather than a wrong one
                continue
            yield _score_point(s.submitted_at, result, field, s.new)

    def _news2_moments(self) -> list[datetime]:
        """Each time a NEWS2 parameter was measured: NEWS2 may have changed then."""
        if self._news2_times is None:
            self._news2_times = sorted({r.measured_at for r in self.readings
                                        if r.type in NEWS2_READINGS})
        return self._news2_times

    def _news2_at(self, at: datetime, field: str) -> Point | None:
        if at not in self._news2:
            if self._times is None:
                self._times = [r.measured_at for r in self.readings]
            since = at - timedelta(minutes=self.protocol.news2_set_minutes)
            in_set = self.readings[bisect_left(self._times, since):bisect_right(self._times, at)]
            self._news2[at] = news2_set(in_set, at, self.spo2_scale,
                                        self.protocol.news2_set_minutes)
        found = self._news2[at]
        if found is None:
            return None
        new = any(r.new for r in found.readings.values())
        if field == "max_parameter":
            return Point(at, Decimal(found.max_parameter), None,
                         {"items": dict(found.points), "missing": found.missing}, new)
        if found.result is not None:
            return _score_point(at, found.result, field, new)
        if field == "total":  # an incomplete set's sum: the missing parameters can only add
            return Point(at, Decimal(sum(found.points.values())), None,
                         {"items": dict(found.points), "missing": found.missing,
                          "at_least": True}, new)
        return None  # the band needs the whole set

    def latest_overdue_task(self, questionnaire: str | None, reading: str | None,
                            hours: Decimal) -> TaskRecord | None:
        """The latest task of that questionnaire/reading whose grace of ``hours`` is over."""
        grace = timedelta(hours=float(hours))
        overdue = [t for t in self.tasks
                   if (t.questionnaire == questionnaire if questionnaire else t.reading == reading)
                   and t.due_at + grace <= self.now]
        return max(overdue, key=lambda t: (t.due_at, t.key)) if overdue else None


def _sorted(items: list, key: Any, full_key: Any) -> list:
    """Sort by ``key``; only when two items tie on it, by the costlier ``full_key``."""
    items.sort(key=key)
    keys = [key(i) for i in items]
    if any(a == b for a, b in zip(keys, keys[1:], strict=False)):
        items.sort(key=full_key)
    return items


def _score_point(at: datetime, result: Any, field: str, new: bool) -> Point:
    value = Decimal(result.total) if field == "total" else result.band
    extra = {"band": result.band, "items": dict(result.items)} if field == "total" else None
    if field == "band":
        extra = {"total": result.total, "items": dict(result.items)}
    return Point(at, value, None, extra, new)


# --- findings --------------------------------------------------------------------------


def _finding(rule: Rule, evidence: tuple) -> Finding:
    items = tuple(_evidence_dict(e) for e in evidence)
    facts = _Facts(items[0] if items else {})
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,  # type: ignore[arg-type]
        evidence=items,
        explanation=_fill(rule.explanation, facts),
        advice=_fill(rule.advice, facts),
        group=rule.group or rule.id,
        emergency=rule.emergency,
        new=any(_is_new(e) for e in evidence),
    )


def _is_new(item: tuple) -> bool:
    """Whether one evidence item rests on data marked new (a trend: its latest value)."""
    if item[0] in ("threshold", "persistent"):
        return item[2].new
    if item[0] == "trend":
        return item[2][1].new
    return False


def _show(value: Any) -> Any:
    """JSON form of a value: Decimal as its exact string, sets sorted, others as is."""
    if isinstance(value, tuple) and len(value) == 2:  # between
        return f"{value[0]}–{value[1]}"
    if isinstance(value, frozenset | list):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(value, bool | str) or value is None:
        return value
    return str(value)


def _point_dict(subject: Any, point: Point) -> dict[str, Any]:
    out: dict[str, Any] = {subject.kind: subject.ref, "value": _show(point.value)}
    if point.unit:
        out["unit"] = point.unit
    out["at"] = point.at.isoformat()
    if point.extra:
        out.update(point.extra)
    return out


def _evidence_dict(item: tuple) -> dict[str, Any]:
    kind, cond = item[0], item[1]
    if kind == "threshold":
        out = _point_dict(cond.subject, item[2])
        out.update(op=cond.op, threshold=_show(item[3]))
    elif kind == "persistent":
        leaf = cond.condition
        out = _point_dict(leaf.subject, item[2])
        out.update(op=leaf.op, threshold=_show(item[3]), count=item[4], of_last=cond.of_last)
    elif kind == "trend":
        ref, latest, change = item[2]
        out = _point_dict(cond.subject, latest)
        out.update(from_value=_show(ref.value), from_at=ref.at.isoformat(), change=_show(change),
                   op=cond.op, threshold=_show(item[3]), within_days=cond.within_days)
    else:
        task = item[2]
        out = {"task": task.key, "questionnaire": cond.questionnaire or cond.reading,
               "due_at": task.due_at.isoformat(), "hours": _show(item[3]), "op": ">=",
               "threshold": _show(item[3])}
    return out


class _Facts(dict):
    """Placeholder values; an unknown placeholder is left as written rather than failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(text: Text, facts: _Facts) -> Text:
    if "{" not in text.fr and "{" not in text.en:
        return text
    return Text(text.fr.format_map(facts), text.en.format_map(facts))


__all__ = ["Condition", "compare", "evaluate", "resolve_overrides"]
