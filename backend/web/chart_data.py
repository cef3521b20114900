"""What the patient's charts show: each reading and score over the last weeks, against
the thresholds this patient is scored with (the protocol's, or the surgeon's override
for this patient), and the trend rules as a moving limit (e.g. the weight-gain band)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from backend import db
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.intake.models import Reading, Submission
from backend.patients.models import Patient
from backend.protocols.content import protocol_of
from backend.protocols.services import overrides_for_engine
from backend.web import labels
from backend.web.blueprint import display_zone
from backend.web.charts import Band, Chart, Series, render
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
    series: dict[str, Series] = {}

    def add(key: str, kind: labels.Kind, at: datetime, value: object) -> None:
        series.setdefault(key, Series(key, kind)).points.append((at, Decimal(str(value))))

    session = db.session()
    # Columns only: a patient with a connected device may have tens of thousands of rows.
    for rtype, value, at in session.execute(
            select(Reading.type, Reading.numeric_value, Reading.measured_at).where(
                Reading.patient_id == patient.id, Reading.measured_at >= since,
                Reading.numeric_value.is_not(None)).order_by(Reading.measured_at)):
        if rtype in labels.READINGS:
            add(rtype, labels.READINGS[rtype], at, value)
    for at, answers, scores in session.execute(
            select(Submission.submitted_at, Submission.answers, Submission.scores).where(
                Submission.patient_id == patient.id, Submission.submitted_at >= since)
            .order_by(Submission.submitted_at)):
        if isinstance(answers.get("pain_now"), int | float):
            add("pain", labels.READINGS["pain"], at, answers["pain_now"])
        for score in scores or []:
            if score.get("name") in labels.SCORES and score.get("total") is not None:
                add(score["name"], labels.SCORES[score["name"]], at, score["total"])
    return series


def _thresholds(enrollment: Enrollment, series: dict[str, Series]) -> None:
    protocol = protocol_of(enrollment.protocol)
    own = resolve_overrides(protocol, overrides_for_engine(enrollment.id))
    for rule in protocol.all_rules():
        for leaf in rule.thresholds():
            key = _series_of(leaf.subject) if hasattr(leaf, "subject") else None
            if key not in series:
                continue
            value = own.get(rule.id, {}).get(leaf.key)
            if isinstance(leaf, Trend):
                by = value if value is not None else leaf.by
                _trend(series[key], leaf, Decimal(str(by)), rule.id)
            elif (isinstance(leaf, Threshold) and leaf.op in (">=", ">", "<", "<=")
                  and not isinstance(leaf.value, list | tuple | frozenset)):
                chosen = leaf.value if value is None else value
                band = Band(rule.id, Decimal(str(chosen)), leaf.op, value is not None)
                if not any(b.value == band.value and b.op == band.op
                           for b in series[key].bands):
                    series[key].bands.append(band)


def _trend(series: Series, leaf: Trend, by: Decimal, rule_id: str) -> None:
    """The limit the latest value of each day must not cross: the reference of the
    window (lowest value of the day and the ``within_days`` days before, for a rise)
    plus ``by``; one value per calendar day, as the rule reads it."""
    zone = display_zone()
    daily: dict[date, tuple[datetime, Decimal]] = {}
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
    series = _load(patient, now() - WINDOW)
    _thresholds(enrollment, series)
    return [render(series[key], display_zone()) for key in ORDER if key in series]
