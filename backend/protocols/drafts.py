"""A new protocol version before it is published: written from the current one (its
thresholds changed in a form, or its YAML edited or uploaded), checked by the rules
loader field by field, and replayed on a real patient's recent days to show which
alerts and advice it would have produced next to the version they follow.

Nothing here stores anything: a draft travels in the surgeon's form until
``services.publish`` validates it again and stores it."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import yaml

from backend.audit import services as audit
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.errors import Invalid
from backend.intake.evaluation import patient_data
from backend.patients.models import Patient
from backend.protocols.models import ProtocolVersion
from backend.protocols.services import invalid_protocol, overrides_for_engine
from backend.questionnaires import services as questionnaires
from rules.evaluator import evaluate
from rules.loader import parse_protocol
from rules.model import ContentError, PatientData
from rules.protocol import Protocol

# A protocol file is a few tens of kB; anything far larger is not one.
MAX_YAML_BYTES = 256 * 1024
REPLAY_DAYS = 14
# Moments replayed at most (each evaluates the rules once): a patient with a device
# sending every few minutes is sampled, the newest moments kept.
REPLAY_MOMENTS = 300


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors and aliases: a protocol never needs them, and nested aliases
    can make a small file expand into an enormous document."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted in a protocol",
                event.start_mark)
        return super().compose_node(parent, index)


def from_yaml(text: str) -> dict[str, Any]:
    """The protocol document of a YAML text, or ``Invalid`` on ``yaml`` saying where."""
    if len(text.encode()) > MAX_YAML_BYTES:
        raise Invalid("yaml", f"larger than {MAX_YAML_BYTES // 1024} kB: not a protocol file")
    try:
        data = yaml.load(text, Loader=_NoAliases)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise Invalid("yaml", f"{problem}{where}") from None
    if not isinstance(data, Mapping):
        raise Invalid("yaml", "a protocol file is a mapping (slug, version, rules...)")
    return dict(data)


def to_yaml(definition: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(definition), allow_unicode=True, sort_keys=False, width=90)


def next_version_of(row: ProtocolVersion, latest: int) -> dict[str, Any]:
    """The document of ``row`` as the start of the next version (``latest`` + 1)."""
    document = copy.deepcopy(row.definition["protocol"])
    document["version"] = latest + 1
    return document


def with_thresholds(document: dict[str, Any], values: Mapping[tuple[str, str], Any]
                    ) -> dict[str, Any]:
    """``document`` with the thresholds ``(rule id, threshold name)`` set to new values
    (as typed: the loader checks them)."""
    changed = copy.deepcopy(document)
    rules = {rule.get("id"): rule for rule in changed.get("rules", [])
             if isinstance(rule, dict)}
    for (rule_id, name), value in values.items():
        rule = rules.get(rule_id)
        if rule is None or not _set_leaf(rule.get("when"), name, value):
            raise Invalid(f"rules.{rule_id}.{name}", "no such threshold in this protocol")
    return changed


def _set_leaf(node: Any, name: str, value: Any) -> bool:
    """Set the threshold ``name`` (a leaf's ``name``, else ``value``) in a rule's
    condition tree; True when found."""
    if isinstance(node, list):
        return any(_set_leaf(child, name, value) for child in node)
    if not isinstance(node, dict):
        return False
    for key in ("all", "any"):
        if key in node:
            return _set_leaf(node[key], name, value)
    if "not" in node:
        return _set_leaf(node["not"], name, value)
    for key in ("persistent", "trend", "missing"):
        if key in node:
            return _set_leaf(node[key], name, value)
    if node.get("name", "value") == name:
        if "by" in node and "change" in node:  # a trend's threshold is its amount
            node["by"] = value
        elif "hours_after_due" in node:
            node["hours_after_due"] = value
        else:
            node["value"] = value
        return True
    return False


def check(document: dict[str, Any]) -> Protocol:
    """The protocol the loader reads from ``document``; every problem under its field."""
    slug, version = document.get("slug"), document.get("version")
    try:
        return parse_protocol(document, questionnaires.latest(), f"{slug}.v{version}")
    except ContentError as error:
        raise invalid_protocol(error) from None


@dataclass(frozen=True)
class Fired:
    """A rule that fired during the replay: how often (moments) and first when."""

    rule_id: str
    severity: str
    first_at: datetime
    times: int
    advice: str


def replay(protocol: Protocol, patient: Patient, enrollment: Enrollment,
           days: int = REPLAY_DAYS) -> list[Fired]:
    """The rules of ``protocol`` evaluated at each moment the patient sent something in
    the last ``days`` days, on what had arrived by then (the overrides of this patient
    kept): the findings on what was being sent, as the patient would have been told."""
    at = now()
    data = patient_data(enrollment, protocol, at)
    since = at - timedelta(days=days)
    moments = sorted({s.submitted_at for s in data.submissions if s.submitted_at >= since}
                     | {r.measured_at for r in data.readings if r.measured_at >= since})
    overrides = overrides_for_engine(enrollment)
    fired: dict[str, Fired] = {}
    for moment in moments[-REPLAY_MOMENTS:]:
        then = PatientData(
            [_as_new(s, moment) for s in data.submissions if s.submitted_at <= moment],
            [_as_new(r, moment) for r in data.readings if r.measured_at <= moment],
            [replace(t, answered_at=t.answered_at if t.answered_at and t.answered_at <= moment
                     else None) for t in data.tasks if t.due_at <= moment])
        try:
            findings = evaluate(protocol, then, moment, overrides, enrollment.spo2_scale,
                                patient.timezone)
        except ValueError:  # an override this version cannot apply: evaluated without
            findings = evaluate(protocol, then, moment, [], enrollment.spo2_scale,
                                patient.timezone)
        for finding in findings:
            if not finding.new:
                continue
            seen = fired.get(finding.rule_id)
            fired[finding.rule_id] = Fired(
                finding.rule_id, finding.severity, seen.first_at if seen else moment,
                (seen.times if seen else 0) + 1, finding.advice.get(patient.language))
    # The enrolment, not the protocol: a protocol's name beside a patient's tells their
    # condition, in a trail kept for months.
    audit.record("protocol.dry_run", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id, detail={"version": protocol.version,
                                                  "days": days})
    return sorted(fired.values(), key=lambda f: f.first_at)


def _as_new(row: Any, moment: datetime) -> Any:
    """A submission or reading as the engine sees it at ``moment``: new if sent then."""
    sent = getattr(row, "submitted_at", None) or row.measured_at
    return replace(row, new=sent == moment)
