"""Evaluate sample answers and readings against a protocol version, storing nothing.

``evaluate_sample`` does it for any loaded protocol (a published version, or a surgeon's
draft before publishing); ``dry_run`` is the API's, on a published version, audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from backend.audit import services as audit
from backend.clock import now
from backend.errors import Invalid
from backend.intake.validation import CLOCK_SKEW, asked_on_day, clean_answers, clean_readings
from backend.limits import DRY_RUN_DAYS
from backend.protocols.content import protocol_of
from backend.protocols.models import ProtocolVersion
from rules.advice import patient_advice
from rules.evaluator import evaluate
from rules.model import Override, PatientData, Submission
from rules.protocol import Protocol
from rules.questionnaire import readings_from_answers
from rules.scores import score_submission


def dry_run(row: ProtocolVersion, args: dict[str, Any]) -> dict[str, Any]:
    result = evaluate_sample(protocol_of(row), args)
    audit.record("protocol.dry_run", object_type="protocol", object_id=row.slug,
                 detail={"version": row.version})
    return {"protocol": row.slug, "version": row.version, **result}


def evaluate_sample(protocol: Protocol, args: dict[str, Any]) -> dict[str, Any]:
    """Scores, findings and advice ``protocol`` gives on the sample ``args`` (submissions
    as the patient sends them, with the readings their answers carry, extra readings and
    overrides), as if it were all sent at ``args["now"]``. A submission may say which
    items were ``asked`` (the others are not required) and give the post-operative ``day``
    it answers: the items its schedule does not ask that day are not required either, as
    for the patient."""
    at = args.get("now") or now()
    # The sample is a patient's recent days: older data would only cost time, since no
    # rule reads that far back.
    earliest = at - timedelta(days=DRY_RUN_DAYS)
    too_old = f"is more than {DRY_RUN_DAYS} days before the dry run's now ({at.isoformat()})"
    submissions, scores, carried = [], [], []
    for index, raw in enumerate(args["submissions"]):
        if raw["submitted_at"] < earliest:
            raise Invalid(f"submissions.{index}.submitted_at", too_old)
        if raw["submitted_at"] > at + CLOCK_SKEW:
            raise Invalid(f"submissions.{index}.submitted_at",
                          f"is after the dry run's now ({at.isoformat()})")
        questionnaire = protocol.questionnaires.get(raw["questionnaire"])
        if questionnaire is None:
            raise Invalid(f"submissions.{index}.questionnaire",
                          f"'{raw['questionnaire']}' is not used by {protocol.slug} "
                          f"v{protocol.version}")
        # The items asked: those the protocol editor's typed sample fills in (``asked``),
        # less the ones the schedule does not ask on the sample's ``day``.
        asked = raw.get("asked")
        if raw.get("day") is not None:
            asked = asked_on_day(protocol, questionnaire, asked, raw["day"])
        answers = clean_answers(questionnaire, raw["answers"], f"submissions.{index}.answers",
                                asked=asked)
        # Sample data is all "being sent now": its findings show the advice it would give.
        submissions.append(Submission(questionnaire.slug, raw["submitted_at"], answers,
                                      new=True))
        carried += readings_from_answers(questionnaire, answers, raw["submitted_at"])
        scores += [dict(score.to_dict(), questionnaire=questionnaire.slug)
                   for score in score_submission(questionnaire, answers).values()]
    sent = clean_readings(args["readings"], not_after=at + CLOCK_SKEW,
                          not_before=(earliest, too_old))
    readings = [replace(r, new=True) for r in carried + sent]
    overrides = [Override(o["rule_id"], o["threshold"], o["value"]) for o in args["overrides"]]
    try:
        findings = evaluate(protocol, PatientData(submissions, readings), at, overrides,
                            args.get("spo2_scale"))
    except ValueError as error:
        raise Invalid("overrides", str(error)) from None
    said = patient_advice(findings)
    return {"scores": scores,
            "findings": [finding.to_dict() for finding in findings],
            "advice": [{"rule_id": card.rule_id, "severity": card.severity,
                        "emergency": card.emergency, "text": card.advice.to_dict()}
                       for card in said.cards],
            "call_emergency": said.call_emergency}
