"""Small server-rendered SVG charts of a patient's readings, with the protocol's bands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str
    svg: str


def _beyond(value: Decimal, op: str, bound: Decimal) -> bool:
    return {">=": value >= bound, ">": value > bound, "<=": value <= bound,
            "<": value < bound}[op]


def line_chart(title: str, unit: str, points: list[tuple[datetime, Decimal]],
               bands: list[tuple[str, Decimal, str]], width: int = 520,
               height: int = 160) -> Chart:
    """A polyline of the points over time; each band (label, value, op) is a dashed
    threshold line, and a point beyond one of them is drawn in red."""
    pad_left, pad, plot_w, plot_h = 44, 14, width - 58, height - 34
    values = [float(v) for _, v in points] + [float(b) for _, b, _ in bands]
    low, high = min(values), max(values)
    if high - low < 1:
        low, high = low - 0.5, high + 0.5
    span = high - low
    low, high = low - span * 0.1, high + span * 0.1
    first, last = points[0][0], points[-1][0]
    seconds = max((last - first).total_seconds(), 1)

    def x(at: datetime) -> float:
        return pad_left + (at - first).total_seconds() / seconds * plot_w

    def y(value: float) -> float:
        return pad + (high - value) / (high - low) * plot_h

    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{title}" '
             f'class="chart">',
             f'<rect x="{pad_left}" y="{pad}" width="{plot_w}" height="{plot_h}" '
             'class="plot"/>']
    for label, value, _op in bands:
        ty = y(float(value))
        parts.append(f'<line x1="{pad_left}" x2="{pad_left + plot_w}" y1="{ty:.1f}" '
                     f'y2="{ty:.1f}" class="band"/>')
        parts.append(f'<text x="{pad_left + plot_w - 2}" y="{ty - 3:.1f}" class="band-label" '
                     f'text-anchor="end">{label} {value}</text>')
    for tick in (low + (high - low) * f for f in (0.1, 0.5, 0.9)):
        parts.append(f'<text x="{pad_left - 6}" y="{y(tick) + 4:.1f}" class="axis" '
                     f'text-anchor="end">{tick:.1f}</text>')
    line = " ".join(f"{x(at):.1f},{y(float(v)):.1f}" for at, v in points)
    parts.append(f'<polyline points="{line}" class="series"/>')
    for at, v in points:
        flagged = any(_beyond(v, op, b) for _, b, op in bands)
        parts.append(f'<circle cx="{x(at):.1f}" cy="{y(float(v)):.1f}" r="3.5" '
                     f'class="{"dot alert" if flagged else "dot"}"><title>{v} {unit} — '
                     f'{at:%d/%m %H:%M}</title></circle>')
    parts.append(f'<text x="{pad_left}" y="{height - 4}" class="axis">{first:%d/%m}</text>')
    parts.append(f'<text x="{pad_left + plot_w}" y="{height - 4}" class="axis" '
                 f'text-anchor="end">{last:%d/%m}</text></svg>')
    return Chart(title, unit, "".join(parts))
