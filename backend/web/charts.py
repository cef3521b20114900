"""Small server-rendered SVG charts: one reading or score over time, the patient's
thresholds as lines, a trend rule as a moving limit.

Sized for a phone first: the drawing is 340 units wide, so on a 390 px screen a unit is
about a pixel and the 13-unit labels stay at least 12 px; wider screens only enlarge it.
Dense series (a connected device) are drawn as one bar per day (min to max) with the
day's last value, so the SVG stays small whatever the number of readings; the bar reaches
every value beyond a threshold, and its tooltip counts them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from backend.limits import CHART_POINTS
from backend.web import labels
from backend.web.i18n import _, number

WIDTH, HEIGHT = 340, 200
LEFT, RIGHT, TOP, BOTTOM = 42, 8, 12, 28
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
LABEL_GAP = 15  # vertical room of one 13-unit label


@dataclass(frozen=True)
class Band:
    """A threshold line: beyond ``value`` (by ``op``) the rule ``rule_id`` fires."""

    rule_id: str
    value: Decimal
    op: str
    own: bool  # this patient's own value (an override), not the protocol's default


@dataclass(frozen=True)
class Day:
    """One day of a dense series: its range, its first and last values, how many values
    it had and how many of them lay beyond a threshold line."""

    at: datetime  # the day's last value's time
    low: Decimal
    high: Decimal
    last: Decimal
    first_at: datetime
    first: Decimal
    count: int
    beyond: int = 0


@dataclass
class Series:
    """A reading or score over time: its ``points`` (drawn one by one up to
    ``CHART_POINTS``) and, for dense readings, its ``days``."""

    key: str
    kind: labels.Kind
    points: list[tuple[datetime, Decimal]] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)
    summarised: bool = False  # its readings come as ``days``, summarised by the database
    bands: list[Band] = field(default_factory=list)
    trend: list[tuple[datetime, Decimal]] = field(default_factory=list)
    trend_rule: str | None = None
    trend_rising: bool = True


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    unit: str
    svg: str
    legend: list[tuple[str, str]]  # (css class of the line, text)
    summary: str
    note: str | None = None  # a dense series: how it is drawn, under the chart


def _beyond(value: Decimal, op: str, bound: Decimal) -> bool:
    return {">=": value >= bound, ">": value > bound, "<=": value <= bound,
            "<": value < bound}[op]


def _days(series: Series, zone: ZoneInfo) -> list[Day]:
    """One summary a day of the ward's calendar, for a dense series loaded point by
    point (the readings come summarised by the database already)."""
    grouped: dict = {}
    for at, value in series.points:
        grouped.setdefault(at.astimezone(zone).date(), []).append((at, value))
    return [Day(rows[-1][0], min(v for _, v in rows), max(v for _, v in rows), rows[-1][1],
                rows[0][0], rows[0][1], len(rows),
                sum(any(_beyond(v, b.op, b.value) for b in series.bands) for _, v in rows))
            for _, rows in sorted(grouped.items())]


def _ticks(low: float, high: float) -> list[float]:
    """Three to six round values between ``low`` and ``high``."""
    span = high - low
    magnitude = 10 ** math.floor(math.log10(span / 4))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if span / (m * magnitude) <= 5)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 6) for i in range(int((high - first) / step) + 1)]


def _spread(wanted: list[float], top: float, bottom: float) -> list[float]:
    """Label baselines near ``wanted`` (sorted), at least LABEL_GAP apart, within the plot."""
    placed: list[float] = []
    for y in wanted:
        y = max(y, top + LABEL_GAP - 3)
        if placed and y - placed[-1] < LABEL_GAP:
            y = placed[-1] + LABEL_GAP
        placed.append(y)
    overflow = placed[-1] - bottom if placed else 0
    if overflow > 0:  # push the stack back up
        placed = [y - overflow for y in placed]
    return placed


def _merged(days: list[Day], more: list[Day], zone: ZoneInfo) -> list[Day]:
    """Two summaries of the same series (readings from the database, answers here), one
    per day."""
    by_day: dict = {}
    for day in [*days, *more]:
        key = day.at.astimezone(zone).date()
        other = by_day.get(key)
        by_day[key] = day if other is None else Day(
            max(day.at, other.at), min(day.low, other.low), max(day.high, other.high),
            day.last if day.at >= other.at else other.last, min(day.first_at, other.first_at),
            day.first if day.first_at <= other.first_at else other.first,
            day.count + other.count, day.beyond + other.beyond)
    return [by_day[key] for key in sorted(by_day)]


def render(series: Series, zone: ZoneInfo) -> Chart:
    kind, points = series.kind, series.points
    unit, decimals = kind.unit, kind.decimals
    days = series.days
    if points and (days or len(points) > CHART_POINTS):
        days = _merged(days, _days(series, zone), zone)
    dense = bool(days)
    bands = series.bands
    values = ([float(v) for d in days for v in (d.low, d.high)] if dense
              else [float(v) for _, v in points])
    values += [float(b.value) for b in bands] + [float(v) for _, v in series.trend]
    low, high = min(values), max(values)
    margin = max((high - low) * 0.08, 0.5)
    low, high = low - margin, high + margin
    first = days[0].first_at if dense else points[0][0]
    last = days[-1].at if dense else points[-1][0]
    latest = days[-1].last if dense else points[-1][1]
    seconds = max((last - first).total_seconds(), 3600)

    def x(at: datetime) -> float:
        return LEFT + (at - first).total_seconds() / seconds * PLOT_W

    def y(value: float | Decimal) -> float:
        return TOP + (high - float(value)) / (high - low) * PLOT_H

    def when(at: datetime) -> str:
        return at.astimezone(zone).strftime("%d/%m %H:%M")

    def shown(value: Decimal) -> str:
        return labels.with_unit(number(value, decimals), unit)

    parts = [f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" class="plot"/>']
    for tick in _ticks(low, high):
        ty = y(tick)
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{ty:.1f}" y2="{ty:.1f}" '
                     'class="grid"/>')
        parts.append(f'<text x="{LEFT - 5}" y="{ty + 4.5:.1f}" class="axis" '
                     f'text-anchor="end">{number(Decimal(str(tick)))}</text>')
    ordered = sorted(bands, key=lambda b: y(b.value))
    for band, label_y in zip(ordered, _spread([y(b.value) - 4 for b in ordered], TOP,
                                               TOP + PLOT_H - 4), strict=True):
        by = y(band.value)
        css = "band own" if band.own else "band"
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{by:.1f}" y2="{by:.1f}" '
                     f'class="{css}"/>')
        parts.append(f'<text x="{LEFT + PLOT_W - 4}" y="{label_y:.1f}" class="band-label" '
                     f'text-anchor="end">{escape(number(band.value))}</text>')
    if series.trend:
        steps = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v in series.trend)
        parts.append(f'<polyline points="{steps}" class="trend"/>')

    limits = dict(series.trend)  # the trend's limit at each day's value

    def flagged(*values: Decimal, at: tuple[datetime, ...] = ()) -> bool:
        limit = next((limits[when] for when in at if when in limits), None)
        beyond_trend = limit is not None and any(
            v > limit if series.trend_rising else v < limit for v in values)
        return beyond_trend or any(_beyond(v, b.op, b.value) for v in values for b in bands)

    if dense:
        for day in days:
            dx = x(day.at)
            parts.append(f'<line x1="{dx:.1f}" x2="{dx:.1f}" y1="{y(day.high):.1f}" '
                         f'y2="{y(day.low):.1f}" class="range"/>')
        line = " ".join(f"{x(d.at):.1f},{y(d.last):.1f}" for d in days)
        parts.append(f'<polyline points="{line}" class="series"/>')
        for day in days:
            tip = _("{day} : de {low} à {high}, dernière valeur {last}",
                    day=day.at.astimezone(zone).strftime("%d/%m"), low=number(day.low),
                    high=number(day.high), last=shown(day.last))
            if day.beyond:
                tip += _(" ; {n} valeur(s) sur {count} au-delà d'un seuil", n=day.beyond,
                         count=day.count)
            css = ("dot alert" if day.beyond or flagged(day.low, day.high,
                                                         at=(day.at, day.first_at))
                   else "dot")
            parts.append(f'<circle cx="{x(day.at):.1f}" cy="{y(day.last):.1f}" r="3" '
                         f'class="{css}"><title>{escape(tip)}</title></circle>')
    else:
        line = " ".join(f"{x(at):.1f},{y(v):.1f}" for at, v in points)
        parts.append(f'<polyline points="{line}" class="series"/>')
        for at, value in points:
            css = "dot alert" if flagged(value, at=(at,)) else "dot"
            parts.append(f'<circle cx="{x(at):.1f}" cy="{y(value):.1f}" r="3.5" '
                         f'class="{css}"><title>{escape(shown(value))} — {when(at)}'
                         '</title></circle>')
    base = HEIGHT - 8
    parts.append(f'<text x="{LEFT}" y="{base}" class="axis">{first.astimezone(zone):%d/%m}</text>')
    if last - first > timedelta(days=2):
        middle = first + (last - first) / 2
        parts.append(f'<text x="{x(middle):.1f}" y="{base}" class="axis" text-anchor="middle">'
                     f'{middle.astimezone(zone):%d/%m}</text>')
    parts.append(f'<text x="{LEFT + PLOT_W}" y="{base}" class="axis" text-anchor="end">'
                 f'{last.astimezone(zone):%d/%m}</text>')

    title = kind.label()
    summary = _("{title} : dernière valeur {value} le {time}", title=title,
                value=shown(latest), time=when(last))
    note = None
    if dense:
        count = sum(day.count for day in days)
        summary += _(" ({n} mesures, une barre par jour du minimum au maximum)", n=count)
        # Said under the chart too: a bar stands for many values, the abnormal ones within.
        note = _("{n} mesures : une barre par jour, de la plus basse à la plus haute.",
                 n=count)
        beyond = sum(day.beyond for day in days)
        if beyond:
            beyond_text = _(" Dont {n} au-delà d'un seuil (jours au point rouge).", n=beyond)
            summary += beyond_text
            note += beyond_text
    svg = (f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(summary)}" '
           f'class="chart">{"".join(parts)}</svg>')
    legend = [("own" if b.own else "band",
               f"{labels.rule_title(b.rule_id)} : {labels.OPERATORS[b.op]} {shown(b.value)}"
               + (_(" (seuil propre à ce patient)") if b.own else "")) for b in ordered]
    if series.trend_rule:
        legend.append(("trend", labels.rule_title(series.trend_rule) + _(" : limite du jour")))
    return Chart(series.key, title, unit, svg, legend, summary, note)
