"""Paging the team about an alert (outbox entries ``alert.notify`` and ``alert.escalate``):
the team's nurses, then at escalation the assignee or the team, then the on-call phone.
Each page is an SMS sent once and a ``notified`` step in the alert's history."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend import db
from backend.alerts.models import Alert
from backend.alerts.services import record_page, record_unpaged
from backend.alerts.texts import alert_text
from backend.auth.models import StaffUser
from backend.clock import now
from backend.notifications.services import send_sms
from backend.outbox.models import OutboxEntry
from backend.outbox.services import NotNow
from backend.teams.models import CareTeam, TeamMembership
from backend.teams.services import next_day_start


def _team_staff(team_id: uuid.UUID, roles: tuple[str, ...]) -> list[StaffUser]:
    return list(db.session().scalars(select(StaffUser).join(
        TeamMembership, TeamMembership.staff_id == StaffUser.id).where(
        TeamMembership.team_id == team_id, StaffUser.active.is_(True),
        StaffUser.role.in_(roles), StaffUser.phone.is_not(None)).order_by(StaffUser.email)))


def _page_now_or_wait(alert: Alert) -> bool:
    """Whether to page staff about ``alert`` now. A low alert waits for the team's day
    hours (``NotNow``), and one acknowledged or resolved by then pages no one; medium and
    high alerts always page."""
    if alert.status == "resolved":
        return False
    if alert.severity != "low":
        return True
    if alert.status != "open":
        return False
    team = db.session().get(CareTeam, alert.care_team_id)
    wait = next_day_start(team, now())
    if wait is not None:
        raise NotNow(wait)
    return True


def _page(entry: OutboxEntry, alert: Alert, to: str, template: str, body: str,
          **links: object) -> None:
    send_sms(entry, to, template, body, alert_id=alert.id,
             on_claim=lambda message: record_page(message, entry), **links)


def notify(entry: OutboxEntry) -> None:
    alert = db.session().get(Alert, uuid.UUID(entry.payload["alert_id"]))
    if not _page_now_or_wait(alert):
        return
    body = alert_text(f"alert.{entry.payload['reason']}", alert.severity)
    nurses = _team_staff(alert.care_team_id, ("nurse",))
    if not nurses:
        _on_call(entry, alert, body)
    for nurse in nurses:
        _page(entry, alert, nurse.phone, "alert", body, staff_id=nurse.id)


def escalate(entry: OutboxEntry) -> None:
    alert = db.session().get(Alert, uuid.UUID(entry.payload["alert_id"]))
    if alert.status != "open":  # acknowledged or resolved since: nothing to escalate
        return
    if not _page_now_or_wait(alert):
        return
    level = entry.payload["level"]
    body = alert_text("alert.escalated", alert.severity, level=level)
    if level == 1:
        assignee = db.session().get(StaffUser, alert.assigned_to) if alert.assigned_to else None
        targets = [assignee] if assignee and assignee.phone else _team_staff(
            alert.care_team_id, ("nurse", "surgeon"))
        for staff in targets:
            _page(entry, alert, staff.phone, "alert.escalated", body, staff_id=staff.id)
        if targets:
            return
    _on_call(entry, alert, body)


def _on_call(entry: OutboxEntry, alert: Alert, body: str) -> None:
    team = db.session().get(CareTeam, alert.care_team_id)
    if team.on_call_phone:
        _page(entry, alert, team.on_call_phone, "alert.on_call", body)
    else:
        record_unpaged(alert, entry)


OUTBOX_HANDLERS = {"alert.notify": notify, "alert.escalate": escalate}
