"""An alert's lifecycle as a pure function: the next state from the current one and an
event. No database, no clock: the services pass ``at`` and persist the result.

    open ──acknowledge──► acknowledged ──resolve──► resolved
      └───────────────────resolve────────────────────┘
    assign, note: on open or acknowledged alerts
    snooze: on acknowledged alerts only (an alert nobody has taken on is never hidden)
    finding (new evidence): severity may rise, never silently fall; a rise re-opens an
    acknowledged alert and lifts a snooze.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from rules.model import SEVERITY_RANK


class TransitionError(ValueError):
    """The event is not allowed in the alert's current state."""


@dataclass(frozen=True)
class AlertState:
    status: str
    severity: str
    assigned_to: object | None = None
    snoozed_until: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class Change:
    state: AlertState
    worsened: bool = False


def opened(severity: str) -> AlertState:
    return AlertState(status="open", severity=severity)


def apply(state: AlertState, event: str, *, severity: str | None = None,
          assignee: object | None = None, until: datetime | None = None,
          outcome: str | None = None, at: datetime | None = None) -> Change:
    """The alert after ``event`` (finding, unread, acknowledge, assign, note, snooze,
    resolve). ``unread``: news on an acknowledged alert nobody has read yet (a patient's
    new message) opens it again and lifts a snooze, as a rise in severity does."""
    if state.status == "resolved":
        raise TransitionError("the alert is resolved; a new finding opens a new alert")
    if event == "finding":
        rose = SEVERITY_RANK[severity] > SEVERITY_RANK[state.severity]
        if not rose:
            return Change(state)
        return Change(replace(state, severity=severity, status="open", snoozed_until=None),
                      worsened=True)
    if event == "unread":
        if state.status != "acknowledged":
            return Change(state)
        return Change(replace(state, status="open", snoozed_until=None), worsened=True)
    if event == "acknowledge":
        if state.status != "open":
            raise TransitionError("the alert is already acknowledged")
        return Change(replace(state, status="acknowledged"))
    if event == "assign":
        return Change(replace(state, assigned_to=assignee))
    if event == "note":
        return Change(state)
    if event == "snooze":
        if state.status != "acknowledged":
            raise TransitionError("only an acknowledged alert can be snoozed: acknowledge "
                                  "it first (an alert nobody has taken on is never hidden)")
        if until is None or (at is not None and until <= at):
            raise TransitionError("a snooze needs a time in the future")
        return Change(replace(state, snoozed_until=until))
    if event == "resolve":
        if not outcome:
            raise TransitionError("resolving needs an outcome")
        return Change(replace(state, status="resolved", outcome=outcome, snoozed_until=None))
    raise TransitionError(f"unknown event {event!r}")
