"""Each figure of the indicators, per bucket (a week, or the whole period), computed by
the database: tasks, alerts and messages are counted with SQL aggregates, never loaded
row by row. Only the enrolments of the period are read as rows (one per patient followed,
a few thousand a quarter for a hospital): their follow-up ends where their protocol's
schedule ends, on the patient's own calendar, which Python computes exactly.

What each figure means: backend/indicators/definitions.py.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from backend import db
from backend.alerts.models import MESSAGE_GROUP, Alert
from backend.enrollments import follow_up
from backend.enrollments.models import Enrollment, FollowUpOutcome
from backend.indicators.sql import Bounds, bucket, percentiles, seconds_between, within
from backend.notifications.models import Message
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.protocols.models import ProtocolVersion
from backend.tasks.models import Task

# Post-operative days counted as the first week (day 0: the day of surgery).
FIRST_WEEK_DAYS = (0, 7)
FALSE_ALARM = "false_alarm"
SECONDS_A_DAY = 86400
# Messages that reached the patient's phone (or its provider), and those that will not:
# "undelivered" (a delivery report after "sent") is listed before it exists, so that the
# unreachable count needs no change when the messages table gets it.
REACHED = ("sent", "delivered")
NOT_REACHED = ("failed", "undelivered")


@dataclass(frozen=True)
class Scope:
    """Whose figures: the enrolments of ``team_ids`` (None: every team), on the protocol
    ``protocol`` (None: every protocol)."""

    team_ids: frozenset[uuid.UUID] | None
    protocol: str | None

    def of(self, model: Any) -> tuple[Any, list[Any]]:
        """The rows of ``model`` (``Alert`` or ``Task``, which keep their enrolment's team,
        never changed) in scope: what to select from, and the conditions. Found by their
        own team, so that a team's figures read its rows, not the hospital's; joined with
        the enrolment's protocol only when the scope names one."""
        conditions = ([model.care_team_id.in_(self.team_ids)]
                      if self.team_ids is not None else [])
        if self.protocol is None:
            return model.__table__, conditions
        return _enrolments_of(model), [*conditions, ProtocolVersion.slug == self.protocol]

    def where(self) -> list[Any]:
        """Conditions on ``Enrollment`` (joined with ``ProtocolVersion``)."""
        conditions: list[Any] = []
        if self.team_ids is not None:
            conditions.append(Enrollment.care_team_id.in_(self.team_ids))
        if self.protocol is not None:
            conditions.append(ProtocolVersion.slug == self.protocol)
        return conditions


def _enrolments_of(model: Any) -> Any:
    """``model`` joined with its enrolment and the enrolment's protocol version."""
    return (model.__table__.join(Enrollment.__table__, model.enrollment_id == Enrollment.id)
            .join(ProtocolVersion.__table__,
                  Enrollment.protocol_version_id == ProtocolVersion.id))


def _ratio(part: float, whole: float, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


# -- enrolments: patients, patient-days, channels, 30-day outcomes ------------------------
def last_days() -> dict[uuid.UUID, int]:
    """Each stored protocol version's last post-operative day (parsed once per process)."""
    return {v.id: protocol_of(v).last_day
            for v in db.session().scalars(select(ProtocolVersion))}


@dataclass
class _Tally:
    enrolled: set = field(default_factory=set)
    active: set = field(default_factory=set)
    days: float = 0.0
    channels: dict = field(default_factory=lambda: defaultdict(int))
    outcomes: dict = field(default_factory=lambda: defaultdict(int))
    discharged: int = 0

    def figures(self) -> dict:
        outcomes = self.outcomes
        recorded = sum(n for k, n in outcomes.items() if k != "not_recorded")
        return {
            "patients_enrolled": len(self.enrolled), "patients_active": len(self.active),
            "patient_days": round(self.days, 1),
            "channels": {name: self.channels.get(name, 0) for name in ("app", "sms", "web")},
            "follow_up_outcomes": {
                "discharged": self.discharged, "recorded": recorded,
                **{k: outcomes.get(k, 0) for k in ("readmission", "emergency_visit",
                                                    "unplanned_consultation", "none",
                                                    "not_recorded")},
                "readmission_rate": _ratio(outcomes.get("readmission", 0), recorded)},
        }


def enrolment_figures(scope: Scope, bounds: Bounds,
                      current: datetime) -> tuple[dict[int, dict], dict]:
    """Each enrolment of the period, read once as a row (columns, not entities), counted
    in the buckets its enrolment, follow-up and discharge fall in, and over the whole
    period (the weeks' distinct patients do not add up)."""
    start, end = bounds[0][0], bounds[-1][1]
    last_day = last_days()
    longest = timedelta(days=max(last_day.values(), default=0) + 2)
    rows = db.session().execute(
        select(Enrollment.patient_id, Enrollment.protocol_version_id, Enrollment.status,
               Enrollment.ended_at, Enrollment.surgery_date, Enrollment.discharge_at,
               Enrollment.created_at, Enrollment.channel,
               # One patient looked up by key per enrolment: a join would read (hash) the
               # whole hospital's patients to find the team's.
               select(Patient.timezone).where(Patient.id == Enrollment.patient_id)
               .scalar_subquery(), FollowUpOutcome.kind)
        .join(ProtocolVersion, ProtocolVersion.id == Enrollment.protocol_version_id)
        .outerjoin(FollowUpOutcome, FollowUpOutcome.enrollment_id == Enrollment.id)
        .where(*scope.where(),
               or_(Enrollment.discharge_at < end, Enrollment.created_at.between(start, end)),
               or_(Enrollment.ended_at.is_(None), Enrollment.ended_at > start),
               # No follow-up lasts longer than the longest protocol: older ones are over.
               Enrollment.surgery_date >= (start - longest).date())).all()
    starts = [low for low, _ in bounds]
    tallies = [_Tally() for _ in bounds]
    whole = _Tally()

    def index_of(at: datetime) -> int | None:
        index = bisect_right(starts, at) - 1
        return index if index >= 0 and at < bounds[index][1] else None

    for (patient, version, status, ended, surgery, discharge, created, channel, timezone,
         kind) in rows:
        ends = follow_up.end_of(status, ended, surgery, last_day[version], timezone)
        created_in = index_of(created)
        if created_in is not None:
            for tally in (tallies[created_in], whole):
                tally.enrolled.add(patient)
        first = max(bisect_right(starts, discharge) - 1, 0)
        for index in range(first, len(bounds)):
            low, high = bounds[index]
            if low >= ends:
                break
            overlap = (min(ends, high) - max(discharge, low)).total_seconds()
            if overlap > 0:
                tally = tallies[index]
                tally.active.add(patient)
                tally.days += overlap / SECONDS_A_DAY
                tally.channels[channel] += 1
        if min(ends, end) > max(discharge, start):
            whole.active.add(patient)
            whole.days += (min(ends, end) - max(discharge, start)).total_seconds() / SECONDS_A_DAY
            whole.channels[channel] += 1
        discharged_in = index_of(discharge)
        if discharged_in is not None:
            for tally in (tallies[discharged_in], whole):
                tally.discharged += 1
                if kind is not None:
                    tally.outcomes[kind] += 1
                elif ends <= current:
                    tally.outcomes["not_recorded"] += 1
    return {index: tally.figures() for index, tally in enumerate(tallies)}, whole.figures()


def first_follow_up(scope: Scope) -> datetime | None:
    """When the first follow-up of the scope started (None: no enrolment yet)."""
    return db.session().scalar(
        select(func.min(Enrollment.discharge_at))
        .join(ProtocolVersion, ProtocolVersion.id == Enrollment.protocol_version_id)
        .where(*scope.where()))


# -- tasks: answer rates ------------------------------------------------------------------
def answer_figures(scope: Scope, bounds: Bounds, current: datetime) -> dict[int, dict]:
    key = bucket(Task.due_at, bounds)
    done = Task.status == "done"
    on_time, late = and_(done, Task.answered_at <= Task.missed_at), and_(
        done, Task.answered_at > Task.missed_at)
    first_week = Task.day.between(*FIRST_WEEK_DAYS)
    counts = [func.count(), func.count().filter(on_time), func.count().filter(late),
              func.count().filter(first_week), func.count().filter(and_(first_week, on_time)),
              func.count().filter(and_(first_week, late))]
    tasks, in_scope = scope.of(Task)
    rows = db.session().execute(
        select(key, *counts).select_from(tasks)
        .where(*in_scope, within(Task.due_at, bounds),
               or_(done, Task.missed_at <= current))
        .group_by(key)).all()
    out: dict[int, dict] = {}
    for index, due, ok, slow, w_due, w_ok, w_slow in rows:
        out[index] = {"due": due, "on_time": ok, "late": slow,
                      "rate": _ratio(ok + slow, due),
                      "first_week": {"due": w_due, "on_time": w_ok, "late": w_slow,
                                     "rate": _ratio(w_ok + w_slow, w_due)}}
    return out


def empty_answers() -> dict:
    nothing = {"due": 0, "on_time": 0, "late": 0, "rate": None}
    return {**nothing, "first_week": dict(nothing)}


# -- alerts ---------------------------------------------------------------------------------
def alert_counts(scope: Scope, bounds: Bounds) -> dict[int, dict]:
    """Alerts opened per bucket, by rule and severity; messages to read apart."""
    key = bucket(Alert.created_at, bounds)
    # One expression object, so that PostgreSQL sees the same bound value in both places.
    is_message = Alert.rule_group == MESSAGE_GROUP
    alerts, in_scope = scope.of(Alert)
    rows = db.session().execute(
        select(key, is_message, Alert.rule_id, Alert.severity,
               func.count()).select_from(alerts)
        .where(*in_scope, within(Alert.created_at, bounds))
        .group_by(key, is_message, Alert.rule_id, Alert.severity)
        .order_by(key, Alert.rule_id, Alert.severity)).all()
    out: dict[int, dict] = defaultdict(lambda: {"opened": 0, "by_rule": [],
                                                "messages_to_read": 0})
    for index, is_message, rule, severity, count in rows:
        if is_message:
            out[index]["messages_to_read"] += count
            continue
        out[index]["opened"] += count
        out[index]["by_rule"].append({"rule": rule, "severity": severity, "opened": count})
    return out


def response_times(scope: Scope, bounds: Bounds, current: datetime) -> dict[int, list]:
    """Per bucket of opening and severity: p50/p90 to acknowledge and to resolve (by a
    clinician), in minutes, and the share of alerts past their deadline."""
    key = bucket(Alert.created_at, bounds)
    joins, in_scope = scope.of(Alert)
    base = [*in_scope, within(Alert.created_at, bounds)]
    session = db.session()
    acknowledge = session.execute(percentiles(
        [key, Alert.severity], seconds_between(Alert.created_at, Alert.acknowledged_at),
        [*base, Alert.acknowledged_at.is_not(None)], joins)).all()
    resolve = session.execute(percentiles(
        [key, Alert.severity], seconds_between(Alert.created_at, Alert.resolved_at),
        [*base, Alert.resolved_by.is_not(None)], joins)).all()
    taken = func.coalesce(Alert.acknowledged_at, Alert.resolved_at)
    late = session.execute(
        select(key, Alert.severity, func.count(),
               func.count().filter(or_(taken.is_(None), taken > Alert.due_by)))
        .select_from(joins).where(*base, Alert.due_by <= current)
        .group_by(key, Alert.severity)).all()
    table: dict[tuple[int, str], dict] = defaultdict(lambda: {
        "acknowledged": 0, "acknowledge_p50_minutes": None, "acknowledge_p90_minutes": None,
        "resolved": 0, "resolve_p50_minutes": None, "resolve_p90_minutes": None,
        "past_deadline_of": 0, "past_deadline": 0, "past_deadline_share": None})
    for rows, name in ((acknowledge, "acknowledge"), (resolve, "resolve")):
        for index, severity, count, p50, p90 in rows:
            entry = table[(index, severity)]
            entry["acknowledged" if name == "acknowledge" else "resolved"] = count
            entry[f"{name}_p50_minutes"] = round(p50 / 60, 1)
            entry[f"{name}_p90_minutes"] = round(p90 / 60, 1)
    for index, severity, count, past in late:
        entry = table[(index, severity)]
        entry.update(past_deadline_of=count, past_deadline=past,
                     past_deadline_share=_ratio(past, count))
    out: dict[int, list] = defaultdict(list)
    for (index, severity), entry in sorted(table.items(), key=lambda item: (
            item[0][0], ("high", "medium", "low").index(item[0][1]))):
        out[index].append({"severity": severity, **entry})
    return out


def resolutions(scope: Scope, bounds: Bounds) -> dict[int, dict]:
    """Per bucket of resolution: outcomes, and per rule the false-alarm share."""
    key = bucket(Alert.resolved_at, bounds)
    session = db.session()
    alerts, in_scope = scope.of(Alert)
    base = [*in_scope, within(Alert.resolved_at, bounds), Alert.status == "resolved"]
    by_outcome = session.execute(
        select(key, Alert.outcome, func.count()).select_from(alerts)
        .where(*base).group_by(key, Alert.outcome)).all()
    by_rule = session.execute(
        select(key, Alert.rule_id, func.count(),
               func.count().filter(Alert.outcome == FALSE_ALARM))
        .select_from(alerts)
        .where(*base, Alert.resolved_by.is_not(None), Alert.rule_group != MESSAGE_GROUP)
        .group_by(key, Alert.rule_id).order_by(key, Alert.rule_id)).all()
    out: dict[int, dict] = defaultdict(lambda: {"resolved": 0, "by_outcome": {},
                                                "false_alarms": []})
    for index, outcome, count in by_outcome:
        out[index]["resolved"] += count
        out[index]["by_outcome"][outcome] = count
    for index, rule, judged, false in by_rule:
        out[index]["false_alarms"].append({"rule": rule, "judged": judged,
                                           "false_alarms": false,
                                           "share": _ratio(false, judged)})
    return out


def false_alarm_cases(scope: Scope, bounds: Bounds, rules: list[str],
                      limit: int) -> dict[str, list[dict]]:
    """The latest alerts of ``rules`` resolved as false alarms in the period: what the
    surgeon reviews (alert ids only; opening one is a read of the patient, audited)."""
    if not rules:
        return {}
    alerts, in_scope = scope.of(Alert)
    rows = db.session().execute(
        select(Alert.rule_id, Alert.id, Alert.severity, Alert.created_at, Alert.resolved_at)
        .select_from(alerts)
        .where(*in_scope, within(Alert.resolved_at, bounds),
               Alert.outcome == FALSE_ALARM, Alert.rule_id.in_(rules))
        .order_by(Alert.resolved_at.desc())).all()
    cases: dict[str, list[dict]] = {rule: [] for rule in rules}
    for rule, alert_id, severity, opened, resolved in rows:
        if len(cases[rule]) < limit:
            cases[rule].append({"alert_id": alert_id, "severity": severity,
                                "created_at": opened, "resolved_at": resolved})
    return cases


# -- messages to patients -------------------------------------------------------------------
def message_figures(scope: Scope, bounds: Bounds) -> dict[int, dict]:
    """Per bucket: the messages to the scope's patients by status (any status the
    messages table holds, so a new one such as ``undelivered`` shows without change),
    and the patients none of whose messages got through."""
    key = bucket(Message.created_at, bounds)
    in_scope = exists(select(Enrollment.id)
                      .join(ProtocolVersion, ProtocolVersion.id == Enrollment.protocol_version_id)
                      .where(Enrollment.patient_id == Message.patient_id, *scope.where()))
    where = [Message.patient_id.is_not(None), within(Message.created_at, bounds)]
    if scope.where():  # every team and protocol: every patient's messages
        where.append(in_scope)
    session = db.session()
    statuses = session.execute(select(key, Message.status, func.count()).where(*where)
                               .group_by(key, Message.status)).all()
    per_patient = (select(key.label("k"), Message.patient_id).where(*where)
                   .group_by(key, Message.patient_id)
                   .having(and_(func.count().filter(Message.status.in_(NOT_REACHED)) > 0,
                                func.count().filter(Message.status.in_(REACHED)) == 0))
                   .subquery())
    unreachable = session.execute(select(per_patient.c.k, func.count())
                                  .group_by(per_patient.c.k)).all()
    out: dict[int, dict] = defaultdict(lambda: {"total": 0, "by_status": {},
                                                "patients_unreachable": 0})
    for index, status, count in statuses:
        out[index]["total"] += count
        out[index]["by_status"][status] = count
    for index, count in unreachable:
        out[index]["patients_unreachable"] = count
    return out
