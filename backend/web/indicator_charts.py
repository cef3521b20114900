"""The indicators page's charts, drawn here as SVG (no script, no CDN): a value per week
as vertical bars, and a share per rule as horizontal bars against a flag level.

Each chart is an image with its own title and description for screen readers; the
figures it draws are also in the page's tables, which are the text alternative.
"""

from __future__ import annotations

from html import escape

WIDTH = 340
BAR_AREA = 150  # height of the bars' area of a weekly chart
TOP, BOTTOM, LEFT = 18, 34, 8
ROW = 26  # one rule of a share chart
LABEL_W = 118  # the rules' names
VALUE_LABELS = 8  # weeks up to which each bar shows its value


def _svg(height: int, title: str, body: list[str]) -> str:
    return (f'<svg class="chart ind-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
            f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def weekly_bars(title: str, values: list[tuple[str, float | None]], text_of,
                top: float | None = None) -> str:
    """One bar per week (``(week label, value)``); a week without a value has no bar
    and says "—". ``top``: the value of a full bar (default: the largest)."""
    known = [v for _, v in values if v is not None]
    top = top or max(known, default=0) or 1
    count = max(len(values), 1)
    slot = (WIDTH - 2 * LEFT) / count
    bar = min(slot * 0.7, 40)
    base = TOP + BAR_AREA
    body = [f'<line class="grid" x1="{LEFT}" y1="{base}" x2="{WIDTH - LEFT}" y2="{base}"/>']
    for index, (label, value) in enumerate(values):
        x = LEFT + index * slot + (slot - bar) / 2
        middle = x + bar / 2
        shown = text_of(value) if value is not None else "—"
        y = base - 4
        if value is not None:
            height = BAR_AREA * min(value / top, 1)
            body.append(f'<rect class="bar" x="{x:.1f}" y="{base - height:.1f}" '
                        f'width="{bar:.1f}" height="{height:.1f}">'
                        f'<title>{escape(label)} : {escape(shown)}</title></rect>')
            y = base - height - 4
        # Values over the bars while they fit (the table under the charts has them all);
        # the weeks' names every other one, or one in four, beyond.
        if count <= VALUE_LABELS:
            body.append(f'<text x="{middle:.1f}" y="{y:.1f}" text-anchor="middle">'
                        f'{escape(shown)}</text>')
        if index % (1 if count <= VALUE_LABELS else 2 if count <= 16 else 4) == 0:
            body.append(f'<text x="{middle:.1f}" y="{base + 16}" text-anchor="middle" '
                        f'class="axis">{escape(label[-3:])}</text>')
    return _svg(base + BOTTOM - 10, title, body)


def share_bars(title: str, rows: list[tuple[str, float, bool]], level: float,
               level_text: str, text_of) -> str:
    """One horizontal bar per rule (``(rule, share 0..1, flagged)``), and the flag level
    as a dashed line."""
    plot = WIDTH - LABEL_W - 44
    height = TOP + ROW * max(len(rows), 1) + 24
    body = []
    for index, (rule, share, flagged) in enumerate(rows):
        y = TOP + index * ROW
        css = "bar flagged" if flagged else "bar"
        body.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">'
                    f'{escape(rule[:16])}</text>')
        body.append(f'<rect class="{css}" x="{LABEL_W}" y="{y + 3}" '
                    f'width="{plot * share:.1f}" height="{ROW - 8}"/>')
        body.append(f'<text x="{LABEL_W + plot * share + 4:.1f}" y="{y + 15}">'
                    f'{escape(text_of(share))}</text>')
    x = LABEL_W + plot * level
    body.append(f'<line class="band" x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" '
                f'y2="{height - 18}"/>')
    body.append(f'<text class="band-label" x="{x:.1f}" y="{height - 4}" '
                f'text-anchor="middle">{escape(level_text)}</text>')
    return _svg(height, title, body)
