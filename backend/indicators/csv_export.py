"""The indicators as a CSV file: one line per figure and week (and for the whole
period), "long" so that a spreadsheet's pivot table takes it as it is and a figure added
later is a new line, not a new column. A small-count row keeps its lines, figures left
empty: a CSV file is made to circulate (see services)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backend.text import spreadsheet_csv

HEADER = ("week", "week_start", "teams", "protocol", "indicator", "value")
# What names an item of a list of figures (a rule and its severity, a severity).
ITEM_KEYS = ("rule", "severity")


def flatten(row: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``{"alerts": {"by_rule": [{"rule": "fever", "severity": "high", "opened": 2}]}}``
    → ``("alerts.by_rule.fever.high.opened", 2)``."""
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, f"{name}.")
        elif isinstance(value, list):
            for item in value:
                label = ".".join(str(item[k]) for k in ITEM_KEYS if k in item)
                yield from flatten({k: v for k, v in item.items() if k not in ITEM_KEYS},
                                   f"{name}.{label}.")
        else:
            yield name, value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _lines(result: dict[str, Any]) -> Iterator[tuple]:
    teams, protocol = " ".join(result["teams"]), result["protocol"] or ""
    periods = [("total", str(result["weeks"][0]["start"]), result["total"])] + [
        (week["week"], str(week["start"]), week) for week in result["weeks"]]
    for label, start, row in periods:
        figures = {k: v for k, v in row.items() if k not in ("week", "start")}
        for name, value in flatten(figures):
            hidden = row["small_count"] and name != "small_count"
            yield label, start, teams, protocol, name, "" if hidden else _cell(value)


def to_csv(result: dict[str, Any]) -> str:
    return spreadsheet_csv([HEADER, *_lines(result)])
