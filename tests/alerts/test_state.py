"""The alert lifecycle as a pure function: what each event does to each state."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from backend.alerts.state import AlertState, TransitionError, apply, opened

AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def acknowledged(severity="medium", **changes):
    return AlertState(status="acknowledged", severity=severity, **changes)


def test_a_rise_reopens_and_wakes_an_acknowledged_alert_a_fall_changes_nothing():
    snoozed = acknowledged(snoozed_until=AT + timedelta(hours=1))
    rise = apply(snoozed, "finding", severity="high")
    assert rise.worsened and rise.state == AlertState("open", "high")
    assert apply(snoozed, "finding", severity="low") == apply(snoozed, "finding",
                                                              severity="medium")
    assert not apply(snoozed, "finding", severity="low").worsened


def test_unread_news_reopens_an_acknowledged_alert_only():
    snoozed = acknowledged(snoozed_until=AT + timedelta(hours=1))
    change = apply(snoozed, "unread")
    assert change.worsened and change.state == AlertState("open", "medium")
    still_open = apply(opened("low"), "unread")
    assert not still_open.worsened and still_open.state == opened("low")


def test_only_an_acknowledged_alert_can_be_snoozed_and_only_into_the_future():
    with pytest.raises(TransitionError, match="only an acknowledged alert"):
        apply(opened("high"), "snooze", until=AT + timedelta(hours=1), at=AT)
    with pytest.raises(TransitionError, match="in the future"):
        apply(acknowledged(), "snooze", until=AT, at=AT)
    assert apply(acknowledged(), "snooze", until=AT + timedelta(hours=1), at=AT
                 ).state.snoozed_until == AT + timedelta(hours=1)


def test_resolving_needs_an_outcome_and_a_resolved_alert_takes_no_more_steps():
    with pytest.raises(TransitionError, match="outcome"):
        apply(opened("low"), "resolve")
    resolved = apply(opened("low"), "resolve", outcome="false_alarm").state
    assert resolved.status == "resolved"
    for event in ("acknowledge", "unread", "note"):
        with pytest.raises(TransitionError, match="resolved"):
            apply(resolved, event)
    with pytest.raises(TransitionError, match="already acknowledged"):
        apply(acknowledged(), "acknowledge")


# -- every (state, event) pair ------------------------------------------------------------
NURSE, OTHER_NURSE = "nurse-a", "nurse-b"
LATER, LATER_STILL = AT + timedelta(hours=1), AT + timedelta(hours=4)

# One alert in each status, with every side field that status can carry set: an open alert
# taken by a nurse (a snooze is only ever set on an acknowledged alert, and a rise or a new
# message lifts it when it re-opens), an acknowledged alert snoozed, a resolved one.
STATES = {
    "open": AlertState("open", "medium", assigned_to=NURSE),
    "acknowledged": AlertState("acknowledged", "medium", assigned_to=NURSE,
                               snoozed_until=LATER),
    "resolved": AlertState("resolved", "medium", assigned_to=NURSE, outcome="false_alarm"),
}

# Each event as the services send it: (event, keyword arguments).
EVENTS = {
    "finding higher": ("finding", {"severity": "high"}),
    "finding same": ("finding", {"severity": "medium"}),
    "finding lower": ("finding", {"severity": "low"}),
    "unread": ("unread", {}),
    "acknowledge": ("acknowledge", {}),
    "assign": ("assign", {"assignee": OTHER_NURSE}),
    "unassign": ("assign", {"assignee": None}),
    "note": ("note", {}),
    "snooze": ("snooze", {"until": LATER_STILL, "at": AT}),
    "snooze into the past": ("snooze", {"until": AT, "at": AT}),
    "snooze without a time": ("snooze", {"at": AT}),
    "resolve": ("resolve", {"outcome": "called_patient"}),
    "resolve without an outcome": ("resolve", {}),
    "unknown": ("escalate", {}),
}


class Refused(str):
    """The event is refused with a TransitionError whose message contains this text."""


def after(start: str, worsened: bool = False, **fields) -> tuple[AlertState, bool]:
    """The alert in state ``start`` with ``fields`` changed, and whether that worsened it."""
    return replace(STATES[start], **fields), worsened


RESOLVED = Refused("the alert is resolved; a new finding opens a new alert")
NOT_ACKNOWLEDGED = Refused("only an acknowledged alert can be snoozed")

# (state, event) → the alert after it and whether it worsened, or the refusal.
TABLE = {
    ("open", "finding higher"): after("open", True, severity="high"),
    ("open", "finding same"): after("open"),
    ("open", "finding lower"): after("open"),
    ("open", "unread"): after("open"),
    ("open", "acknowledge"): after("open", status="acknowledged"),
    ("open", "assign"): after("open", assigned_to=OTHER_NURSE),
    ("open", "unassign"): after("open", assigned_to=None),
    ("open", "note"): after("open"),
    ("open", "snooze"): NOT_ACKNOWLEDGED,
    ("open", "snooze into the past"): NOT_ACKNOWLEDGED,
    ("open", "snooze without a time"): NOT_ACKNOWLEDGED,
    ("open", "resolve"): after("open", status="resolved", outcome="called_patient"),
    ("open", "resolve without an outcome"): Refused("resolving needs an outcome"),
    ("open", "unknown"): Refused("unknown event 'escalate'"),

    ("acknowledged", "finding higher"): after("acknowledged", True, status="open",
                                              severity="high", snoozed_until=None),
    ("acknowledged", "finding same"): after("acknowledged"),
    ("acknowledged", "finding lower"): after("acknowledged"),
    ("acknowledged", "unread"): after("acknowledged", True, status="open",
                                      snoozed_until=None),
    ("acknowledged", "acknowledge"): Refused("the alert is already acknowledged"),
    ("acknowledged", "assign"): after("acknowledged", assigned_to=OTHER_NURSE),
    ("acknowledged", "unassign"): after("acknowledged", assigned_to=None),
    ("acknowledged", "note"): after("acknowledged"),
    ("acknowledged", "snooze"): after("acknowledged", snoozed_until=LATER_STILL),
    ("acknowledged", "snooze into the past"): Refused("a snooze needs a time in the future"),
    ("acknowledged", "snooze without a time"): Refused("a snooze needs a time in the future"),
    ("acknowledged", "resolve"): after("acknowledged", status="resolved",
                                       outcome="called_patient", snoozed_until=None),
    ("acknowledged", "resolve without an outcome"): Refused("resolving needs an outcome"),
    ("acknowledged", "unknown"): Refused("unknown event 'escalate'"),

    **{("resolved", event): RESOLVED for event in EVENTS},
}


def test_the_table_has_every_state_and_event():
    assert set(TABLE) == {(state, event) for state in STATES for event in EVENTS}


@pytest.mark.parametrize(("state", "event"), list(TABLE), ids=" + ".join)
def test_each_event_in_each_state(state, event):
    name, arguments = EVENTS[event]
    expected = TABLE[state, event]
    if isinstance(expected, Refused):
        with pytest.raises(TransitionError) as refusal:
            apply(STATES[state], name, **arguments)
        assert expected in str(refusal.value)
        return
    change = apply(STATES[state], name, **arguments)
    assert (change.state, change.worsened) == expected
