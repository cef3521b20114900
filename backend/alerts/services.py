"""Alerts: raised from findings in the submission's transaction, then triaged by nurses."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from backend import db
from backend.alerts import evidence
from backend.alerts import state as lifecycle
from backend.alerts.models import Alert, AlertEvent
from backend.audit import services as audit
from backend.auth.models import StaffUser
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.enrollments.models import Enrollment
from backend.errors import Conflict, Invalid, NotFound
from backend.limits import NOTES_PER_ALERT
from backend.notifications.models import Message
from backend.outbox import services as outbox
from backend.patients.models import Patient
from backend.patients.services import visible_patient_ids
from backend.tasks.models import Task
from backend.teams.models import TeamMembership
from rules.model import SEVERITY_RANK, Finding
from rules.protocol import Protocol

QUEUE_OF = {"high": "high", "medium": "default", "low": "low"}
# Which alerts the queue lists: awake ones (the queue), all, or only the sleeping ones.
SNOOZED = ("exclude", "include", "only")
# An escalation step never follows the previous one by less than this.
ESCALATION_GAP = timedelta(minutes=5)


def _event(alert: Alert | uuid.UUID, kind: str, actor: uuid.UUID | None = None,
           message_id: uuid.UUID | None = None, seq: int | None = None, **detail: Any) -> None:
    """One step of the alert's life, numbered after its last one in the same INSERT (a
    new alert's first step is given ``seq=1``)."""
    alert_id = alert if isinstance(alert, uuid.UUID) else alert.id
    values = {"id": uuid.uuid4(), "alert_id": alert_id, "at": now(), "kind": kind,
              "actor_id": actor, "detail": detail, "message_id": message_id}
    if seq is None:
        db.session().execute(_NEXT_EVENT, {**values, "of_alert": alert_id})
    else:
        db.session().execute(_FIRST_EVENT, {**values, "seq": seq})


# ORM INSERTs (the session flushes the alert first), built once.
_FIRST_EVENT = insert(AlertEvent)
_NEXT_EVENT = insert(AlertEvent).values(seq=select(
    func.coalesce(func.max(AlertEvent.seq), 0) + 1).where(
    AlertEvent.alert_id == bindparam("of_alert")).scalar_subquery())


def system_event(alert_id: uuid.UUID, kind: str, message_id: uuid.UUID | None = None,
                  **detail: Any) -> None:
    """A step written by a job while nurses may act on the same alert: a clash on
    ``seq`` is retried on fresh numbers rather than failing the job."""
    session = db.session()
    for attempt in range(3):
        try:
            with session.begin_nested():
                _event(alert_id, kind, None, message_id=message_id, **detail)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def _notify(alert: Alert, reason: str) -> None:
    notify(alert, reason, f"alert:{alert.id}:{reason}:{alert.severity}")


def raise_findings(patient: Patient, enrollment: Enrollment, protocol: Protocol,
                   findings: list[Finding]) -> list[Alert]:
    """Open or update one alert per (patient, rule group); returns the alerts opened or
    worsened.

    Evidence no newer than what an alert already holds changes nothing, so re-evaluating
    the same data (another submission in the window) never re-raises a handled alert. A
    finding below the alert's severity is recorded (in the series and as an update) but
    does not replace the higher evidence: the alert never silently falls. A rise moves
    ``due_by`` earlier (never later) and brings the next escalation forward. A
    missing-data alert whose task is now answered resolves itself.
    """
    current = now()
    touched: list[Alert] = []
    fired = {finding.group or finding.rule_id for finding in findings}
    latest, waiting = _alerts_in_play(patient, protocol, fired)
    for finding in findings:
        group = finding.group or finding.rule_id
        evidence_at = evidence.evidence_time(finding, current)
        alert = latest.get(group)
        if alert is not None and alert.last_evidence_at and evidence_at <= alert.last_evidence_at \
                and (alert.status == "resolved"
                     or SEVERITY_RANK[finding.severity] <= SEVERITY_RANK[alert.severity]):
            continue  # late evidence of a cause already handled: only a rise counts
        if alert is None or alert.status == "resolved":
            touched.append(_open(patient, enrollment, protocol, finding, evidence_at))
            continue
        change = lifecycle.apply(_state(alert), "finding", severity=finding.severity)
        alert.last_evidence_at = max(alert.last_evidence_at or evidence_at, evidence_at)
        alert.updated_at = current
        alert.series = [*alert.series, evidence.series_point(finding, evidence_at)]
        if SEVERITY_RANK[finding.severity] < SEVERITY_RANK[alert.severity]:
            _event(alert, "updated", rule_id=finding.rule_id, severity=finding.severity,
                   evidence=evidence.evidence_items(finding, patient.timezone))
            continue
        alert.rule_id = finding.rule_id
        alert.evidence = evidence.evidence_items(finding, patient.timezone)
        alert.explanation, alert.advice = evidence.texts(finding, patient.timezone)
        was_open = alert.status == "open"
        _store(alert, change.state)
        if change.worsened:
            _page_again(alert, protocol, patient.timezone, was_open)
            _event(alert, "worsened", severity=alert.severity,
                   due_by=alert.due_by.isoformat())
            _notify(alert, "worsened")
            touched.append(alert)
        else:
            _event(alert, "updated", rule_id=finding.rule_id, severity=finding.severity)
    _close_answered_missing_data(patient, waiting)
    return touched


def _alerts_in_play(patient: Patient, protocol: Protocol,
                    fired: set[str]) -> tuple[dict[str, Alert], list[Alert]]:
    """In one query: the latest alert of each group that fired, and the missing-data
    alerts still open in the groups that did not (they may close now)."""
    rules = list(protocol.missing_data_rules)
    if not fired and (not rules or patient.has_unresolved_alerts is False):
        return {}, []  # no missing-data alert to close: the patient has no open alert
    # Ids first (Core): most evaluations find none, and load no ORM object at all.
    ids = list(db.execute(_IN_PLAY, {"patient_id": patient.id, "groups": list(fired),
                                     "rules": rules}).scalars())
    if not ids:
        return {}, []
    latest: dict[str, Alert] = {}
    waiting: list[Alert] = []
    for alert in db.session().scalars(select(Alert).where(Alert.id.in_(ids))
                                      .order_by(Alert.created_at.desc())):
        if alert.rule_group in fired:
            latest.setdefault(alert.rule_group, alert)
        elif alert.status != "resolved" and alert.rule_id in rules:
            waiting.append(alert)
    return latest, waiting


def _open(patient: Patient, enrollment: Enrollment, protocol: Protocol, finding: Finding,
          evidence_at: datetime) -> Alert:
    current = now()
    due_by = protocol.alert_due_by(finding.severity, current, patient.timezone)
    explanation, advice = evidence.texts(finding, patient.timezone)
    alert = Alert(patient_id=patient.id, enrollment_id=enrollment.id,
                  care_team_id=enrollment.care_team_id, rule_id=finding.rule_id,
                  rule_group=finding.group or finding.rule_id,
                  severity=finding.severity, status="open", escalation_level=0,
                  explanation=explanation, advice=advice,
                  evidence=evidence.evidence_items(finding, patient.timezone),
                  series=[evidence.series_point(finding, evidence_at)],
                  last_evidence_at=evidence_at, created_at=current, updated_at=current,
                  due_by=due_by, next_escalation_at=due_by)
    db.session().add(alert)
    _event(alert, "opened", seq=1, severity=alert.severity)
    _notify(alert, "opened")
    # The alert's id leads to its rule and severity, under the care team's access control:
    # the trail itself says nothing of the patient's health.
    audit.record("alert.open", patient_id=patient.id, object_type="alert", object_id=alert.id,
                 actor=("system", None))
    return alert


_alert_columns = Alert.__table__.c
_IN_PLAY = select(_alert_columns.id).where(
    _alert_columns.patient_id == bindparam("patient_id"),
    or_(_alert_columns.rule_group.in_(bindparam("groups", expanding=True)),
        and_(_alert_columns.status != "resolved",
             _alert_columns.rule_id.in_(bindparam("rules", expanding=True)))))


def _close_answered_missing_data(patient: Patient, waiting: list[Alert]) -> None:
    """A missing-data alert whose rule no longer fires and whose task is now answered
    resolves itself with the outcome ``data_received``: there is nothing left to chase.
    (Runs in the submission's transaction: the answer and the closing commit together.)"""
    tasks = {alert.id: {item["task"] for item in alert.evidence if "task" in item}
             for alert in waiting}
    keys = set().union(*tasks.values())
    if not keys:
        return
    answered = {(row.enrollment_id, row.key) for row in db.session().execute(
        select(Task.enrollment_id, Task.key).where(
            Task.patient_id == patient.id, Task.key.in_(keys), Task.status == "done"))}
    for alert in waiting:
        if tasks[alert.id] and all((alert.enrollment_id, key) in answered
                                   for key in tasks[alert.id]):
            _resolve_by_system(alert, "data_received", tasks=sorted(tasks[alert.id]))


def _resolve_by_system(alert: Alert, outcome: str, **detail: Any) -> None:
    change = lifecycle.apply(_state(alert), "resolve", outcome=outcome)
    _store(alert, change.state)
    alert.resolved_at = alert.updated_at = now()
    _event(alert, "resolve", outcome=outcome, **detail)
    audit.record("alert.resolve", patient_id=alert.patient_id, object_type="alert",
                 object_id=alert.id, actor=("system", None), detail={"status": alert.status})


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


def add_evidence(alert: Alert, finding: Finding, evidence_at: datetime, kind: str,
                 **detail: Any) -> None:
    """New evidence on an open alert that does not change its severity (a patient's next
    message): appended to the evidence and the series, one system step ``kind``."""
    alert.evidence = [*alert.evidence, *evidence.evidence_items(finding, "UTC")]
    alert.series = [*alert.series, evidence.series_point(finding, evidence_at)]
    alert.last_evidence_at = max(alert.last_evidence_at or evidence_at, evidence_at)
    alert.updated_at = now()
    _event(alert, kind, None, **detail)


def reopen(alert: Alert, protocol: Protocol, timezone: str) -> None:
    """Open an acknowledged alert again (its news has not been read): awake, paged again
    on its severity's schedule, as a rise in severity does."""
    change = lifecycle.apply(_state(alert), "unread")
    _store(alert, change.state)
    if change.worsened:
        _page_again(alert, protocol, timezone, was_open=False)


def _page_again(alert: Alert, protocol: Protocol, timezone: str, was_open: bool) -> None:
    """Deadlines after a rise or a re-opening: ``due_by`` only ever earlier; re-opened
    after an acknowledgement, the alert is paged again on its severity's schedule; still
    open, its next escalation can only come sooner. The level is never reset: each level
    is one outbox entry, written once."""
    deadline = protocol.alert_due_by(alert.severity, now(), timezone)
    alert.due_by = min(alert.due_by, deadline)
    alert.next_escalation_at = (min(alert.next_escalation_at, deadline) if was_open
                                else deadline)


def notify(alert: Alert, reason: str, dedupe_key: str) -> None:
    """Page the team about ``alert`` for ``reason`` once per ``dedupe_key``."""
    outbox.add("alert.notify", {"alert_id": str(alert.id), "reason": reason},
               dedupe_key=dedupe_key, queue=QUEUE_OF[alert.severity])


# -- the nurse's side -------------------------------------------------------------------

def visible_alerts(principal: StaffPrincipal) -> Select:
    patients = visible_patient_ids(principal)
    return select(Alert) if patients is None else select(Alert).where(
        Alert.patient_id.in_(patients))


def team_alerts(principal: StaffPrincipal) -> Select:
    """``visible_alerts`` for a list: the ids of the teams' patients are read first (a
    team follows a few thousand at most), then their alerts by the patient's index. In
    one statement, the database cannot tell how few patients a team has and reads every
    open alert of the hospital to keep theirs."""
    patients = visible_patient_ids(principal)
    if patients is None:
        return select(Alert)
    return select(Alert).where(Alert.patient_id.in_(list(db.session().scalars(patients))))


def asleep(current: datetime):
    """Snoozed right now: only an acknowledged alert sleeps, until its wake time."""
    return and_(Alert.status == "acknowledged", Alert.snoozed_until > current)


def is_asleep(alert: Alert, current: datetime) -> bool:
    """``asleep`` for one alert in hand."""
    return (alert.status == "acknowledged" and alert.snoozed_until is not None
            and alert.snoozed_until > current)


def queue(principal: StaffPrincipal, filters: dict[str, Any], limit: int,
          offset: int) -> list[Alert]:
    """The triage queue: severity (high first), then oldest first, where a snoozed alert
    that has woken up counts from its wake time (it comes back as if new).

    ``snoozed``: ``exclude`` (the queue, by default), ``include``, or ``only`` (the
    sleeping alerts, the soonest to wake first)."""
    current = now()
    query = team_alerts(principal)
    whole_hospital = visible_patient_ids(principal) is None
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
    snoozed = filters.get("snoozed") or ("include" if filters.get("include_snoozed")
                                         else "exclude")
    if snoozed == "only":
        order = (Alert.snoozed_until, Alert.severity_rank.desc(), Alert.id)
        query = query.where(asleep(current))
    else:
        # The order of the index ix_alerts_queue, which serves the whole hospital's queue.
        # A team's: its few hundred alerts are found by patient and sorted; walking that
        # index would read every other team's alerts on the way (a hundred times more at
        # 100,000 patients). ``+ 0`` keeps the order and tells the planner not to walk it.
        rank = Alert.severity_rank if whole_hospital else Alert.severity_rank + 0
        order = (rank.desc(), func.coalesce(Alert.snoozed_until, Alert.created_at), Alert.id)
        if snoozed == "exclude":
            query = query.where(or_(Alert.status != "acknowledged",
                                    Alert.snoozed_until.is_(None),
                                    Alert.snoozed_until <= current))
    alerts = list(db.session().scalars(query.order_by(*order).limit(limit).offset(offset)))
    audit.record_reads("alert.list", (a.patient_id for a in alerts))
    return alerts


def get_alert(principal: StaffPrincipal, alert_id: uuid.UUID, action: str) -> Alert:
    alert = db.session().scalar(visible_alerts(principal).where(Alert.id == alert_id))
    if alert is None:
        # The trail names the patient the refused caller was after (the caller still gets
        # a bare 404), so a search of the trail by patient finds the attempt.
        target = db.session().scalar(select(Alert.patient_id).where(Alert.id == alert_id))
        audit.record_refusal(action, patient_id=target, object_type="alert", object_id=alert_id,
                             detail={"reason": "unknown or not in the caller's teams"})
        raise NotFound("No such alert.")
    return alert


def events_of(alert: Alert) -> list[dict[str, Any]]:
    """The alert's steps in order, each ``notified`` one with its delivery."""
    events = list(db.session().scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                                       .order_by(AlertEvent.seq)))
    deliveries = delivery_of(events)
    return [{"at": event.at, "kind": event.kind, "actor_id": event.actor_id,
             "detail": event.detail, "delivery": deliveries.get(event.id)} for event in events]


def delivery_of(events: list[AlertEvent]) -> dict[uuid.UUID, dict[str, Any]]:
    """For each ``notified`` step, where its message is: ``pending``, ``sending``,
    ``sent``, ``delivered`` (the provider's report) or ``failed`` (with the error), read
    from the message itself; ``no_recipient`` when nobody could be paged."""
    ids = [event.message_id for event in events if event.message_id is not None]
    messages = {message.id: message for message in db.session().scalars(
        select(Message).where(Message.id.in_(ids)))} if ids else {}
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for event in events:
        message = messages.get(event.message_id) if event.message_id else None
        if message is not None:
            out[event.id] = {"status": message.status,
                             "sent_at": _jsonable(message.sent_at),
                             "updated_at": _jsonable(message.updated_at),
                             "error": message.error}
        elif event.kind == "notified":
            out[event.id] = {"status": "no_recipient"}
    return out


def act(principal: StaffPrincipal, alert: Alert, event: str, **args: Any) -> Alert:
    """Apply a nurse's step to an alert: timestamped, attributed, audited."""
    actor = principal.user.id
    current = now()
    if event == "assign":
        assignee = db.session().get(StaffUser, args["staff_id"])
        if assignee is None or not assignee.active:
            raise Invalid("staff_id", "no such active staff member")
        if not db.session().scalar(select(TeamMembership.id).where(
                TeamMembership.staff_id == assignee.id,
                TeamMembership.team_id == alert.care_team_id)):
            # Whoever it is assigned to must be able to open the patient's record.
            raise Invalid("staff_id", "is not a member of this patient's care team")
        args = {"assignee": assignee.id}
    try:
        change = lifecycle.apply(_state(alert), event, at=current,
                                 assignee=args.get("assignee"), until=args.get("until"),
                                 outcome=args.get("outcome"))
    except lifecycle.TransitionError as error:
        raise Conflict(str(error)) from None
    if event == "snooze":
        _check_snooze_length(alert, args["until"], current)
    if event == "note":
        _check_room_for_a_note(alert)
    _store(alert, change.state)
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


def _check_snooze_length(alert: Alert, until: datetime, current: datetime) -> None:
    """A snooze is a call-back, not a way out of the queue: its protocol bounds it."""
    longest = _protocol(alert).snooze_max(alert.severity)
    if until > current + longest:
        minutes = int(longest.total_seconds() // 60)
        length = f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
        raise Invalid("until", f"a {alert.severity} alert may be snoozed for {length} at most "
                               f"(its protocol's maximum): until "
                               f"{(current + longest).isoformat()} at the latest")


def _check_room_for_a_note(alert: Alert) -> None:
    """An alert's history is read in one glance: its notes are bounded."""
    notes = db.session().scalar(select(func.count()).select_from(AlertEvent).where(
        AlertEvent.alert_id == alert.id, AlertEvent.kind == "note"))
    if notes >= NOTES_PER_ALERT:
        raise Invalid("note", f"this alert already has {NOTES_PER_ALERT} notes, the most one "
                              "alert keeps: write in the patient's record, or resolve the "
                              "alert with a closing note")


def _protocol(alert: Alert) -> Protocol:
    from backend.protocols.content import protocol_of

    return protocol_of(db.session().get(Enrollment, alert.enrollment_id).protocol)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else (
        str(value) if isinstance(value, uuid.UUID) else value)


# -- escalation (scheduler) and pages (worker) ------------------------------------------

def escalate_overdue() -> int:
    """Escalate open (unacknowledged) alerts whose next escalation is due: first the
    assignee (or the team again), then the team's on-call phone. A snooze never delays
    it (only acknowledged alerts sleep) and ``due_by`` never moves: escalation keeps its
    own schedule, one more deadline of the alert's severity (at least 5 minutes) after
    each step. Each level is one outbox entry, written once."""
    current = now()
    session = db.session()
    due = list(session.scalars(select(Alert).where(
        Alert.status == "open", Alert.next_escalation_at <= current)
        .order_by(Alert.next_escalation_at).limit(200)))
    for alert in due:
        level = alert.escalation_level + 1
        patient = session.get(Patient, alert.patient_id)
        outbox.add("alert.escalate", {"alert_id": str(alert.id), "level": level},
                   dedupe_key=f"alert:{alert.id}:escalate:{level}",
                   queue=QUEUE_OF[alert.severity])
        alert.escalation_level = level
        alert.next_escalation_at = max(
            _protocol(alert).alert_due_by(alert.severity, current, patient.timezone),
            current + ESCALATION_GAP)
        _event(alert, "escalated", level=level,
               next_escalation_at=alert.next_escalation_at.isoformat())
    return len(due)
