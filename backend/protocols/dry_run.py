"""Evaluate sample answers and readings against a protocol version, storing nothing."""

from __future__ import annotations

from typing import Any

from backend.api import field_error
from backend.audit import services as audit
from backend.clock import now
from backend.protocols.content import protocol_of
from backend.protocols.models import ProtocolVersion
from backend.submissions.validation import CLOCK_SKEW, clean_answers, clean_readings
from rules.evaluator import evaluate
from rules.model import Override, PatientData, Submission
from rules.scores import score_submission


def dry_run(row: ProtocolVersion, args: dict[str, Any]) -> dict[str, Any]:
    protocol = protocol_of(row)
    at = args.get("now") or now()
    submissions, scores = [], []
    for index, raw in enumerate(args["submissions"]):
        questionnaire = protocol.questionnaires.get(raw["questionnaire"])
        if questionnaire is None:
            field_error(f"submissions.{index}.questionnaire",
                        f"'{raw['questionnaire']}' is not used by {row.slug} v{row.version}")
        answers = clean_answers(questionnaire, raw["answers"], f"submissions.{index}.answers")
        submissions.append(Submission(questionnaire.slug, raw["submitted_at"], answers))
        scores += [dict(score.to_dict(), questionnaire=questionnaire.slug)
                   for score in score_submission(questionnaire, answers).values()]
    readings = clean_readings(args["readings"], not_after=at + CLOCK_SKEW)
    overrides = [Override(o["rule_id"], o["threshold"], o["value"]) for o in args["overrides"]]
    try:
        findings = evaluate(protocol, PatientData(submissions, readings), at, overrides,
                            args.get("spo2_scale"))
    except ValueError as error:
        field_error("overrides", str(error))
    audit.record("protocol.dry_run", object_type="protocol", object_id=row.slug,
                 detail={"version": row.version})
    return {"protocol": row.slug, "version": row.version, "scores": scores,
            "findings": [finding.to_dict() for finding in findings]}
