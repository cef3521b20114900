"""What keeps the staff's reads the same size as the hospital grows, as a user sees it:
long lists read a page at a time by cursor (no entry lost or repeated, another team's
patient still refused), the queue ordered by severity as it changes, a team seeing
the patients enrolled with it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from backend import cursor as cursors
from backend import db
from backend.alerts.models import Alert
from backend.enrollments.models import Enrollment
from backend.intake.models import Reading
from tests.helpers import CALENDAR_ENDS, CONSENT, daily, submit


@pytest.fixture
def ward(world, app, clock):
    """A patient with a fever alert, answers, and device readings, many of them at the
    same instant (ties the pages must split without losing or repeating one)."""
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(temperature=38.6))
    clock.advance(minutes=5)
    submit(device, "daily-postop", daily(temperature=39.4))
    with app.app_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        start = clock.now() - timedelta(days=2)
        session.execute(insert(Reading), [{
            "id": uuid.uuid4(), "patient_id": uuid.UUID(patient["id"]),
            "enrollment_id": enrollment.id, "type": "heart_rate", "value": str(60 + i),
            "numeric_value": Decimal(60 + i), "unit": "/min",
            "measured_at": start + timedelta(minutes=10 * (i // 4)),
            "received_at": clock.now(), "source": "device"} for i in range(40)])
        session.commit()
    return {"nurse": nurse, "patient": patient, "device": device}


def _pages(caller, url: str, limit: int) -> list[list[dict]]:
    """Every page of a list, each from the previous page's X-Next-Cursor."""
    pages, cursor = [], None
    while True:
        reply = caller.get(f"{url}&limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert reply.status_code == 200, reply.json
        pages.append(reply.json)
        cursor = reply.headers.get("X-Next-Cursor")
        if cursor is None:
            assert len(reply.json) < limit
            return pages
        assert len(reply.json) == limit and len(pages) < 100


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_the_timeline_pages_by_cursor_lose_and_repeat_nothing(ward, order):
    url = f"/api/v1/patients/{ward['patient']['id']}/timeline?order={order}"
    whole = ward["nurse"].get(f"{url}&limit=200")
    assert "X-Next-Cursor" not in whole.headers  # not full: the last page
    kinds = {entry["kind"] for entry in whole.json}
    assert {"submission", "reading", "alert.opened"} <= kinds and len(whole.json) > 45
    for limit in (1, 3, 7):
        pages = _pages(ward["nurse"], url, limit)
        assert [entry for page in pages for entry in page] == whole.json, limit
    # offset still skips entries, in the same order
    assert ward["nurse"].get(f"{url}&limit=5&offset=5").json == whole.json[5:10]


def test_a_timeline_cursor_does_not_open_another_teams_patient(world, ward):
    url = f"/api/v1/patients/{ward['patient']['id']}/timeline?limit=2"
    cursor = ward["nurse"].get(url).headers["X-Next-Cursor"]
    outsider = world.staff("nurse", teams=("team-b",))
    assert outsider.get(f"{url}&cursor={cursor}").status_code == 404


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WyIyMDI2Il0", "e30"])
def test_a_cursor_not_given_by_the_list_is_refused(ward, cursor):
    url = f"/api/v1/patients/{ward['patient']['id']}/timeline?limit=2&cursor={cursor}"
    refused = ward["nurse"].get(url)
    assert refused.status_code == 422, refused.json
    assert "cursor" in refused.json["message"]


# A timeline's cursor (accepted), and values none of its five elements ever holds: a
# time at either end of the calendar or without its offset, then the wrong types.
TIMELINE_KEY = (datetime(2026, 1, 1, tzinfo=UTC), 2, "reading", str(uuid.uuid4()), "")
NEVER = {0: [*CALENDAR_ENDS, datetime(2026, 1, 1)], 1: [True, "2"], 2: [0], 3: [None],
         4: [[]]}


@pytest.mark.parametrize(("element", "value"),
                         [(i, value) for i, values in NEVER.items() for value in values])
def test_a_timeline_cursor_edited_in_any_element_is_refused(ward, element, value):
    url = f"/api/v1/patients/{ward['patient']['id']}/timeline?limit=2&cursor="
    assert ward["nurse"].get(url + cursors.encode(*TIMELINE_KEY)).status_code == 200
    key = [*TIMELINE_KEY[:element], value, *TIMELINE_KEY[element + 1:]]
    refused = ward["nurse"].get(url + cursors.encode(*key))
    assert refused.status_code == 422, refused.json
    assert "cursor" in refused.json["message"]


@pytest.mark.parametrize("at", CALENDAR_ENDS)
def test_a_cursor_at_either_end_of_the_calendar_is_refused(world, ward, at):
    messages = f"/api/v1/patients/{ward['patient']['id']}/messages?cursor="
    admin = world.admin()
    ordinary = cursors.encode(datetime(2026, 1, 1, tzinfo=UTC), str(uuid.uuid4()))
    assert ward["nurse"].get(messages + ordinary).status_code == 200
    assert admin.get(f"/api/v1/audit?cursor={ordinary}").status_code == 200
    edited = cursors.encode(at, str(uuid.uuid4()))
    refused = ward["nurse"].get(messages + edited)
    assert refused.status_code == 422 and "cursor" in refused.json["errors"]["query"]
    refused = admin.get(f"/api/v1/audit?cursor={edited}")
    assert refused.status_code == 422 and "cursor" in refused.json["message"]


def test_the_audit_search_pages_by_cursor_lose_and_repeat_nothing(world, ward, clock):
    for _ in range(12):  # reads at the same instant, and some later
        ward["nurse"].get(f"/api/v1/patients/{ward['patient']['id']}")
    clock.advance(minutes=1)
    for _ in range(5):
        ward["nurse"].get(f"/api/v1/patients/{ward['patient']['id']}")
    admin = world.admin()
    url = f"/api/v1/audit?patient_id={ward['patient']['id']}&action=patient.read"
    whole = admin.get(f"{url}&limit=200").json
    assert len(whole) == 17
    for limit in (1, 4, 17):
        pages = _pages(admin, url, limit)
        assert [event["id"] for page in pages for event in page] == [e["id"] for e in whole]
    bad = admin.get(f"{url}&cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwieCJd")
    assert bad.status_code == 422 and "cursor" in bad.json["message"]


def test_the_queue_follows_an_alerts_severity_as_it_changes(world, app, clock):
    nurse = world.staff("nurse")
    first, first_device = world.patient_device(nurse)
    second, second_device = world.patient_device(nurse)
    submit(first_device, "daily-postop", daily(temperature=38.6))  # medium, oldest
    clock.advance(minutes=1)
    submit(second_device, "daily-postop", daily(temperature=38.6))
    queue = nurse.get("/api/v1/alerts").json
    assert [a["patient"]["id"] for a in queue] == [first["id"], second["id"]]
    clock.advance(minutes=1)
    submit(second_device, "daily-postop", daily(temperature=39.4))  # rises to high
    queue = nurse.get("/api/v1/alerts").json
    assert [(a["patient"]["id"], a["severity"]) for a in queue] == [
        (second["id"], "high"), (first["id"], "medium")]
    with app.app_context():
        ranks = {(a.severity, a.severity_rank) for a in db.session().scalars(select(Alert))}
    assert ranks == {("high", 3), ("medium", 2)}


def test_a_team_sees_the_patients_enrolled_with_it_and_no_others(world, clock):
    both = world.staff("nurse", teams=("team-a", "team-b"))
    enrolled_with_b = world.patient(both, care_team="team-a")
    enrolled = both.post(f"/api/v1/patients/{enrolled_with_b['id']}/enrollments", json={
        "protocol": "ambulatory-general", "surgery_date": clock.now().date().isoformat(),
        "care_team": "team-b", "consent": CONSENT})
    assert enrolled.status_code == 201, enrolled.json
    only_a = world.patient(both, care_team="team-a")
    nurse_b = world.staff("nurse", teams=("team-b",))
    seen = {p["id"] for p in nurse_b.get("/api/v1/patients").json}
    assert enrolled_with_b["id"] in seen and only_a["id"] not in seen
    assert nurse_b.get(f"/api/v1/patients/{enrolled_with_b['id']}").status_code == 200
    assert nurse_b.get(f"/api/v1/patients/{only_a['id']}").status_code == 404
