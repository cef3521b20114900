"""The audit trail: complete, searchable by administrators, append-only in the database."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend import db
from backend.audit import noise
from backend.audit.jobs import flush_audit_noise
from backend.job_runtime import set_worker_app
from tests.helpers import CONSENT, PASSWORD, Caller, audit_events, daily, submit

PROTOCOLS = Path(__file__).resolve().parents[2] / "questionnaires" / "protocols"


def test_every_access_to_a_patient_is_in_the_trail(world):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    patient = world.patient(nurse)
    nurse.get(f"/api/v1/patients/{patient['id']}")
    outsider.get(f"/api/v1/patients/{patient['id']}")
    admin = world.admin()
    trail = admin.get(f"/api/v1/audit?patient_id={patient['id']}").json
    seen = {(event["action"], event["outcome"], event["actor_id"]) for event in trail}
    assert ("patient.create", "success", nurse.id) in seen
    assert ("patient.read", "success", nurse.id) in seen
    assert ("patient.read", "denied", outsider.id) in seen
    assert all(event["ip"] == "127.0.0.1" for event in trail)
    # Newest first, and the search itself is traced.
    times = [event["at"] for event in trail]
    assert times == sorted(times, reverse=True)
    searches = admin.get("/api/v1/audit?action=audit.search").json
    assert searches and searches[0]["actor_id"] == admin.id


def test_logins_and_refusals_are_traced(world, app):
    nurse = world.staff("nurse")
    Caller(app).post("/api/v1/auth/login", json={"email": nurse.info["email"],
                                                 "password": "wrong password!"})
    Caller(app).get("/api/v1/patients")
    admin = world.admin()
    failures = admin.get("/api/v1/audit?outcome=failure").json
    assert [e["action"] for e in failures] == ["auth.login"]
    denied = admin.get("/api/v1/audit?outcome=denied&action=patient.list").json
    assert denied and denied[0]["actor_type"] == "anonymous"


def test_audit_filters_and_validation(world):
    admin = world.admin()
    assert admin.get("/api/v1/audit?outcome=maybe").status_code == 422
    bad_date = admin.get("/api/v1/audit?since=yesterday")
    assert bad_date.status_code == 422 and "since" in bad_date.json["errors"]["query"]
    assert admin.get("/api/v1/audit?limit=1").status_code == 200
    assert len(admin.get("/api/v1/audit?limit=1").json) == 1


def test_only_admins_read_the_trail(world):
    assert world.staff("nurse").get("/api/v1/audit").status_code == 403
    assert world.staff("surgeon").get("/api/v1/audit").status_code == 403


def test_the_database_refuses_to_change_or_drop_recent_events(world, app, clock):
    world.admin()
    with app.app_context():
        session = db.session()
        with pytest.raises(DBAPIError):
            session.execute(text("UPDATE audit_events SET outcome = 'success'"))
            session.flush()
        session.rollback()
        with pytest.raises(DBAPIError):
            session.execute(text("DELETE FROM audit_events"))
        session.rollback()


def test_no_health_data_in_audit_details(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, family_name="Confidentiel")
    nurse.patch(f"/api/v1/patients/{patient['id']}", json={"family_name": "Secret"})
    events = world.admin().get(f"/api/v1/audit?patient_id={patient['id']}").json
    dumped = repr(events)
    assert "Confidentiel" not in dumped and "Secret" not in dumped
    update = next(e for e in events if e["action"] == "patient.update")
    assert update["detail"] == {"fields": ["family_name"]}
    assert uuid.UUID(update["patient_id"])


# -- every read and refusal on a patient's path is found by patient ---------------------
def _trail_of(app, patient: dict) -> list:
    return audit_events(app, patient_id=uuid.UUID(patient["id"]))


def test_a_move_names_no_rule_or_protocol_in_the_trail(world, app):
    """An override ended by a move is listed by its id (the row says which rule)."""
    surgeon, nurse = world.staff("surgeon"), world.staff("nurse")
    patient = world.patient(nurse)
    enrollment = world.enrol(nurse, patient["id"])["enrollment"]
    path = f"/api/v1/patients/{patient['id']}"
    override = surgeon.post(f"{path}/threshold-overrides", json={
        "rule_id": "fever", "threshold": "value", "value": 38.0, "reason": "fragile"})
    assert override.status_code == 201, override.json
    v3 = yaml.safe_load((PROTOCOLS / "ambulatory-general.v2.yaml").read_text())
    v3["version"] = 3
    v3["rules"] = [rule for rule in v3["rules"] if rule["id"] != "fever"]
    assert surgeon.post("/api/v1/protocols", json=v3).status_code == 201
    moved = surgeon.post(f"{path}/enrollments/{enrollment['id']}/protocol-version",
                         json={"protocol_version": 3})
    assert moved.status_code == 200, moved.json
    trail = _trail_of(app, patient)
    move = next(e for e in trail if e.action == "enrollment.move")
    assert move.detail["overrides_ended"] == [override.json["id"]]
    written = repr([(e.action, e.object_type, e.object_id, e.detail) for e in trail])
    for word in ("fever", "ambulatory"):
        assert word not in written, word


def test_refusals_on_a_patient_path_name_the_patient(world, app):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    path = f"/api/v1/patients/{patient['id']}"
    assert Caller(app).get(f"{path}/timeline").status_code == 401
    assert Caller(app, "sst_not-a-token").get(path).status_code == 401
    assert device.get(path).status_code == 403  # a patient token on a staff route
    unenrolled = world.staff("nurse", enrol_mfa=False)
    assert unenrolled.get(f"{path}/enrollments").status_code == 403
    assert nurse.post(f"{path}/threshold-overrides", json={}).status_code == 403  # role
    refused = [(e.action, e.actor_type, e.actor_id and str(e.actor_id))
               for e in _trail_of(app, patient) if e.outcome == "denied"]
    assert refused == [("timeline.read", "anonymous", None),
                       ("patient.read", "anonymous", None),
                       ("patient.read", "patient", patient["id"]),
                       ("enrollment.list", "staff", unenrolled.id),
                       ("override.set", "staff", nurse.id)]


def test_a_refused_body_and_a_conflict_on_a_patient_path_are_traced(world, app):
    """Nothing a failed request wrote is kept, but the attempt is: a body the schema
    refuses (422) and a conflict found after reading the patient (409)."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    path = f"/api/v1/patients/{patient['id']}"
    assert nurse.patch(path, json={"birth_date": "yesterday"}).status_code == 422
    world.enrol(nurse, patient["id"])
    again = nurse.post(f"{path}/enrollments", json={
        "protocol": "ambulatory-general", "surgery_date": world.clock.now().date().isoformat(),
        "consent": CONSENT})
    assert again.status_code == 409
    failed = [(e.action, e.actor_id and str(e.actor_id), e.detail)
              for e in _trail_of(app, patient) if e.outcome == "failure"]
    assert failed == [("patient.update", nurse.id, {"status": 422}),
                      ("enrollment.create", nurse.id, {"status": 409})]


def test_an_address_no_database_compares_names_the_signed_in_reader(world, app):
    """A NUL in a query string is refused before it reaches SQL (a page's before any view
    reads it, the API's by the view's schema): the trail names who asked, as well as the
    patient of the path."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    web = app.test_client()
    with web.session_transaction() as session:
        session["token"] = nurse.token
    assert web.get(f"/web/patients/{patient['id']}?x=%00").status_code == 400
    timeline = nurse.get(f"/api/v1/patients/{patient['id']}/timeline?order=%00")
    assert timeline.status_code == 422
    failed = [(e.action, e.actor_type, e.actor_id and str(e.actor_id), e.detail)
              for e in _trail_of(app, patient) if e.outcome == "failure"]
    assert failed == [("web.patient_page", "staff", nurse.id, {"status": 400}),
                      ("timeline.read", "staff", nurse.id, {"status": 422})]


def _end_follow_up(nurse, patient: dict) -> None:
    path = f"/api/v1/patients/{patient['id']}/consents"
    [consent] = nurse.get(path).json
    assert nurse.post(f"{path}/{consent['id']}/withdraw").status_code == 200


def _readings(device, clock):
    return device.post("/api/v1/me/readings", json={"readings": [
        {"type": "temperature", "value": 38.2, "unit": "Cel",
         "measured_at": clock.now().isoformat()}]},
        headers={"Idempotency-Key": str(uuid.uuid4())})


def test_refusals_of_the_patient_app_name_the_patient(world, app, clock):
    """On /me the patient is the token's: what no service traced (answers or a query the
    schema refused, a follow-up that has ended) is in their trail, without the body."""
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    assert device.get("/api/v1/me/values?days=99").status_code == 422
    assert submit(device, "daily-postop", daily(pain_now=99)).status_code == 422
    _end_follow_up(nurse, patient)
    assert submit(device, "daily-postop", daily()).status_code == 403
    assert _readings(device, clock).status_code == 403
    failed = [(e.action, e.actor_type, str(e.actor_id), e.outcome, e.detail)
              for e in _trail_of(app, patient) if e.outcome != "success"]
    assert failed == [
        ("me.values", "patient", patient["id"], "failure", {"status": 422}),
        ("submission.create", "patient", patient["id"], "failure", {"status": 422}),
        ("submission.create", "patient", patient["id"], "denied", {"status": 403}),
        ("reading.create", "patient", patient["id"], "denied", {"status": 403})]


def test_a_phone_retrying_a_refusal_fills_one_row_a_minute(world, app, clock, redis):
    """A broken app asks again and again what the server refuses: its own refusals are
    counted like anonymous noise, one row for the rest of the minute."""
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    for _ in range(12):
        assert device.get("/api/v1/me/values?days=99").status_code == 422

    def refused() -> list:
        return [e for e in _trail_of(app, patient) if e.action == "me.values"]

    assert len(refused()) == noise.FIRST_ROWS
    clock.advance(minutes=3)
    set_worker_app(app)
    assert flush_audit_noise() == 1
    count_row = refused()[-1]
    assert (count_row.actor_type, str(count_row.actor_id), count_row.outcome) == (
        "patient", patient["id"], "failure")
    assert (count_row.detail["status"], count_row.detail["count"]) == (
        422, 12 - noise.FIRST_ROWS)


def test_list_reads_name_each_listed_patient_once_per_reader_and_quarter_hour(
        world, app, clock):
    nurse = world.staff("nurse")
    (first, device), (second, _) = (world.patient_device(nurse) for _ in range(2))
    assert submit(device, "daily-postop", daily(temperature=39.4)).json["alerts_opened"]
    for path in ("/api/v1/patients", "/api/v1/triage", "/api/v1/alerts"):
        assert nurse.get(path).status_code == 200

    def reads(patient: dict) -> list[str]:
        return sorted(e.action for e in _trail_of(app, patient)
                      if e.action.endswith(".list") and e.action != "enrollment.list")

    assert reads(first) == ["alert.list", "patient.list", "triage.list"]
    assert reads(second) == ["patient.list"]  # nothing of theirs in the queue
    assert all(e.detail == {} for e in audit_events(app, action="patient.list"))
    # The queue refreshing itself does not write its rows again, a new quarter hour does.
    nurse.get("/api/v1/triage")
    assert reads(first).count("triage.list") == 1
    clock.advance(minutes=15)
    assert world.renew(nurse).get("/api/v1/triage").status_code == 200
    assert reads(first).count("triage.list") == 2


# -- anonymous noise is counted, not written row by row -----------------------------------
def test_anonymous_refusals_are_counted_into_one_row_per_minute(app, clock, redis):
    anonymous = Caller(app)
    for _ in range(40):
        assert anonymous.get("/api/v1/patients").status_code == 401
    rows = audit_events(app, action="patient.list", outcome="denied")
    assert len(rows) == noise.FIRST_ROWS
    clock.advance(minutes=3)
    set_worker_app(app)
    assert flush_audit_noise() == 1
    assert flush_audit_noise() == 0  # written once
    rows = audit_events(app, action="patient.list", outcome="denied")
    assert len(rows) == noise.FIRST_ROWS + 1
    count_row = rows[-1]
    assert (count_row.actor_type, count_row.ip) == ("anonymous", "127.0.0.1")
    assert count_row.detail["count"] == 40 - noise.FIRST_ROWS
    assert count_row.detail["from"] == "2026-11-23T09:00:00+00:00"


def test_anonymous_refusals_naming_a_patient_are_counted_in_that_patients_trail(
        world, app, clock, redis):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    for _ in range(12):
        Caller(app).get(f"/api/v1/patients/{patient['id']}/timeline")
    assert len([e for e in _trail_of(app, patient) if e.outcome == "denied"]) == noise.FIRST_ROWS
    clock.advance(minutes=3)
    set_worker_app(app)
    flush_audit_noise()
    refused = [e for e in _trail_of(app, patient) if e.outcome == "denied"]
    assert len(refused) == noise.FIRST_ROWS + 1
    assert refused[-1].detail["count"] == 12 - noise.FIRST_ROWS


def test_anonymous_refusals_naming_no_patient_fill_nothing(app, clock, redis):
    """Made-up ids in a path, one per request: counted with the address, as any
    anonymous refusal, not one permanent row each."""
    for _ in range(40):
        assert Caller(app).get(f"/api/v1/patients/{uuid.uuid4()}").status_code == 401
    refused = audit_events(app, action="patient.read", outcome="denied")
    assert len(refused) == noise.FIRST_ROWS
    assert {e.patient_id for e in refused} == {None}
    clock.advance(minutes=3)
    set_worker_app(app)
    assert flush_audit_noise() == 1
    assert audit_events(app, action="patient.read", outcome="denied")[-1].detail["count"] == 35


def test_anonymous_requests_beyond_the_rate_get_429_before_any_work(world, app, clock, redis):
    app.config["SUIVI_ANONYMOUS_RATE_LIMIT"] = 20
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    redis.flushdb()  # the sign-ins above were anonymous requests too
    anonymous = Caller(app)
    statuses = [anonymous.get("/api/v1/patients").status_code for _ in range(15)]
    statuses += [Caller(app, "sst_forged").get("/api/v1/teams").status_code for _ in range(5)]
    assert statuses == [401] * 20
    flood = anonymous.post("/api/v1/auth/login", json={"email": nurse.info["email"],
                                                       "password": PASSWORD})
    assert flood.status_code == 429 and int(flood.headers["Retry-After"]) <= 60
    assert set(flood.json) <= {"code", "status", "message", "errors"}
    assert Caller(app, "sst_forged").get("/api/v1/teams").status_code == 429
    refused = anonymous.get(f"/api/v1/patients/{patient['id']}")
    assert refused.status_code == 429
    # Signed-in staff at the same address, and other addresses, are not held up.
    assert nurse.get(f"/api/v1/patients/{patient['id']}").status_code == 200
    assert anonymous.get("/api/v1/patients", environ_base={"REMOTE_ADDR": "10.1.2.3"}
                         ).status_code == 401
    assert not audit_events(app, action="auth.password_ok")  # the password was not checked
    # The throttled requests are counted too, and the one on the patient's path names them.
    throttled = audit_events(app, action="request.throttled")
    assert [str(e.patient_id) if e.patient_id else None for e in throttled] == [
        None, None, patient["id"]]
    clock.advance(minutes=1)
    assert anonymous.get("/api/v1/patients").status_code == 401


# -- no health information in the trail ------------------------------------------------
def test_the_trail_holds_no_rule_questionnaire_or_protocol_name(world, app):
    """"phq-9" in a trail kept for months tells a psychiatric follow-up: the trail names
    the submission, the alert, the enrolment, and those say the rest to whoever may read
    them."""
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, protocol="heart-failure")
    answers = {f"q{n}": "not_at_all" for n in range(1, 9)} | {"q9": "several_days"}
    answered = submit(device, "phq-9", answers)
    assert answered.status_code == 201 and answered.json["alerts_opened"], answered.json
    alert = nurse.get(f"/api/v1/alerts/{answered.json['alerts_opened'][0]}").json
    assert nurse.post(f"/api/v1/alerts/{alert['id']}/resolve", json={
        "outcome": "sent_to_emergency", "note": "transfert"}).status_code == 200
    trail = _trail_of(app, patient)
    written = repr([(e.action, e.object_type, e.object_id, e.detail) for e in trail])
    for word in ("phq-9", "heart-failure", alert["rule"], "sent_to_emergency", "high"):
        assert word not in written, word
    by_action = {e.action: e for e in trail}
    assert by_action["alert.open"].object_id == alert["id"]  # the alert says which rule
    assert by_action["submission.create"].object_id == answered.json["id"]
    assert by_action["enrollment.create"].object_type == "enrollment"
