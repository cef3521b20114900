"""Protocol versions: loading the shipped ones, publishing, dry runs, threshold overrides."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, func, select

from backend import db
from backend.audit import services as audit
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.enrollments.services import active_enrollment
from backend.errors import Conflict, Invalid, InvalidValues, NotFound
from backend.patients.models import Patient
from backend.patients.services import visible_patient_ids
from backend.protocols.content import protocol_of, snapshot
from backend.protocols.models import ProtocolVersion, ThresholdOverride
from backend.questionnaires import services as questionnaires
from rules.loader import load_content, parse_protocol
from rules.model import ContentError, Override
from rules.protocol import Protocol


def store_protocol_version(slug: str, version: int, title: dict[str, str],
                           definition: dict[str, Any], published_by=None) -> bool:
    """Store a version once; True if it was new. A stored version is never changed."""
    session = db.session()
    existing = session.scalar(select(ProtocolVersion).where(ProtocolVersion.slug == slug,
                                                            ProtocolVersion.version == version))
    if existing is not None:
        # Compared on the protocol itself: a questionnaire changed since (a new questionnaire
        # version) leaves the stored version as it was published, with its questionnaires.
        if existing.definition["protocol"] != definition["protocol"]:
            raise ValueError(f"protocol {slug} version {version} is already published with a "
                             "different content; publish it as a new version")
        return False
    session.add(ProtocolVersion(slug=slug, version=version, title_fr=title["fr"],
                                title_en=title["en"], definition=definition,
                                published_by=published_by, created_at=now()))
    return True


def load_shipped_content() -> str:
    """Load the shipped questionnaires and protocols (idempotent); a one-line summary."""
    content = load_content()
    raw_questionnaires = content.raw["questionnaires"]
    new_questionnaires = sum(questionnaires.store(slug, q.version, raw_questionnaires[slug])
                             for slug, q in content.questionnaires.items())
    new_protocols = 0
    for slug, versions in content.protocols.items():
        for version, protocol in versions.items():
            definition = snapshot(content.raw["protocols"][slug][version], protocol,
                                  raw_questionnaires)
            new_protocols += store_protocol_version(slug, version, protocol.title.to_dict(),
                                                    definition)
    audit.record("content.load", detail={"questionnaires": new_questionnaires,
                                         "protocols": new_protocols})
    return (f"{new_questionnaires} questionnaire version(s) and {new_protocols} protocol "
            f"version(s) added")


def versions(slug: str) -> list[ProtocolVersion]:
    rows = list(db.session().scalars(select(ProtocolVersion)
                                     .where(ProtocolVersion.slug == slug)
                                     .order_by(ProtocolVersion.version)))
    if not rows:
        raise NotFound(f"No protocol '{slug}'.")
    return rows


def latest_versions() -> list[ProtocolVersion]:
    rows = db.session().scalars(select(ProtocolVersion)
                                .order_by(ProtocolVersion.slug, ProtocolVersion.version))
    latest: dict[str, ProtocolVersion] = {}
    for row in rows:
        latest[row.slug] = row
    return list(latest.values())


def enrolled_patients(principal: StaffPrincipal, slug: str,
                      limit: int = 200) -> list[tuple[Patient, Enrollment]]:
    """The caller's patients actively followed on a version of protocol ``slug``, by
    name: whom a draft can be replayed on (the list is recorded as read)."""
    query = (select(Patient, Enrollment)
             .join(Enrollment, Enrollment.patient_id == Patient.id)
             .join(ProtocolVersion, ProtocolVersion.id == Enrollment.protocol_version_id)
             .where(Enrollment.status == "active", ProtocolVersion.slug == slug)
             .order_by(Patient.family_name, Patient.given_name, Patient.id).limit(limit))
    visible = visible_patient_ids(principal)
    if visible is not None:
        query = query.where(Patient.id.in_(visible))
    rows = [(row[0], row[1]) for row in db.session().execute(query)]
    audit.record_reads("protocol.patients", (patient.id for patient, _ in rows))
    return rows


def patients_following(slug: str | None = None) -> dict[tuple[str, int], int]:
    """How many active enrolments follow each (protocol, version): what moving patients
    to a new version would concern."""
    query = (select(ProtocolVersion.slug, ProtocolVersion.version, func.count(Enrollment.id))
             .join(Enrollment, Enrollment.protocol_version_id == ProtocolVersion.id)
             .where(Enrollment.status == "active")
             .group_by(ProtocolVersion.slug, ProtocolVersion.version))
    if slug is not None:
        query = query.where(ProtocolVersion.slug == slug)
    return {(row[0], row[1]): row[2] for row in db.session().execute(query)}


def get_version(slug: str, version: int | None) -> ProtocolVersion:
    rows = versions(slug)
    if version is None:
        return rows[-1]
    for row in rows:
        if row.version == version:
            return row
    raise NotFound(f"Protocol '{slug}' has no version {version}.")


def content_errors(error: ContentError) -> dict[str, list[str]]:
    """A ContentError as field-by-field API errors ("rules.fever-high.when.op": [...])."""
    errors: dict[str, list[str]] = {}
    for issue in error.issues:
        key = ".".join(part for part in (f"rules.{issue.rule}" if issue.rule else None,
                                         issue.field) if part)
        errors.setdefault(key or "protocol", []).append(issue.message)
    return errors


def invalid_protocol(error: ContentError) -> InvalidValues:
    """A protocol document refused, every issue under the field it names."""
    errors = content_errors(error)
    return InvalidValues(errors, "The protocol is invalid: " + "; ".join(
        f"{key}: {' '.join(messages)}" for key, messages in errors.items()))


def publish(principal: StaffPrincipal, data: dict[str, Any]) -> ProtocolVersion:
    """Validate and store a new protocol version uploaded by a surgeon."""
    slug, version = data.get("slug"), data.get("version")
    try:
        protocol = parse_protocol(data, questionnaires.latest(), f"{slug}.v{version}")
    except ContentError as error:
        raise invalid_protocol(error) from None
    existing = db.session().scalar(select(ProtocolVersion).where(
        ProtocolVersion.slug == protocol.slug, ProtocolVersion.version == protocol.version))
    if existing is not None:
        raise Conflict(f"version {protocol.version} of {protocol.slug} is already published; "
                       "published versions never change", field="version")
    previous = db.session().scalar(select(ProtocolVersion.version)
                                   .where(ProtocolVersion.slug == protocol.slug)
                                   .order_by(ProtocolVersion.version.desc()).limit(1))
    if previous is not None and protocol.version < previous:
        raise Invalid("version", f"must be above the latest published version {previous}")
    definition = snapshot(data, protocol, questionnaires.latest_raw())
    store_protocol_version(protocol.slug, protocol.version, protocol.title.to_dict(),
                           definition, published_by=principal.user.id)
    audit.record("protocol.publish", object_type="protocol", object_id=protocol.slug,
                 detail={"version": protocol.version})
    return get_version(protocol.slug, protocol.version)


def describe(row: ProtocolVersion, lang: str) -> dict[str, Any]:
    """A protocol version for the API: schedule, education, rules and thresholds."""
    protocol = protocol_of(row)
    raw = row.definition["protocol"]
    return {
        "slug": row.slug, "version": row.version,
        "title": protocol.title.get(lang), "surgeries": list(protocol.surgeries),
        "source": protocol.source, "published_at": row.created_at,
        "questionnaires": sorted(protocol.questionnaires),
        "schedule": raw.get("schedule", []), "education": [
            item.to_dict(lang) for item in protocol.education],
        "rules": [{"id": rule.id, "severity": rule.severity,
                   "explanation": rule.explanation.get(lang)} for rule in protocol.all_rules()],
        "thresholds": [t.to_dict() for t in protocol.thresholds()],
        "alert_deadlines": {k: v.to_dict() for k, v in protocol.alert_deadlines.items()},
        "quiet_hours": protocol.quiet_hours.to_dict(),
    }


def parse_override_value(protocol: Protocol, rule_id: str, threshold: str, value: Any) -> Any:
    """Refuse an override the protocol cannot apply, naming the offending field: an unknown
    rule or threshold, a value of the wrong kind, outside the range of what the rule reads
    or that would leave the rule unable to fire. Returns the protocol's own value of the
    threshold (what the override replaces)."""
    from rules.evaluator import resolve_overrides
    from rules.ranges import override_problem

    rule = protocol.rule(rule_id)
    if rule is None:
        raise Invalid("rule_id", f"protocol {protocol.slug} v{protocol.version} has no rule "
                                 f"'{rule_id}'")
    infos = {info.name: info for info in protocol.thresholds() if info.rule_id == rule_id}
    if threshold not in infos:
        raise Invalid("threshold", f"rule {rule_id} has no threshold '{threshold}' "
                                   f"(thresholds: {', '.join(infos) or 'none'})")
    try:
        parsed = resolve_overrides(protocol, [Override(rule_id, threshold, value)])
    except ValueError as error:
        raise Invalid("value", str(error)) from None
    leaf = next(leaf for leaf in rule.thresholds() if leaf.key == threshold)
    problem = override_problem(protocol, rule, leaf, parsed[rule_id][threshold])
    if problem is not None:
        raise Invalid("value", f"override of {rule_id}.{threshold}: {problem}")
    return infos[threshold].to_dict()["value"]


def set_override(principal: StaffPrincipal, patient: Patient, rule_id: str, threshold: str,
                 value: Any, reason: str) -> ThresholdOverride:
    enrollment = active_enrollment(patient)
    # Refuses a rule, threshold or value the protocol cannot take (a 422 naming the field).
    parse_override_value(protocol_of(enrollment.protocol), rule_id, threshold, value)
    session = db.session()
    replaced = None
    for previous in current_overrides(enrollment.id):
        if previous.rule_id == rule_id and previous.threshold == threshold:
            previous.removed_at, previous.removed_by = now(), principal.user.id
            replaced = previous.id
    row = ThresholdOverride(enrollment_id=enrollment.id, patient_id=patient.id,
                            rule_id=rule_id, threshold=threshold, value=value, reason=reason,
                            set_by=principal.user.id, created_at=now())
    session.add(row)
    session.flush()
    # The rows keep the rule, the values and the reason (a replaced one stamped removed,
    # never deleted): the trail points at them and holds no clinical content itself.
    audit.record("override.set", patient_id=patient.id, object_type="threshold_override",
                 object_id=row.id,
                 detail={"replaces": str(replaced) if replaced else None})
    return row


def remove_override(principal: StaffPrincipal, patient: Patient,
                    override_id: uuid.UUID) -> None:
    row = db.session().get(ThresholdOverride, override_id)
    if row is None or row.patient_id != patient.id or row.removed_at is not None:
        raise NotFound("No such threshold override.")
    row.removed_at, row.removed_by = now(), principal.user.id
    audit.record("override.remove", patient_id=patient.id, object_type="threshold_override",
                 object_id=row.id)


def current_overrides(enrollment_id: uuid.UUID) -> list[ThresholdOverride]:
    return list(db.session().scalars(select(ThresholdOverride).where(
        ThresholdOverride.enrollment_id == enrollment_id, ThresholdOverride.removed_at.is_(None))
        .order_by(ThresholdOverride.created_at)))


# Built once, columns of the table (Core, not ORM): every evaluation reads them.
_override_columns = ThresholdOverride.__table__.c
_ENGINE_OVERRIDES = select(
    _override_columns.rule_id, _override_columns.threshold, _override_columns.value
).where(_override_columns.enrollment_id == bindparam("enrollment_id"),
        _override_columns.removed_at.is_(None)).order_by(_override_columns.created_at)


def overrides_for_engine(enrollment: Enrollment) -> list[Override]:
    """The overrides in force for the enrolment, as the rules engine takes them (none read
    when the query that loaded the enrolment found none)."""
    if enrollment.has_overrides is False:
        return []
    return [Override(row.rule_id, row.threshold, row.value) for row in
            db.execute(_ENGINE_OVERRIDES, {"enrollment_id": enrollment.id})]


def set_spo2_scale(patient: Patient, enrollment: Enrollment, scale: int | None,
                   reason: str) -> Enrollment:
    """The NEWS2 SpO2 scale of one patient (None: the protocol's), with the reason.

    The scale and its reason say what the patient suffers from: they stay on the
    enrolment (the reason sealed), and the audit row says only who changed it, when."""
    enrollment.spo2_scale, enrollment.spo2_scale_reason = scale, reason
    audit.record("enrollment.spo2_scale", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id)
    return enrollment


def move_enrollment(patient: Patient, enrollment: Enrollment, version: int) -> Enrollment:
    move(patient, enrollment, version)
    return enrollment


def move(patient: Patient, enrollment: Enrollment, version: int) -> list[str]:
    """Explicitly move an enrolment to another version of its protocol.

    Overrides the new version cannot apply are ended (the audit trail lists their ids:
    the rows say which rule, to whoever may read them); returns them ("rule.threshold").
    """
    row = get_version(enrollment.protocol.slug, version)
    protocol = protocol_of(row)
    dropped, ended = [], []
    for override in current_overrides(enrollment.id):
        try:
            parse_override_value(protocol, override.rule_id, override.threshold, override.value)
        except Exception:  # noqa: BLE001 - any refusal means the override cannot follow
            override.removed_at = now()
            dropped.append(f"{override.rule_id}.{override.threshold}")
            ended.append(str(override.id))
    previous = enrollment.protocol.version
    enrollment.protocol_version_id = row.id
    enrollment.protocol = row
    enrollment.planned_until = None  # another schedule: plan-tasks plans it again
    audit.record("enrollment.move", patient_id=patient.id, object_type="enrollment",
                 object_id=enrollment.id, detail={"from": previous, "to": version,
                                                  "overrides_ended": ended})
    return dropped
