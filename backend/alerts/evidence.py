"""What an alert shows of its findings: the evidence items, the explanation and advice
texts in both languages, and the series of values that raised it (with its peak)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from rules.model import Finding

SUBJECTS = ("reading", "answer", "score")
LOCAL_TIME = {"fr": "{date} à {time}, heure de {place}", "en": "{date} at {time}, {place} time"}


def evidence_time(finding: Finding, default: datetime) -> datetime:
    times = [datetime.fromisoformat(item.get("at") or item["due_at"])
             for member in finding.members() for item in member.evidence
             if item.get("at") or item.get("due_at")]
    return max(times) if times else default


def evidence_items(finding: Finding, timezone: str) -> list[dict[str, Any]]:
    """The finding's evidence, then the other findings of its group (same cause)."""
    related = [{"related_rule": f.rule_id, "severity": f.severity,
                "explanation": texts(f, timezone)[0],
                "evidence": [dict(item) for item in f.evidence]} for f in finding.related]
    return [dict(item) for item in finding.evidence] + related


def local_time(at: datetime, timezone: str, lang: str) -> str:
    """``23/11 à 10:00, heure de Paris``: a time as the patient lived it, saying where."""
    local = at.astimezone(ZoneInfo(timezone))
    place = timezone.rsplit("/", 1)[-1].replace("_", " ")
    return LOCAL_TIME[lang].format(date=local.strftime("%d/%m"), time=local.strftime("%H:%M"),
                                   place=place)


def texts(finding: Finding, timezone: str) -> tuple[dict[str, str], dict[str, str]]:
    """Explanation and advice, with the due time of missing data in the patient's own
    time: the engine fills ``{due_at}`` with the UTC instant of its evidence."""
    explanation, advice = finding.explanation.to_dict(), finding.advice.to_dict()
    for due in {item["due_at"] for item in finding.evidence if "due_at" in item}:
        at = datetime.fromisoformat(due)
        for texts in (explanation, advice):
            for lang in texts:
                texts[lang] = texts[lang].replace(due, local_time(at, timezone, lang))
    return explanation, advice


def subject_of(item: dict[str, Any]) -> str | None:
    return next((f"{key}:{item[key]}" for key in SUBJECTS if key in item), None)


def series_point(finding: Finding, evidence_at: datetime) -> dict[str, Any]:
    """One finding as a point of the alert's series: when, which rule, how severe, and
    the values it rests on (the other findings of its group included, each value once)."""
    values: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for member in finding.members():
        for item in member.evidence:
            key = (subject_of(item) or item.get("task"), item.get("at") or item.get("due_at"),
                   item.get("value"))
            if key not in seen:
                seen.add(key)
                values.append({k: v for k, v in item.items() if k not in ("items", "missing")})
    return {"at": evidence_at.isoformat(), "rule_id": finding.rule_id,
            "severity": finding.severity, "values": values}


def decimal_of(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def peak(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The most abnormal value of each subject over an alert's series, with the rule and
    severity of the finding that carried it: the highest for a rule on a rise (``>=``,
    ``>``), the lowest for a rule on a fall (``<=``, ``<``), the largest change for a
    trend. The first time a value reached the peak is kept; codes and yes/no answers have
    no peak."""
    best: dict[tuple[str, str], tuple[Decimal, dict[str, Any]]] = {}
    for point in series:
        for item in point["values"]:
            subject, op = subject_of(item), item.get("op")
            if subject is None:
                continue
            if "change" in item:
                how, measure = "change", decimal_of(item["change"])
            elif op in (">=", ">"):
                how, measure = "max", decimal_of(item.get("value"))
            elif op in ("<=", "<"):
                how, measure = "min", decimal_of(item.get("value"))
            else:
                continue
            if measure is None:
                continue
            score = -measure if how == "min" else measure
            key = (subject, how)
            if key not in best or score > best[key][0]:
                best[key] = (score, {**item, "rule_id": point["rule_id"],
                                     "severity": point["severity"]})
    return [entry for _, entry in best.values()]
