"""The phone's offline queue against the real backend: no answer lost, none stored twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from suivi_app.core.api import ApiClient, AuthError, NetworkError, ValidationError
from suivi_app.core.service import PatientService

from backend import db
from backend.intake.models import Reading, Submission
from tests.helpers import count, daily


@pytest.fixture
def nurse(world):
    return world.staff("nurse")


def _home_since(day) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=12)


def _phone(world, nurse, live_server, tmp_path,
           protocol: str = "ambulatory-general") -> PatientService:
    """A phone paired with a newly enrolled patient through the real activation."""
    patient = world.patient(nurse)
    yesterday = world.clock.now().date() - timedelta(days=1)
    # Home since yesterday: today's tasks are all planned, whatever the time of day (a
    # patient discharged now is not asked what was due before).
    code = world.enrol(nurse, patient["id"], protocol, yesterday,
                       discharge_at=_home_since(yesterday))["activation_code"]
    phone = PatientService(tmp_path / "phone", live_server)
    phone.activate(code.lower())  # typed in lower case, with its dash: still accepted
    return phone


def test_answer_survives_a_refused_connection_and_an_app_restart(
        world, app, nurse, live_server, closed_url, tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path)
    phone.api.base_url = closed_url  # the network is down
    item = phone.outbox.add_submission("daily-postop", daily(
        temperature=39.2, breathlessness="at_rest"))  # an emergency: "call 15 now"

    report = phone.sync()
    assert report.offline and report.waiting == 1 and not report.sent
    assert count(app, Submission) == 0

    restarted = PatientService(tmp_path / "phone", "http://unused.invalid")
    [kept] = restarted.outbox.items()
    assert kept.key == item.key and kept.body == item.body and kept.attempts == 1
    assert restarted.api.base_url == live_server  # the server given at activation

    report = restarted.sync()
    assert report.sent[item.key]["call_emergency"] is True
    assert report.waiting == 0 and restarted.outbox.items() == []
    assert count(app, Submission) == 1


def test_a_reply_lost_after_the_server_stored_it_is_retried_with_the_same_key(
        world, app, nurse, live_server, lost_reply_proxy, tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path)
    phone.api.base_url = lost_reply_proxy.url
    item = phone.outbox.add_submission("daily-postop", daily(
        temperature=39.2, breathlessness="at_rest"))  # an emergency: "call 15 now"

    report = phone.sync()
    assert lost_reply_proxy.forwarded == 1 and report.offline
    assert count(app, Submission) == 1  # stored, but the phone could not know
    assert phone.outbox.get(item.key) is not None

    phone.api.base_url = live_server
    report = phone.sync()
    assert report.sent[item.key]["call_emergency"] is True  # the stored answer, replayed
    assert phone.outbox.items() == []
    assert count(app, Submission) == 1


def test_a_refused_answer_is_kept_flagged_until_corrected(
        world, app, nurse, live_server, tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path)
    bad = phone.outbox.add_submission("daily-postop", daily(temperature=385))
    good = phone.outbox.add_submission("daily-postop", daily())
    report = phone.sync()
    assert list(report.sent) == [good.key]  # a refused answer does not block the next ones
    [flagged] = report.refused
    assert flagged.key == bad.key and flagged.needs_fix
    assert "temperature" in flagged.error and flagged.fields_to_fix() == ["temperature"]
    assert phone.sync().refused[0].attempts == 1  # not resent unchanged

    session = phone.session_to_fix(flagged)
    assert session.current["link_id"] == "temperature"
    assert session.set_text("38,5") is None
    assert phone.save(session, amend_key=bad.key).key == bad.key
    report = phone.sync()
    assert list(report.sent) == [bad.key] and phone.outbox.items() == []
    assert count(app, Submission) == 2


def test_a_revoked_phone_keeps_its_answers_for_the_next_activation(
        world, app, nurse, live_server, tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path)
    patient_id = phone.patient["id"]
    [device] = nurse.get(f"/api/v1/patients/{patient_id}/devices").json
    assert nurse.delete(f"/api/v1/patients/{patient_id}/devices/{device['id']}").status_code == 204
    item = phone.outbox.add_submission("daily-postop", daily())

    report = phone.sync()
    assert report.unauthorised and not phone.activated
    enrollment = nurse.get(f"/api/v1/patients/{patient_id}/enrollments").json[0]
    code = nurse.post(f"/api/v1/patients/{patient_id}/enrollments/{enrollment['id']}"
                      "/activation-code").json["activation_code"]
    phone.activate(code)
    assert [i.key for i in phone.outbox.items()] == [item.key]
    assert list(phone.sync().sent) == [item.key]
    assert count(app, Submission) == 1


def test_a_phone_whose_follow_up_ended_says_so_in_the_patients_words(
        world, app, nurse, live_server, tmp_path, clock, monkeypatch):
    """Not "this phone is no longer linked" but the server's sentence, with the date."""
    phone = _phone(world, nurse, live_server, tmp_path)
    phone.outbox.add_submission("daily-postop", daily())
    later = datetime.now(UTC) + timedelta(days=60)  # past the follow-up and its grace week
    monkeypatch.setattr(clock, "now", lambda: later)
    token = phone.api.token
    report = phone.sync()
    assert report.unauthorised and report.message.startswith(
        "L'accès de ce téléphone à Suivi a pris fin avec votre suivi, le ")
    with pytest.raises(AuthError) as refused:
        ApiClient(live_server, token=token).today()
    assert refused.value.for_patient == report.message
    assert count(app, Submission) == 0 and report.waiting == 1  # kept on the phone


def test_after_a_withdrawal_the_phone_says_so_and_stops_sending(
        world, app, nurse, live_server, tmp_path):
    """The consent withdrawn, the answer the phone holds can no longer be sent: the phone
    says so in the server's words and stops (no retry every minute), keeping the answer
    for a later activation should the patient be followed again."""
    phone = _phone(world, nurse, live_server, tmp_path)
    patient_id = phone.patient["id"]
    [consent] = nurse.get(f"/api/v1/patients/{patient_id}/consents").json
    nurse.post(f"/api/v1/patients/{patient_id}/consents/{consent['id']}/withdraw")
    item = phone.outbox.add_submission("daily-postop", daily(temperature=38.6))
    report = phone.sync()
    assert report.unauthorised and report.message.startswith(
        "L'accès de ce téléphone à Suivi a pris fin avec votre suivi, le ")
    assert not phone.activated and phone.outbox.get(item.key) is not None
    assert count(app, Submission) == 0


def test_api_errors_are_typed_and_carry_the_server_message(live_server, closed_url):
    with pytest.raises(NetworkError):
        ApiClient(closed_url, timeout=2).today()
    with pytest.raises(AuthError) as refused:
        ApiClient(live_server, token="not-a-token").today()
    assert refused.value.status == 401 and refused.value.message
    with pytest.raises(ValidationError) as unknown:
        ApiClient(live_server).activate("AAAAA-BBBBB")
    assert unknown.value.status == 422 and "ask your care team" in unknown.value.message


def test_today_and_questionnaires_are_kept_for_offline_use(
        world, nurse, live_server, closed_url, tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path)
    online = phone.refresh()
    assert not online.offline and online.titles["daily-postop"].startswith("Suivi quotidien")

    phone.api.base_url = closed_url
    offline = phone.refresh()
    assert offline.offline and offline.today == online.today
    task = next(t for t in offline.today["tasks"] if t["questionnaire"] == "daily-postop")
    session = phone.session_for(task)
    assert session.current["link_id"] == "pain_now"


def test_a_reading_task_is_sent_as_a_reading_in_its_unit(world, app, nurse, live_server,
                                                        tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path, protocol="heart-failure")
    weight = next(t for t in phone.refresh().today["tasks"] if t["reading"] == "weight")
    session = phone.session_for(weight)
    assert session.current["text"] == "Votre mesure : poids"
    assert session.set_text("1200") == "Saisissez une valeur entre 2 et 400 kg."
    assert session.set_text("72,5") is None
    item = phone.save(session, weight)
    assert item.body["readings"][0]["type"] == "weight"
    assert item.body["readings"][0]["value"] == 72.5
    assert phone.sync().sent[item.key]["ids"]
    assert count(app, Reading) == 1
    done = next(t for t in phone.refresh().today["tasks"] if t["reading"] == "weight")
    assert done["status"] == "done"


def test_what_only_the_phone_got_wrong_does_not_hold_an_answer_back(
        world, app, nurse, live_server, tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path)
    phone.outbox.clock = lambda: datetime.now(UTC) + timedelta(hours=2)  # a fast phone clock
    item = phone.outbox.add_submission("daily-postop", daily(), task_id=str(uuid.uuid4()))
    report = phone.sync()
    assert list(report.sent) == [item.key] and report.sent[item.key]["task_id"] is None
    assert count(app, Submission) == 1


def test_glucose_read_in_g_per_litre_reaches_the_server_in_mmol_per_litre(
        world, app, nurse, live_server, tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path, protocol="heart-failure")
    vitals = next(t for t in phone.refresh().today["tasks"] if t["questionnaire"] == "vitals")
    session = phone.session_for(vitals)  # the server's vitals: glucose offers its units
    session.go_to("glucose")
    assert session.current["units"] == ["g/L", "mmol/L", "mg/dL"] and session.unit() == "g/L"
    assert session.set_text("1,2") is None
    item = phone.save(session, vitals)
    assert item.body["answers"] == {"glucose": {"value": 1.2, "unit": "g/L"}}
    assert phone.sync().sent[item.key]["id"]
    with app.app_context():
        [reading] = db.session().scalars(select(Reading))
        assert (reading.type, reading.value, reading.unit) == ("glucose", "6.7", "mmol/L")


def test_a_refused_glucose_reading_is_corrected_by_tapping_the_right_unit(
        world, app, nurse, live_server, tmp_path):
    phone = _phone(world, nurse, live_server, tmp_path, protocol="heart-failure")
    item = phone.outbox.add_readings([{"type": "glucose", "value": 120, "unit": "g/L"}])
    [refused] = phone.sync().refused
    assert "did you mean 120 mg/dL?" in refused.error

    session = phone.session_to_fix(refused)
    assert session.value() == 120 and session.unit() == "g/L"
    assert "Vouliez-vous dire 120 mg/dL ?" in session.next()
    session.set_unit("mg/dL")
    assert session.next() is None
    phone.save(session, amend_key=item.key)
    assert list(phone.sync().sent) == [item.key]
    with app.app_context():
        [reading] = db.session().scalars(select(Reading))
        assert (reading.value, reading.unit) == ("6.7", "mmol/L")


def test_a_refused_answer_reopens_on_the_questions_of_its_day(
        world, app, nurse, live_server, tmp_path):
    """Day 5 of a version asking "how are you getting about?" on days 1-2 only: the task
    and its correction leave the question out, and the corrected answer is sent without
    it."""
    from tests.helpers import WALKING_DAYS_1_2, shipped_protocol, with_item_days

    published = world.staff("surgeon").post("/api/v1/protocols", json=with_item_days(
        shipped_protocol(), "daily-postop", WALKING_DAYS_1_2))
    assert published.status_code == 201, published.json
    patient = world.patient(nurse)
    surgery = world.clock.now().date() - timedelta(days=5)
    code = world.enrol(nurse, patient["id"], surgery_date=surgery, protocol_version=3,
                       discharge_at=_home_since(surgery + timedelta(days=4)))["activation_code"]
    phone = PatientService(tmp_path / "phone", live_server)
    phone.activate(code.lower())
    phone.refresh()
    [task] = [t for t in phone.store.cached_today()["tasks"]
              if t["questionnaire"] == "daily-postop"]
    assert task["items_not_asked"] == ["walking"]
    session = phone.session_for(task)
    assert "walking" not in [item["link_id"] for item in session.items]
    answers = {k: v for k, v in daily(temperature=385).items() if k != "walking"}
    item = phone.outbox.add_submission("daily-postop", answers, task["id"])
    [refused] = phone.sync().refused
    session = phone.session_to_fix(refused)
    assert session.current["link_id"] == "temperature"
    assert "walking" not in [i["link_id"] for i in session.items]
    assert session.set_text("37,2") is None
    phone.save(session, amend_key=item.key)
    assert list(phone.sync().sent) == [item.key]
    with app.app_context():
        [stored] = db.session().scalars(select(Submission.answers))
    assert "walking" not in stored and stored["temperature"] == 37.2
