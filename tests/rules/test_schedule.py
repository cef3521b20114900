"""Planned tasks in the patient's local time (DST included), education, alert deadlines."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from rules.loader import load_content
from rules.protocol import AlertDeadline
from rules.schedule import education_for_day, planned_tasks, post_op_day


@pytest.fixture(scope="module")
def protocols():
    return {slug: versions[1] for slug, versions in load_content().protocols.items()}


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_ambulatory_plan(protocols):
    p = protocols["ambulatory-general"]
    tasks = planned_tasks(p, date(2026, 1, 5), "Europe/Paris", utc(2026, 1, 1), utc(2026, 3, 1))
    keys = [t.key for t in tasks]
    assert keys[:3] == ["daily-postop@d1", "qor-15@d1", "daily-postop@d2"]
    assert keys.count("qor-15@d30") == 1
    assert len(tasks) == 14 + 4
    first = tasks[0]
    assert (first.kind, first.questionnaire, first.reading, first.day) == (
        "questionnaire", "daily-postop", None, 1)
    assert first.due_at == utc(2026, 1, 6, 9, 0)  # 10:00 CET
    assert first.grace == timedelta(hours=2) and first.missed_at == utc(2026, 1, 6, 11, 0)
    assert tasks == sorted(tasks, key=lambda t: (t.due_at, t.key))


def test_same_local_time_across_the_autumn_dst_change(protocols):
    """Europe/Paris leaves summer time on 2026-10-25 at 03:00 CEST."""
    p = protocols["ambulatory-general"]
    tasks = planned_tasks(p, date(2026, 10, 20), "Europe/Paris", utc(2026, 10, 24),
                          utc(2026, 10, 27))
    due = {t.key: t.due_at for t in tasks}
    assert due == {
        "daily-postop@d4": utc(2026, 10, 24, 8, 0),   # 10:00 CEST (UTC+2)
        "daily-postop@d5": utc(2026, 10, 25, 9, 0),   # 10:00 CET (UTC+1), the day of the change
        "daily-postop@d6": utc(2026, 10, 26, 9, 0),
    }


def test_spring_forward_and_nonexistent_local_time(protocols):
    p = protocols["ambulatory-general"]
    due = {t.key: t.due_at for t in planned_tasks(
        p, date(2026, 3, 27), "Europe/Paris", utc(2026, 3, 28), utc(2026, 3, 31))}
    assert due["daily-postop@d1"] == utc(2026, 3, 28, 9, 0)   # CET
    assert due["daily-postop@d2"] == utc(2026, 3, 29, 8, 0)   # CEST from 02:00 that day
    # 02:30 does not exist on 2026-03-29 in Paris: taken with the winter offset (01:30Z)
    early = _with_time(p, time(2, 30))
    [task] = planned_tasks(early, date(2026, 3, 27), "Europe/Paris", utc(2026, 3, 29),
                           utc(2026, 3, 29, 23))
    assert task.due_at == utc(2026, 3, 29, 1, 30)


def _with_time(p, at):
    from dataclasses import replace

    return replace(p, schedule=(replace(p.schedule[0], at=at, days=(2,)),))


def test_other_timezone(protocols):
    p = protocols["ambulatory-general"]
    tasks = planned_tasks(p, date(2026, 11, 1), "America/New_York", utc(2026, 11, 1),
                          utc(2026, 11, 3))
    # New York leaves summer time on 2026-11-01: day 1 (Nov 2) is EST, UTC-5
    assert [(t.key, t.due_at) for t in tasks] == [("daily-postop@d1", utc(2026, 11, 2, 15)),
                                                  ("qor-15@d1", utc(2026, 11, 2, 15))]


def test_window_is_half_open_and_needs_aware_datetimes(protocols):
    p = protocols["ambulatory-general"]
    surgery = date(2026, 1, 5)
    day1 = utc(2026, 1, 6, 9, 0)
    assert [t.key for t in planned_tasks(p, surgery, "Europe/Paris", day1,
                                         day1 + timedelta(minutes=1))] == ["daily-postop@d1",
                                                                           "qor-15@d1"]
    assert planned_tasks(p, surgery, "Europe/Paris", day1 - timedelta(hours=1), day1) == []
    with pytest.raises(ValueError):
        planned_tasks(p, surgery, "Europe/Paris", datetime(2026, 1, 1), day1)


def test_reading_tasks(protocols):
    hf = protocols["heart-failure"]
    tasks = planned_tasks(hf, date(2026, 1, 5), "Europe/Paris", utc(2026, 1, 6),
                          utc(2026, 1, 7))
    assert [(t.key, t.kind, t.reading) for t in tasks] == [
        ("vitals@d1", "questionnaire", None), ("weight@d1", "reading", "weight")]
    assert tasks[1].due_at == utc(2026, 1, 6, 7, 0)


def test_education_by_day(protocols):
    p = protocols["ambulatory-general"]
    assert [e.id for e in education_for_day(p, 0)] == [
        "when-to-call", "pain-medication", "wound-care", "walking", "diet"]
    assert [e.id for e in education_for_day(p, 7)] == ["when-to-call", "pain-medication",
                                                       "wound-care", "walking"]
    assert [e.id for e in education_for_day(p, 8)] == ["when-to-call", "wound-care", "walking"]
    assert [e.id for e in education_for_day(p, 31)] == []
    item = education_for_day(p, 0)[0]
    assert item.to_dict("en")["title"] == "When to call" and item.title.fr


def test_post_op_day_uses_the_local_date():
    # 23:30 UTC on Jan 6 is already Jan 7 in Paris
    assert post_op_day(date(2026, 1, 5), utc(2026, 1, 6, 23, 30), "Europe/Paris") == 2
    assert post_op_day(date(2026, 1, 5), utc(2026, 1, 6, 22, 30), "Europe/Paris") == 1


def test_alert_deadlines(protocols):
    p = protocols["colorectal-eras"]
    opened = utc(2026, 10, 24, 10, 0)
    assert p.alert_due_by("high", opened, "Europe/Paris") == opened + timedelta(minutes=15)
    assert p.alert_due_by("medium", opened, "Europe/Paris") == opened + timedelta(hours=1)
    # low: by 18:00 local the same day (CEST: 16:00Z) ...
    assert p.alert_due_by("low", opened, "Europe/Paris") == utc(2026, 10, 24, 16, 0)
    # ... or the next day when opened later (the next day is CET: 17:00Z)
    assert p.alert_due_by("low", utc(2026, 10, 24, 17, 0), "Europe/Paris") == utc(
        2026, 10, 25, 17, 0)
    assert AlertDeadline(local_time=time(18, 0)).to_dict() == {"local_time": "18:00"}
