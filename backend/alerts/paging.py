"""Paging the team about an alert (outbox entries ``alert.notify`` and ``alert.escalate``):
the team's nurses, then at escalation the assignee or the team, then the on-call phone.
Each page is an SMS sent once and a ``notified`` step in the alert's history."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from backend import db
from backend.alerts import services
from backend.alerts.models import Alert, AlertEvent
from backend.alerts.texts import alert_text
from backend.auth.models import CARE_ROLES, StaffUser
from backend.clock import now
from backend.notifications.models import Message
from backend.notifications.services import send_sms
from backend.outbox.models import OutboxEntry
from backend.outbox.services import NotNow
from backend.teams.models import CareTeam, TeamMembership
from backend.teams.services import next_day_start
from backend.text import masked_phone


def _team_staff(team_id: uuid.UUID, roles: tuple[str, ...]) -> list[StaffUser]:
    # By e-mail, in Python: the column is sealed, the database cannot sort it.
    return sorted(db.session().scalars(select(StaffUser).join(
        TeamMembership, TeamMembership.staff_id == StaffUser.id).where(
        TeamMembership.team_id == team_id, StaffUser.active.is_(True),
        StaffUser.role.in_(roles), StaffUser.phone.is_not(None))), key=lambda user: user.email)


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
            alert.care_team_id, CARE_ROLES)
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


def _why(entry: OutboxEntry) -> dict[str, Any]:
    if entry.kind == "alert.escalate":
        return {"reason": "escalated", "level": entry.payload["level"]}
    return {"reason": entry.payload.get("reason")}


def record_page(message: Message, entry: OutboxEntry) -> None:
    """A message about an alert is a ``notified`` step of the alert: who was paged (a
    staff member, or the on-call phone, masked), on which channel, why (opened, worsened,
    escalated at some level). Written once per message however often its job runs, in
    the transaction that claims the message, before the provider is called."""
    if db.session().scalar(select(AlertEvent.id).where(AlertEvent.message_id == message.id)):
        return
    to = ({"staff_id": str(message.staff_id)} if message.staff_id is not None
          else {"on_call_phone": masked_phone(message.address)})
    services.system_event(message.alert_id, "notified", message_id=message.id,
                  channel=message.channel, **to, **_why(entry))


def record_unpaged(alert: Alert, entry: OutboxEntry) -> None:
    """Nobody could be paged (no nurse with a phone, no on-call phone): a ``notified``
    step says so, so the alert's history never suggests someone was told."""
    earlier = db.session().scalars(select(AlertEvent).where(
        AlertEvent.alert_id == alert.id, AlertEvent.kind == "notified",
        AlertEvent.message_id.is_(None)))
    if any(event.detail.get("outbox_id") == str(entry.id) for event in earlier):
        return
    services.system_event(alert.id, "notified", outbox_id=str(entry.id), **_why(entry))
