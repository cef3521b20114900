"""Today's tasks in the patient's own time zone, across the daylight-saving change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.helpers import audit_events


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


def test_the_patient_sees_how_to_reach_the_ward_never_its_on_call_phone(world, app):
    nurse = world.staff("nurse")
    admin = world.admin()
    changed = admin.patch("/api/v1/teams/team-a", json={
        "on_call_phone": "+33611111111", "patient_phone": "+33122334455",
        "day_start": "08:30", "day_end": "17:30"})
    assert changed.status_code == 200, changed.json
    assert changed.json["patient_phone"] == "+33122334455"
    _, device = world.patient_device(nurse)
    ward = device.get("/api/v1/me/today").json["ward"]
    assert ward == {"name": "Team-A", "phone": "+33122334455", "day_start": "08:30",
                    "day_end": "17:30", "timezone": "Europe/Paris"}
    with app.app_context():  # sealed at rest, as every phone number
        from sqlalchemy import text

        from backend import db

        stored = db.session().execute(text("SELECT patient_phone FROM care_teams")).scalar()
    assert "33122334455" not in stored


def test_a_ward_without_a_number_for_patients_says_none(world):
    nurse = world.staff("nurse", teams=("team-b",))
    world.admin().patch("/api/v1/teams/team-b", json={"on_call_phone": "+33611111111"})
    _, device = world.patient_device(nurse)
    assert device.get("/api/v1/me/today").json["ward"]["phone"] is None


def test_a_ward_number_for_patients_must_be_a_phone_number(world):
    world.staff("nurse")
    refused = world.admin().patch("/api/v1/teams/team-a", json={"patient_phone": "call us"})
    assert refused.status_code == 422 and "patient_phone" in refused.json["errors"]["json"]


def test_breathing_rate_and_consciousness_are_asked_only_when_a_carer_measures_them(world):
    nurse = world.staff("nurse")
    _, alone = world.patient_device(nurse, "colorectal-eras")
    _, helped = world.patient_device(nurse, "colorectal-eras", carer_measures=True)
    assert alone.get("/api/v1/me/today").json["not_asked"] == ["respiratory_rate",
                                                               "consciousness"]
    assert helped.get("/api/v1/me/today").json["not_asked"] == []
    enrolments = {e["carer_measures"] for p in nurse.get("/api/v1/patients").json
                  for e in nurse.get(f"/api/v1/patients/{p['id']}/enrollments").json}
    assert enrolments == {True, False}


def test_a_nurse_says_later_that_a_carer_now_measures_them(world, app):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, "colorectal-eras")
    [enrollment] = nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json
    path = f"/api/v1/patients/{patient['id']}/enrollments/{enrollment['id']}/carer"
    changed = nurse.request("PUT", path, json={"carer_measures": True})
    assert changed.status_code == 200 and changed.json["carer_measures"] is True
    assert device.get("/api/v1/me/today").json["not_asked"] == []
    refused = nurse.request("PUT", path, json={"carer_measures": "maybe"})
    assert refused.status_code == 422 and "carer_measures" in refused.json["errors"]["json"]
    [event] = audit_events(app, action="enrollment.carer", outcome="success")
    assert str(event.patient_id) == patient["id"] and event.detail == {"from": False,
                                                                       "to": True}
