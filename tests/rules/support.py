"""Shared builders of the evaluator tests: a test protocol through the real loader,
readings and daily answers dated relative to ``NOW``."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from rules.evaluator import evaluate
from rules.loader_protocol import parse_protocol
from rules.model import PatientData, Reading, Submission
from rules.units import READING_TYPES

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SOURCE = "protocols/test.v1.yaml"
UNITS = {"temperature": "Cel", "heart_rate": "/min", "respiratory_rate": "/min",
         "systolic_bp": "mm[Hg]", "spo2": "%", "weight": "kg", "consciousness": "",
         "supplemental_oxygen": ""}
NORMAL_DAY = {
    "pain_now": Decimal(2), "pain_worst_24h": Decimal(3), "wound_redness": False,
    "wound_discharge": "none", "wound_bleeding": False, "wound_opening": False,
    "nausea": "none", "eating_drinking": "normal", "urination": "normal", "stools": "normal",
    "walking": "as_usual", "breathlessness": "none", "calf_pain": False,
}


def rule(when, rule_id="r1", severity="medium"):
    return {"id": rule_id, "severity": severity, "when": when, "source": "test cut-off",
            "explanation": {"fr": "valeur {value} seuil {threshold}",
                            "en": "value {value} threshold {threshold}"},
            "advice": {"fr": "conseil", "en": "advice"}}


def build_protocol(questionnaires, *rules, schedule=None, **top):
    """A test protocol made of ``rules`` (dicts), through the real loader; ``top`` adds
    top-level keys (max_age_hours, shown_only...)."""
    data = {
        "slug": "test", "version": 1, "title": {"fr": "Test", "en": "Test"},
        "surgeries": [], "source": "test",
        "alert_deadlines": {"high": {"minutes": 15}, "medium": {"minutes": 60},
                            "low": {"local_time": "18:00"}},
        "schedule": schedule or [
            {"questionnaire": "daily-postop", "days": {"from": 1, "to": 14}, "at": "10:00",
             "grace_hours": 2},
            {"questionnaire": "vitals", "days": {"from": 1, "to": 14}, "at": "09:00",
             "grace_hours": 2},
            {"questionnaire": "qor-15", "days": [1, 3, 7], "at": "10:00",
             "grace_hours": 24},
            {"questionnaire": "phq-9", "days": [7], "at": "10:00", "grace_hours": 24},
        ],
        "education": [], "rules": list(rules),
        # Written for today's engine (a file without shown_only is read as published
        # before rules carried ``emergency``): every reading may go unread in tests.
        "shown_only": {rtype: "test protocol" for rtype in READING_TYPES}, **top,
    }
    data = {key: value for key, value in data.items() if value is not None}
    return parse_protocol(data, questionnaires, SOURCE)


def reading(rtype, value, hours_ago=1.0):
    if rtype not in ("consciousness", "supplemental_oxygen"):
        value = Decimal(str(value))
    return Reading(rtype, value, UNITS[rtype], NOW - timedelta(hours=hours_ago))


def daily(hours_ago=1.0, **answers):
    return Submission("daily-postop", NOW - timedelta(hours=hours_ago), {**NORMAL_DAY, **answers})


def data(*items, tasks=()):
    return PatientData([i for i in items if isinstance(i, Submission)],
                       [i for i in items if isinstance(i, Reading)], list(tasks))


def fired(protocol, patient, **kwargs):
    return [f.rule_id for f in evaluate(protocol, patient, NOW, **kwargs)]
