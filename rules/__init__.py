"""Suivi rules engine: questionnaires, readings, clinical scores, protocols, evaluation.

Pure Python (stdlib + pyyaml + jsonschema): no I/O besides reading content files,
no clock (``now`` is always a parameter), no randomness.

The public names below are re-exported lazily (PEP 562): ``import rules.model`` stays
cheap and free of import cycles, while ``from rules import evaluate`` works as usual.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "rules.model": (
        "SEVERITY_RANK", "Severity", "Text", "Choice", "ItemCondition", "Item", "Questionnaire",
        "Submission", "Reading", "TaskRecord", "PatientData", "Override", "Finding",
        "ContentIssue", "ContentError",
    ),
    "rules.questionnaire": ("AnswerError", "validate_answers", "readings_from_answers"),
    "rules.units": ("READING_TYPES", "ReadingType", "ReadingError", "normalise_reading"),
    "rules.scores": (
        "ScoreResult", "SCORES", "news2", "qor15", "phq9", "pain_nrs", "score_submission",
        "news2_from_readings", "news2_set", "News2Set",
    ),
    "rules.advice": ("Advice", "patient_advice"),
    "rules.loader": ("Content", "load_content", "load_questionnaire", "parse_protocol"),
    "rules.protocol": ("Protocol", "EducationItem"),
    "rules.evaluator": ("evaluate",),
    "rules.schedule": ("PlannedTask", "planned_tasks", "education_for_day"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'rules' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
