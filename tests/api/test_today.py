"""Today's tasks in the patient's own time zone, across the daylight-saving change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest


def _today(world, clock, at, timezone, surgery):
    clock.set(at)
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse, surgery_date=surgery, timezone=timezone)
    return device.get("/api/v1/me/today").json


def _due(view, questionnaire="daily-postop"):
    return next(t["due_at"] for t in view["tasks"] if t["questionnaire"] == questionnaire)


@pytest.mark.parametrize(("at", "due"), [
    # Paris is UTC+2 before 25 October 2026 03:00 and UTC+1 after: 10:00 local moves.
    (datetime(2026, 10, 24, 6, 0, tzinfo=UTC), "2026-10-24T08:00:00+00:00"),
    (datetime(2026, 10, 25, 6, 0, tzinfo=UTC), "2026-10-25T09:00:00+00:00"),
    (datetime(2026, 10, 26, 6, 0, tzinfo=UTC), "2026-10-26T09:00:00+00:00"),
])
def test_ten_oclock_in_paris_across_the_autumn_change(world, clock, at, due):
    view = _today(world, clock, at, "Europe/Paris", date(2026, 10, 20))
    assert _due(view) == due
    assert view["date"] == at.date().isoformat()


def test_new_york_patient_gets_tasks_at_local_ten(world, clock):
    view = _today(world, clock, datetime(2026, 11, 23, 14, 0, tzinfo=UTC), "America/New_York",
                  date(2026, 11, 21))
    assert _due(view) == "2026-11-23T15:00:00+00:00"
    assert view["post_op_day"] == 2


def test_the_day_is_the_patients_local_day(world, clock):
    # 12:00 UTC on the 23rd is already the 24th in Auckland (UTC+13 in summer).
    view = _today(world, clock, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), "Pacific/Auckland",
                  date(2026, 11, 20))
    assert view["date"] == "2026-11-24"
    assert view["post_op_day"] == 4
    assert _due(view) == "2026-11-23T21:00:00+00:00"


def test_no_task_on_the_day_of_surgery_but_education(world, clock):
    view = _today(world, clock, datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "Europe/Paris",
                  date(2026, 11, 23))
    assert view["post_op_day"] == 0
    assert view["tasks"] == []
    assert view["education"] and all(item["title"] and item["body"]
                                      for item in view["education"])


def test_english_patient_reads_english_education(world, clock):
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    nurse = world.staff("nurse")
    _, french = world.patient_device(nurse, surgery_date=date(2026, 11, 22))
    _, english = world.patient_device(nurse, surgery_date=date(2026, 11, 22), language="en")
    titles_fr = {e["title"] for e in french.get("/api/v1/me/today").json["education"]}
    titles_en = {e["title"] for e in english.get("/api/v1/me/today").json["education"]}
    assert "When to call" in titles_en and titles_fr.isdisjoint(titles_en)
