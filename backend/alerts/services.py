"""Alerts: raised from findings in the submission's transaction, then triaged by nurses."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select

from backend import db
from backend.alerts import state as lifecycle
from backend.alerts.models import Alert, AlertEvent
from backend.api import abort, field_error
from backend.audit import services as audit
from backend.auth.models import StaffUser
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.outbox import services as outbox
from backend.patients.models import Patient
from backend.patients.services import visible_patients
from backend.teams.models import TeamMembership
from rules.model import SEVERITY_RANK, Finding
from rules.protocol import Protocol

SEVERITY_ORDER = case({"high": 3, "medium": 2, "low": 1}, value=Alert.severity)
QUEUE_OF = {"high": "high", "medium": "default", "low": "low"}


def _evidence_time(finding: Finding, default: datetime) -> datetime:
    times = [datetime.fromisoformat(item.get("at") or item["due_at"])
             for member in finding.members() for item in member.evidence
             if item.get("at") or item.get("due_at")]
    return max(times) if times else default


def _evidence(finding: Finding) -> list[dict[str, Any]]:
    """The finding's evidence, then the other findings of its group (same cause)."""
    related = [{"related_rule": f.rule_id, "severity": f.severity,
                "explanation": f.explanation.to_dict(),
                "evidence": [dict(item) for item in f.evidence]} for f in finding.related]
    return [dict(item) for item in finding.evidence] + related


def _event(alert: Alert, kind: str, actor: uuid.UUID | None = None, **detail: Any) -> None:
    session = db.session()
    session.flush()
    last = session.scalar(select(func.max(AlertEvent.seq)).where(AlertEvent.alert_id == alert.id))
    session.add(AlertEvent(alert_id=alert.id, seq=(last or 0) + 1, at=now(), kind=kind,
                           actor_id=actor, detail=detail))


def _notify(alert: Alert, reason: str) -> None:
    notify(alert, reason, f"alert:{alert.id}:{reason}:{alert.severity}")


def raise_findings(patient: Patient, enrollment: Enrollment, protocol: Protocol,
                   findings: list[Finding]) -> list[Alert]:
    """Open or update one alert per (patient, rule group); returns the alerts opened or
    worsened.

    Evidence no newer than what an alert already holds changes nothing, so re-evaluating
    the same data (another submission in the window) never re-raises a handled alert. A
    finding below the alert's severity is recorded as an update but does not replace the
    higher evidence: the alert never silently falls.
    """
    session = db.session()
    current = now()
    touched: list[Alert] = []
    for finding in findings:
        group = finding.group or finding.rule_id
        evidence_at = _evidence_time(finding, current)
        alert = session.scalar(select(Alert).where(
            Alert.patient_id == patient.id, Alert.rule_group == group)
            .order_by(Alert.created_at.desc()).limit(1))
        if alert is not None and alert.last_evidence_at and evidence_at <= alert.last_evidence_at:
            continue
        if alert is None or alert.status == "resolved":
            touched.append(_open(patient, enrollment, protocol, finding, evidence_at))
            continue
        change = lifecycle.apply(_state(alert), "finding", severity=finding.severity)
        alert.last_evidence_at, alert.updated_at = evidence_at, current
        if SEVERITY_RANK[finding.severity] < SEVERITY_RANK[alert.severity]:
            _event(alert, "updated", rule_id=finding.rule_id, severity=finding.severity,
                   evidence=_evidence(finding))
            continue
        alert.rule_id, alert.evidence = finding.rule_id, _evidence(finding)
        alert.explanation, alert.advice = finding.explanation.to_dict(), finding.advice.to_dict()
        _store(alert, change.state)
        if change.worsened:
            alert.due_by = protocol.alert_due_by(alert.severity, current, patient.timezone)
            alert.escalation_level = 0
            _event(alert, "worsened", severity=alert.severity)
            _notify(alert, "worsened")
            touched.append(alert)
        else:
            _event(alert, "updated")
    return touched


def _open(patient: Patient, enrollment: Enrollment, protocol: Protocol, finding: Finding,
          evidence_at: datetime) -> Alert:
    current = now()
    alert = Alert(patient_id=patient.id, enrollment_id=enrollment.id,
                  care_team_id=enrollment.care_team_id, rule_id=finding.rule_id,
                  rule_group=finding.group or finding.rule_id,
                  severity=finding.severity, status="open", escalation_level=0,
                  explanation=finding.explanation.to_dict(), advice=finding.advice.to_dict(),
                  evidence=_evidence(finding),
                  last_evidence_at=evidence_at, created_at=current, updated_at=current,
                  due_by=protocol.alert_due_by(finding.severity, current, patient.timezone))
    db.session().add(alert)
    db.session().flush()
    _event(alert, "opened", severity=alert.severity)
    _notify(alert, "opened")
    audit.record("alert.open", patient_id=patient.id, object_type="alert", object_id=alert.id,
                 actor=("system", None), detail={"rule_id": alert.rule_id,
                                                 "severity": alert.severity})
    return alert


def _state(alert: Alert) -> lifecycle.AlertState:
    return lifecycle.AlertState(status=alert.status, severity=alert.severity,
                                assigned_to=alert.assigned_to,
                                snoozed_until=alert.snoozed_until, outcome=alert.outcome)


def _store(alert: Alert, new: lifecycle.AlertState) -> None:
    alert.status, alert.severity = new.status, new.severity
    alert.assigned_to, alert.snoozed_until = new.assigned_to, new.snoozed_until
    alert.outcome = new.outcome


def open_alert(patient: Patient, enrollment: Enrollment, protocol: Protocol,
               finding: Finding, evidence_at: datetime) -> Alert:
    """Open an alert for a finding that does not come from the rules engine (a patient's
    message): the same path as ``raise_findings`` (event, notification, audit)."""
    return _open(patient, enrollment, protocol, finding, evidence_at)


def record_event(alert: Alert, kind: str, **detail: Any) -> None:
    """One system step in an alert's life (no actor)."""
    _event(alert, kind, None, **detail)


def notify(alert: Alert, reason: str, dedupe_key: str) -> None:
    """Page the team about ``alert`` for ``reason`` once per ``dedupe_key``."""
    outbox.add("alert.notify", {"alert_id": str(alert.id), "reason": reason},
               dedupe_key=dedupe_key, queue=QUEUE_OF[alert.severity])


# -- the nurse's side -------------------------------------------------------------------

def visible_alerts(principal: StaffPrincipal) -> Select:
    patients = visible_patients(principal).with_only_columns(Patient.id)
    return select(Alert).where(Alert.patient_id.in_(patients))


def queue(principal: StaffPrincipal, filters: dict[str, Any], limit: int,
          offset: int) -> list[Alert]:
    """The triage queue: severity (high first), then oldest first."""
    query = visible_alerts(principal)
    statuses = filters.get("status") or ["open", "acknowledged"]
    query = query.where(Alert.status.in_(statuses))
    if filters.get("severity"):
        query = query.where(Alert.severity.in_(filters["severity"]))
    if filters.get("patient_id"):
        query = query.where(Alert.patient_id == filters["patient_id"])
    if filters.get("assigned_to"):
        query = query.where(Alert.assigned_to == filters["assigned_to"])
    if filters.get("team"):
        from backend.teams.services import team_by_slug

        query = query.where(Alert.care_team_id == team_by_slug(filters["team"], "team").id)
    if not filters.get("include_snoozed"):
        query = query.where((Alert.snoozed_until.is_(None)) | (Alert.snoozed_until <= now()))
    alerts = list(db.session().scalars(
        query.order_by(SEVERITY_ORDER.desc(), Alert.created_at, Alert.id)
        .limit(limit).offset(offset)))
    audit.record("alert.list", detail={"patient_ids": sorted({str(a.patient_id)
                                                              for a in alerts})})
    return alerts


def get_alert(principal: StaffPrincipal, alert_id: uuid.UUID, action: str) -> Alert:
    alert = db.session().scalar(visible_alerts(principal).where(Alert.id == alert_id))
    if alert is None:
        # The trail names the patient the refused caller was after (the caller still gets
        # a bare 404), so a search of the trail by patient finds the attempt.
        target = db.session().scalar(select(Alert.patient_id).where(Alert.id == alert_id))
        audit.record_refusal(action, patient_id=target, object_type="alert", object_id=alert_id,
                             detail={"reason": "unknown or not in the caller's teams"})
        abort(404, "No such alert.")
    return alert


def events_of(alert: Alert) -> list[AlertEvent]:
    return list(db.session().scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                                     .order_by(AlertEvent.seq)))


def act(principal: StaffPrincipal, alert: Alert, event: str, **args: Any) -> Alert:
    """Apply a nurse's step to an alert: timestamped, attributed, audited."""
    actor = principal.user.id
    if event == "assign":
        assignee = db.session().get(StaffUser, args["staff_id"])
        if assignee is None or not assignee.active:
            field_error("staff_id", "no such active staff member")
        if not db.session().scalar(select(TeamMembership.id).where(
                TeamMembership.staff_id == assignee.id,
                TeamMembership.team_id == alert.care_team_id)):
            # Whoever it is assigned to must be able to open the patient's record.
            field_error("staff_id", "is not a member of this patient's care team")
        args = {"assignee": assignee.id}
    try:
        change = lifecycle.apply(_state(alert), event, at=now(),
                                 assignee=args.get("assignee"), until=args.get("until"),
                                 outcome=args.get("outcome"))
    except lifecycle.TransitionError as error:
        abort(409, str(error))
    _store(alert, change.state)
    current = now()
    alert.updated_at = current
    if event == "acknowledge":
        alert.acknowledged_at, alert.acknowledged_by = current, actor
    if event == "resolve":
        alert.resolved_at, alert.resolved_by = current, actor
    if event == "snooze":
        alert.snooze_reason = args.get("reason")
    detail = {key: _jsonable(value) for key, value in args.items() if value is not None}
    _event(alert, event, actor, **detail)
    audit.record(f"alert.{event}", patient_id=alert.patient_id, object_type="alert",
                 object_id=alert.id, detail={"status": alert.status})
    return alert


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else (
        str(value) if isinstance(value, uuid.UUID) else value)


# -- escalation (scheduler) -------------------------------------------------------------

def escalate_overdue() -> int:
    """Escalate open alerts past their deadline: first the assignee (or the team again),
    then the team's on-call phone. Each level is one outbox entry, written once."""
    from backend.protocols.content import protocol_of

    current = now()
    session = db.session()
    overdue = list(session.scalars(select(Alert).where(
        Alert.status == "open", Alert.due_by <= current,
        (Alert.snoozed_until.is_(None)) | (Alert.snoozed_until <= current))
        .order_by(Alert.due_by).limit(200)))
    for alert in overdue:
        level = alert.escalation_level + 1
        enrollment = session.get(Enrollment, alert.enrollment_id)
        patient = session.get(Patient, alert.patient_id)
        protocol = protocol_of(enrollment.protocol)
        outbox.add("alert.escalate", {"alert_id": str(alert.id), "level": level},
                   dedupe_key=f"alert:{alert.id}:escalate:{level}",
                   queue=QUEUE_OF[alert.severity])
        alert.escalation_level = level
        # The next step comes one more deadline later (at least 5 minutes).
        alert.due_by = max(protocol.alert_due_by(alert.severity, current, patient.timezone),
                           current + timedelta(minutes=5))
        _event(alert, "escalated", level=level)
    return len(overdue)
