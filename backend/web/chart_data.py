"""What the patient's charts show: each reading and score over the last weeks, against
the thresholds this patient is scored with (the protocol's, or the surgeon's override
for this patient), and the trend rules as a moving limit (e.g. the weight-gain band)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, or_, select

from backend import db
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.intake.models import Reading, Submission
from backend.limits import CHART_POINTS
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.protocols.services import overrides_for_engine
from backend.web import labels
from backend.web.blueprint import display_zone
from backend.web.charts import Band, Chart, Day, Series, render
from rules.conditions import Threshold, Trend
from rules.evaluator import resolve_overrides

WINDOW = timedelta(days=30)
# Subjects of rules, as the series they are drawn on.
ANSWER_SERIES = {"daily-postop.pain_now": "pain", "pain-nrs.pain_now": "pain"}
SCORE_SERIES = {"qor15.total": "qor15", "phq9.total": "phq9", "news2.total": "news2"}
ORDER = ("temperature", "pain", "weight", "systolic_bp", "diastolic_bp", "heart_rate",
         "respiratory_rate", "spo2", "glucose", "news2", "qor15", "phq9")


def _series_of(subject) -> str | None:
    if subject.kind == "reading":
        return subject.ref
    if subject.kind == "answer":
        return ANSWER_SERIES.get(subject.ref)
    return SCORE_SERIES.get(subject.ref)


def _load(patient: Patient, since: datetime) -> dict[str, Series]:
    """Every series of the window. The readings of a type with more than
    ``CHART_POINTS`` values stay in the database (``summarised``, for ``_load_days``);
    answers and scores, a few a day, come as points."""
    series: dict[str, Series] = {}

    def add(key: str, kind: labels.Kind, at: datetime, value: object) -> None:
        series.setdefault(key, Series(key, kind)).points.append((at, Decimal(str(value))))

    session = db.session()
    in_window = (Reading.patient_id == patient.id, Reading.measured_at >= since,
                 Reading.numeric_value.is_not(None), Reading.type.in_(list(labels.READINGS)))
    counts = dict(session.execute(select(Reading.type, func.count()).where(*in_window)
                                  .group_by(Reading.type)).all())
    for rtype, count in counts.items():
        series[rtype] = Series(rtype, labels.READINGS[rtype],
                               summarised=count > CHART_POINTS)
    sparse = [rtype for rtype, count in counts.items() if count <= CHART_POINTS]
    if sparse:
        for rtype, value, at in session.execute(
                select(Reading.type, Reading.numeric_value, Reading.measured_at)
                .where(*in_window, Reading.type.in_(sparse))
                .order_by(Reading.measured_at, Reading.id)):
            add(rtype, labels.READINGS[rtype], at, value)
    # Questionnaires are few a day (and the patient's rate limit bounds them): loaded as
    # they are, drawn one bar a day when dense.
    for at, answers, scores in session.execute(
            select(Submission.submitted_at, Submission.answers, Submission.scores).where(
                Submission.patient_id == patient.id, Submission.submitted_at >= since)
            .order_by(Submission.submitted_at)):
        if isinstance(answers.get("pain_now"), int | float):
            add("pain", labels.READINGS["pain"], at, answers["pain_now"])
        for score in scores or []:
            if score.get("name") in labels.SCORES and score.get("total") is not None:
                add(score["name"], labels.SCORES[score["name"]], at, score["total"])
    for item in series.values():  # pain: readings and answers, in time order
        item.points.sort(key=lambda point: point[0])
    return series


def _load_days(patient: Patient, since: datetime, dense: list[Series]) -> None:
    """The dense reading series as one summary a day of the ward's calendar, computed by
    the database: lowest, highest, first and last value, how many values and how many
    beyond a threshold line of the chart. Every row is read there, none travels here."""
    zone = display_zone()
    first_day = since.astimezone(zone).date()
    edges = [datetime.combine(first_day + timedelta(days=i), time(0), zone)
             for i in range(1, (now().astimezone(zone).date() - first_day).days + 1)]
    day = (case(*[(Reading.measured_at < edge, index) for index, edge in enumerate(edges)],
                else_=len(edges)) if edges else literal(0))
    lines = [(and_(Reading.type == item.key, or_(*[
        _beyond_sql(Reading.numeric_value, band) for band in item.bands])), 1)
        for item in dense if item.bands]
    beyond = case(*lines, else_=0) if lines else literal(0)
    rows = select(Reading.type.label("type"), day.label("day"),
                  Reading.numeric_value.label("value"), Reading.measured_at.label("at"),
                  Reading.id.label("id"), beyond.label("beyond")).where(
        Reading.patient_id == patient.id, Reading.measured_at >= since,
        Reading.numeric_value.is_not(None),
        Reading.type.in_([item.key for item in dense])).subquery()
    group = (rows.c.type, rows.c.day)
    ranked = select(
        rows.c.type, rows.c.day, rows.c.value, rows.c.at,
        func.min(rows.c.value).over(partition_by=group).label("low"),
        func.max(rows.c.value).over(partition_by=group).label("high"),
        func.count().over(partition_by=group).label("count"),
        func.sum(rows.c.beyond).over(partition_by=group).label("beyond"),
        func.row_number().over(partition_by=group, order_by=(rows.c.at, rows.c.id))
        .label("from_first"),
        func.row_number().over(partition_by=group, order_by=(rows.c.at.desc(),
                                                             rows.c.id.desc()))
        .label("from_last")).subquery()
    days: dict[tuple[str, int], dict] = {}
    for row in db.session().execute(select(ranked).where(
            or_(ranked.c.from_first == 1, ranked.c.from_last == 1))):
        summary = days.setdefault((row.type, row.day), {
            "low": row.low, "high": row.high, "count": row.count, "beyond": row.beyond})
        if row.from_first == 1:
            summary["first"] = (row.at, row.value)
        if row.from_last == 1:
            summary["last"] = (row.at, row.value)
    for item in dense:
        item.days = [Day(at=d["last"][0], low=d["low"], high=d["high"], last=d["last"][1],
                         first_at=d["first"][0], first=d["first"][1], count=d["count"],
                         beyond=int(d["beyond"] or 0))
                     for (key, _), d in sorted(days.items()) if key == item.key]


def _beyond_sql(column, band: Band):
    return {">=": column >= band.value, ">": column > band.value,
            "<=": column <= band.value, "<": column < band.value}[band.op]


def _thresholds(enrollment: Enrollment, series: dict[str, Series]) -> list:
    """The threshold lines of each series; returns the trend rules to draw once the
    series' values are known, as ``(series, leaf, by, rule_id)``."""
    protocol = protocol_of(enrollment.protocol)
    own = resolve_overrides(protocol, overrides_for_engine(enrollment))
    trends = []
    for rule in protocol.all_rules():
        for leaf in rule.thresholds():
            key = _series_of(leaf.subject) if hasattr(leaf, "subject") else None
            if key not in series:
                continue
            value = own.get(rule.id, {}).get(leaf.key)
            if isinstance(leaf, Trend):
                by = value if value is not None else leaf.by
                trends.append((series[key], leaf, Decimal(str(by)), rule.id))
            elif (isinstance(leaf, Threshold) and leaf.op in (">=", ">", "<", "<=")
                  and not isinstance(leaf.value, list | tuple | frozenset)):
                chosen = leaf.value if value is None else value
                band = Band(rule.id, Decimal(str(chosen)), leaf.op, value is not None)
                if not any(b.value == band.value and b.op == band.op
                           for b in series[key].bands):
                    series[key].bands.append(band)
    return trends


def _trend(series: Series, leaf: Trend, by: Decimal, rule_id: str) -> None:
    """The limit the latest value of each day must not cross: the reference of the
    window (lowest value of the day and the ``within_days`` days before, for a rise)
    plus ``by``; one value per calendar day, as the rule reads it."""
    zone = display_zone()
    daily: dict[date, tuple[datetime, Decimal]] = {}
    if series.days:
        for summary in series.days:
            daily[summary.at.astimezone(zone).date()] = (
                (summary.first_at, summary.first) if leaf.daily == "first"
                else (summary.at, summary.last))
    for at, value in series.points:
        day = at.astimezone(zone).date()
        if leaf.daily != "first" or day not in daily:
            daily[day] = (at, value)
    days = sorted(daily)
    rise = leaf.change == "rise"
    for day in days:
        window = [daily[d][1] for d in days if day - timedelta(days=leaf.within_days) <= d <= day]
        reference = min(window) if rise else max(window)
        series.trend.append((daily[day][0], reference + by if rise else reference - by))
    series.trend_rule, series.trend_rising = rule_id, rise


def patient_charts(patient: Patient, enrollment: Enrollment) -> list[Chart]:
    since = now() - WINDOW
    series = _load(patient, since)
    trends = _thresholds(enrollment, series)
    dense = [item for item in series.values() if item.summarised]
    if dense:
        _load_days(patient, since, dense)
    for item, leaf, by, rule_id in trends:
        _trend(item, leaf, by, rule_id)
    return [render(series[key], display_zone()) for key in ORDER if key in series]
