"""Every edge carries the same bounded input: caps per request (readings, answers, dry-run
samples, notes, messages), text shown as typed (names, notes, patients' words), a
teleconsultation with the patient's own team, and a timeline page that reads a page, not
every row."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from backend import db
from backend.alerts.models import AlertEvent
from backend.auth.models import StaffUser
from backend.enrollments.models import Enrollment
from backend.intake.models import Reading, Submission
from backend.limits import (
    ANSWERS_PER_SUBMISSION,
    DRY_RUN_DAYS,
    DRY_RUN_SUBMISSIONS,
    MESSAGES_PER_ITEM,
    NOTES_PER_ALERT,
    READINGS_PER_BATCH,
)
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient
from backend.teleconsult.models import Teleconsultation
from tests.helpers import Caller, count, daily, rows_read, submit


@pytest.fixture
def ward(world):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    return {"nurse": nurse, "patient": patient, "device": device}


def _readings(clock, n: int) -> list[dict]:
    at = (clock.now() - timedelta(hours=1)).isoformat()
    return [{"type": "temperature", "value": 37.0, "measured_at": at}] * n


def _nothing_stored(app) -> None:
    assert count(app, Submission) == 0
    assert count(app, Reading) == 0


# -- the same caps everywhere -----------------------------------------------------------

def test_a_submission_carries_at_most_as_many_readings_as_a_batch(app, clock, ward):
    response = submit(ward["device"], "daily-postop", daily(),
                      readings=_readings(clock, READINGS_PER_BATCH + 1))
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["readings"]
    assert f"Longer than maximum length {READINGS_PER_BATCH}" in response.json["message"]
    batch = ward["device"].post("/api/v1/me/readings",
                                json={"readings": _readings(clock, READINGS_PER_BATCH + 1)},
                                headers={"Idempotency-Key": str(uuid.uuid4())})
    assert batch.status_code == 422 and list(batch.json["errors"]["json"]) == ["readings"]
    _nothing_stored(app)


def test_a_submission_carries_at_most_one_answer_per_item(app, ward):
    answers = {f"item_{i}": 1 for i in range(ANSWERS_PER_SUBMISSION + 1)}
    response = submit(ward["device"], "daily-postop", answers)
    assert response.status_code == 422
    assert response.json["errors"]["json"]["answers"] == [
        f"Longer than maximum length {ANSWERS_PER_SUBMISSION}."]
    _nothing_stored(app)


def test_the_dry_run_takes_a_bounded_sample_of_recent_days(world, clock):
    surgeon = world.staff("surgeon")
    at = clock.now()
    recent = (at - timedelta(hours=2)).isoformat()
    url = "/api/v1/protocols/ambulatory-general/dry-run"
    sample = {"questionnaire": "daily-postop", "submitted_at": recent, "answers": daily()}
    many = surgeon.post(url, json={"submissions": [sample] * (DRY_RUN_SUBMISSIONS + 1)})
    assert many.status_code == 422 and list(many.json["errors"]["json"]) == ["submissions"]
    readings = surgeon.post(url, json={"readings": _readings(clock, READINGS_PER_BATCH + 1)})
    assert readings.status_code == 422 and list(readings.json["errors"]["json"]) == ["readings"]
    old = (at - timedelta(days=DRY_RUN_DAYS + 1)).isoformat()
    old_answer = surgeon.post(url, json={"submissions": [{**sample, "submitted_at": old}]})
    assert old_answer.status_code == 422
    assert old_answer.json["errors"]["json"] == {"submissions.0.submitted_at": [
        f"is more than {DRY_RUN_DAYS} days before the dry run's now ({at.isoformat()})"]}
    old_reading = surgeon.post(url, json={"readings": [
        {"type": "temperature", "value": 39.5, "measured_at": old}]})
    assert old_reading.status_code == 422
    assert "measured_at" in old_reading.json["errors"]["json"]["readings"]["0"]
    ahead = surgeon.post(url, json={"submissions": [
        {**sample, "submitted_at": (at + timedelta(hours=1)).isoformat()}]})
    assert ahead.status_code == 422
    assert list(ahead.json["errors"]["json"]) == ["submissions.0.submitted_at"]
    fine = surgeon.post(url, json={"submissions": [sample], "readings": [
        {"type": "temperature", "value": 39.5, "measured_at": recent}]})
    assert fine.status_code == 200, fine.json
    assert fine.json["findings"]


def _alert_id(ward) -> str:
    submit(ward["device"], "daily-postop", daily(pain_now=8))
    (alert,) = ward["nurse"].get("/api/v1/alerts").json
    return alert["id"]


def test_an_alert_keeps_a_bounded_number_of_notes(app, ward):
    alert_id = _alert_id(ward)
    url = f"/api/v1/alerts/{alert_id}/notes"
    for index in range(NOTES_PER_ALERT):
        assert ward["nurse"].post(url, json={"note": f"appel {index}"}).status_code == 200
    refused = ward["nurse"].post(url, json={"note": "une de trop"})
    assert refused.status_code == 422
    assert list(refused.json["errors"]["json"]) == ["note"]
    assert f"already has {NOTES_PER_ALERT} notes" in refused.json["message"]
    assert count(app, AlertEvent, kind="note") == NOTES_PER_ALERT
    # Closing it with a note is still possible.
    resolved = ward["nurse"].post(f"/api/v1/alerts/{alert_id}/resolve",
                                  json={"outcome": "called_patient", "note": "rappelé, va bien"})
    assert resolved.status_code == 200


def test_a_message_item_keeps_the_first_and_latest_messages_and_counts_the_rest(
        app, clock, ward):
    total = MESSAGES_PER_ITEM + 5
    for index in range(total):
        clock.advance(seconds=20)
        response = submit(ward["device"], "daily-postop", daily(free_text=f"message {index}"))
        assert response.status_code == 201, response.json
    (item,) = [a for a in ward["nurse"].get("/api/v1/alerts").json
               if a["rule_group"] == "message"]
    words = [e["text"] for e in item["evidence"] if e.get("kind") == "message"]
    assert len(words) == MESSAGES_PER_ITEM
    assert words[0] == "message 0" and words[-1] == f"message {total - 1}"
    assert words[1] == f"message {total - MESSAGES_PER_ITEM + 1}"
    (omitted,) = [e for e in item["evidence"] if e.get("kind") == "messages_omitted"]
    assert omitted["count"] == total - MESSAGES_PER_ITEM
    assert item["evidence"][1] is not None and item["evidence"][1]["kind"] == "messages_omitted"
    detail = ward["nurse"].get(f"/api/v1/alerts/{item['id']}").json
    assert len(detail["series"]) == MESSAGES_PER_ITEM
    # Nothing lost: every message is in the timeline.
    timeline = ward["nurse"].get(f"/api/v1/patients/{ward['patient']['id']}/timeline").json
    written = {e["data"]["answers"].get("free_text") for e in timeline
               if e["kind"] == "submission"}
    assert written == {f"message {i}" for i in range(total)}


def test_an_item_read_again_after_the_cap_still_pages_the_team(app, clock, ward):
    for index in range(MESSAGES_PER_ITEM + 1):
        submit(ward["device"], "daily-postop", daily(free_text=f"message {index}"))
    (item,) = [a for a in ward["nurse"].get("/api/v1/alerts").json
               if a["rule_group"] == "message"]
    for index in range(2):
        ack = ward["nurse"].post(f"/api/v1/alerts/{item['id']}/acknowledge")
        assert ack.status_code == 200
        submit(ward["device"], "daily-postop", daily(free_text=f"encore {index}"))
        reopened = ward["nurse"].get(f"/api/v1/alerts/{item['id']}").json
        assert reopened["status"] == "open"
    # Each re-opening tells the team again (its own outbox entry), though the item no
    # longer grows.
    with app.app_context():
        keys = [key for key in db.session().scalars(select(OutboxEntry.dedupe_key))
                if ":message:" in key]
    assert len(keys) == 2 and len(set(keys)) == 2, keys


# -- a teleconsultation with the patient's own team --------------------------------------

def test_a_teleconsultation_clinician_belongs_to_the_patients_team(app, clock, world, ward):
    other = world.staff("nurse", teams=("team-b",))
    colleague = world.staff("surgeon")
    url = f"/api/v1/patients/{ward['patient']['id']}/teleconsultations"
    body = {"starts_at": (clock.now() + timedelta(days=1)).isoformat(), "reason": "contrôle"}
    refused = ward["nurse"].post(url, json={**body, "clinician_id": other.id})
    assert refused.status_code == 422
    assert list(refused.json["errors"]["json"]) == ["clinician_id"]
    assert count(app, Teleconsultation) == 0
    booked = ward["nurse"].post(url, json={**body, "clinician_id": colleague.id})
    assert booked.status_code == 201, booked.json
    assert booked.json["clinician_id"] == colleague.id


# -- names and written words are shown as typed -----------------------------------------

@pytest.mark.parametrize("name", ["Jean\u202eenna", "Jea\u2066nne", "Jeanne\nMartin",
                                  "Jean\x07ne", "Jeanne\u200f", "Jean\u2028ne"])
def test_a_patients_name_refuses_bidi_and_control_characters(app, ward, name):
    nurse = ward["nurse"]
    body = {"given_name": name, "family_name": "Martin", "birth_date": "1950-04-02"}
    created = nurse.post("/api/v1/patients", json=body)
    assert created.status_code == 422
    assert list(created.json["errors"]["json"]) == ["given_name"]
    changed = nurse.patch(f"/api/v1/patients/{ward['patient']['id']}",
                          json={"family_name": name})
    assert changed.status_code == 422
    assert list(changed.json["errors"]["json"]) == ["family_name"]
    with app.app_context():
        assert db.session().scalar(select(Patient.family_name)) == ward["patient"]["family_name"]


def test_a_name_in_another_script_is_accepted(ward):
    created = ward["nurse"].post("/api/v1/patients", json={
        "given_name": "مريم", "family_name": "בן-דוד", "birth_date": "1950-04-02"})
    assert created.status_code == 201, created.json
    joined = ward["nurse"].post("/api/v1/patients", json={  # a Persian name's ZWNJ
        "given_name": "مهر\u200cناز", "family_name": "Martin", "birth_date": "1950-04-02"})
    assert joined.status_code == 201, joined.json


@pytest.mark.parametrize("invisible", ["\u200b", "\u2060", "\u00ad", "\ufeff", "\U000e0041"])
def test_a_name_with_an_invisible_character_is_refused(world, ward, invisible):
    """"Mar<U+200B>tin" shows as "Martin": two patients the nurse cannot tell apart, and
    a search for the name she reads finds only one of them."""
    created = ward["nurse"].post("/api/v1/patients", json={
        "given_name": "Jeanne", "family_name": f"Mar{invisible}tin", "birth_date": "1950-04-02"})
    assert created.status_code == 422, created.json
    assert "invisible character" in created.json["errors"]["json"]["family_name"][0]
    staff = world.admin().post("/api/v1/staff", json={
        "email": "zw@hospital.test", "display_name": f"Dr{invisible} House", "role": "nurse",
        "password": "correct horse battery staple"})
    assert staff.status_code == 422 and list(staff.json["errors"]["json"]) == ["display_name"]


def test_staff_and_team_names_refuse_bidi_and_control_characters(world):
    admin = world.admin()
    staff = admin.post("/api/v1/staff", json={
        "email": "bidi@hospital.test", "display_name": "Dr \u202eesuorT", "role": "nurse",
        "password": "correct horse battery staple"})
    assert staff.status_code == 422 and list(staff.json["errors"]["json"]) == ["display_name"]
    team = admin.post("/api/v1/teams", json={"slug": "bidi", "name": "Chirurgie\x1b[31m"})
    assert team.status_code == 422 and list(team.json["errors"]["json"]) == ["name"]


def test_an_account_names_a_bounded_number_of_teams_and_password_length(world, app):
    admin = world.admin()
    body = {"email": "many@hospital.test", "display_name": "Many", "role": "nurse",
            "password": "correct horse battery staple"}
    for field, value in (("teams", [f"team-{n}" for n in range(101)]),
                         ("password", "x" * 1025)):
        refused = admin.post("/api/v1/staff", json={**body, field: value})
        assert refused.status_code == 422 and list(refused.json["errors"]["json"]) == [field]
    login = Caller(app).post("/api/v1/auth/login", json={"email": "many@hospital.test",
                                                         "password": "x" * 1025})
    assert login.status_code == 422 and list(login.json["errors"]["json"]) == ["password"]
    assert count(app, StaffUser, email="many@hospital.test") == 0


def test_notes_keep_line_breaks_but_refuse_other_control_characters(app, ward):
    alert_id = _alert_id(ward)
    url = f"/api/v1/alerts/{alert_id}/notes"
    kept = ward["nurse"].post(url, json={"note": "Appelée.\r\nRappeler demain."})
    assert kept.status_code == 200
    for note in ("Appelée \u202edemain", "Appelée\x00", "Appelée\x08"):
        refused = ward["nurse"].post(url, json={"note": note})
        assert refused.status_code == 422, note
        assert list(refused.json["errors"]["json"]) == ["note"]
    assert count(app, AlertEvent, kind="note") == 1


def test_a_patients_written_answer_refuses_bidi_overrides(app, ward):
    refused = submit(ward["device"], "daily-postop", daily(free_text="j'ai mal \u202eici"))
    assert refused.status_code == 422
    assert refused.json["errors"]["json"] == {"answers": {"free_text": [
        "must not contain the bidirectional control character U+202E: it changes how the "
        "text around it is displayed"]}}
    _nothing_stored(app)
    kept = submit(ward["device"], "daily-postop", daily(free_text="j'ai mal\nici"))
    assert kept.status_code == 201


# -- the timeline reads a page, not every row --------------------------------------------

def _many_readings(app, patient_id: str, clock, n: int) -> None:
    with app.app_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        start = clock.now() - timedelta(days=20)
        session.execute(insert(Reading), [{
            "id": uuid.uuid4(), "patient_id": uuid.UUID(patient_id),
            "enrollment_id": enrollment.id, "type": "heart_rate", "value": "70",
            "numeric_value": Decimal(70), "unit": "/min",
            "measured_at": start + timedelta(minutes=i), "received_at": clock.now(),
            "source": "device"} for i in range(n)])
        session.commit()


def test_the_timeline_reads_one_page_of_rows(app, clock, ward):
    _many_readings(app, ward["patient"]["id"], clock, 3000)
    url = f"/api/v1/patients/{ward['patient']['id']}/timeline"
    with rows_read() as counts:
        page = ward["nurse"].get(url + "?limit=5")
    assert page.status_code == 200 and len(page.json) == 5
    assert max(counts) <= 50, counts
    second = ward["nurse"].get(url + "?limit=5&offset=5").json
    oldest = ward["nurse"].get(url + "?limit=2&order=asc").json
    assert [e["at"] for e in page.json + second] == sorted(
        (e["at"] for e in page.json + second), reverse=True)
    assert page.json[-1]["at"] >= second[0]["at"]
    assert oldest[0]["kind"] == "reading" and oldest[0]["at"] < oldest[1]["at"]
