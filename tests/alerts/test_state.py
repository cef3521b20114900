"""The alert lifecycle as a pure function: what each event does to each state."""

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
