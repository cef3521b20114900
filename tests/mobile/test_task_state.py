"""What a task of today says on the phone: answered offline it waits (never "missed"),
sent it is done, and its advice waits to be read; half-answered it is a draft."""

from __future__ import annotations

from suivi_app.core.service import PatientService
from suivi_app.core.store import Store

from tests.mobile.test_outbox import _phone


def _task(phone: PatientService, questionnaire: str = "daily-postop") -> dict:
    return next(t for t in phone.refresh().today["tasks"] if t["questionnaire"] == questionnaire)


def _answer_daily(phone: PatientService, task: dict, **changes):
    session = phone.session_for(task)
    answers = {"pain_now": 2, "pain_worst_24h": 3, "temperature": "37,1",
               "wound_redness": False, "wound_discharge": "none", "wound_bleeding": False,
               "wound_opening": False, "nausea": "none", "eating_drinking": "normal",
               "urination": "normal", "stools": "normal", "walking": "as_usual",
               "breathlessness": "none", "calf_pain": False, **changes}
    while True:
        link_id = session.current["link_id"]
        if link_id in answers:
            value = answers[link_id]
            problem = session.set_text(value) if isinstance(value, str) else session.set(value)
            assert problem is None, (link_id, problem)
        if session.is_last:
            return session
        assert session.next() is None, link_id


def test_an_answer_kept_offline_waits_then_is_done_with_its_advice_to_read(
        world, app, live_server, closed_url, tmp_path):
    phone = _phone(world, world.staff("nurse"), live_server, tmp_path)
    task = _task(phone)
    phone.api.base_url = closed_url
    item = phone.save(_answer_daily(phone, task, temperature="39,2",
                                    breathlessness="at_rest"), task)
    assert phone.sync().offline
    cached = phone.cached_view(offline=True).today["tasks"]
    assert phone.status(next(t for t in cached if t["id"] == task["id"])) == "waiting"
    assert phone.notices() == []

    phone.api.base_url = live_server
    report = phone.sync()
    assert list(report.sent) == [item.key]
    [notice] = phone.notices()
    assert notice["key"] == item.key and notice["call_emergency"] is True
    assert notice["questionnaire"] == "daily-postop" and notice["advice"]
    assert phone.status(task) == "done"  # before today is fetched again
    assert phone.answered(task)["call_emergency"] is True
    assert phone.status(_task(phone)) == "done"
    phone.read(item.key)
    assert phone.notices() == []
    # Kept on the phone: the app, restarted, still knows.
    assert PatientService(tmp_path / "phone", live_server).answered(task)["advice"]


def test_leaving_half_way_keeps_a_draft_until_the_answers_are_sent(
        world, app, live_server, tmp_path):
    phone = _phone(world, world.staff("nurse"), live_server, tmp_path)
    task = _task(phone)
    session = phone.session_for(task)
    session.set(7)
    session.next()
    session.set(8)
    session.next()
    phone.keep_draft(session, task)
    assert phone.has_draft(task)

    resumed = phone.session_for(task)
    assert resumed.index == 2 and resumed.values == {"pain_now": 7, "pain_worst_24h": 8}
    phone.save(_answer_daily(phone, task), task)
    assert not phone.has_draft(task)
    assert phone.session_for(task).values == {}


def test_nothing_entered_leaves_no_draft(world, app, live_server, tmp_path):
    phone = _phone(world, world.staff("nurse"), live_server, tmp_path)
    task = _task(phone)
    phone.keep_draft(phone.session_for(task), task)
    assert not phone.has_draft(task)


def test_a_phone_from_an_earlier_release_gets_the_new_outbox_column(tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "suivi.db") as old:
        old.execute("CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                    "idempotency_key TEXT NOT NULL UNIQUE, patient_id TEXT, kind TEXT NOT "
                    "NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, attempts INTEGER NOT "
                    "NULL DEFAULT 0, last_attempt_at TEXT, error TEXT, errors TEXT)")
    store = Store(tmp_path)
    with store.connect() as connection:
        columns = {row["name"] for row in connection.execute("PRAGMA table_info(outbox)")}
    assert "task_id" in columns


def test_a_temperature_given_an_hour_ago_in_another_questionnaire_is_not_asked_again(
        world, app, live_server, tmp_path):
    from datetime import UTC, datetime, timedelta

    phone = _phone(world, world.staff("nurse"), live_server, tmp_path, "colorectal-eras")
    moment = [datetime.now(UTC)]
    phone.outbox.clock = lambda: moment[0]
    vitals = _task(phone, "vitals")
    session = phone.session_for(vitals)
    session.go_to("temperature")
    assert session.set_text("36,8") is None
    phone.save(session, vitals)

    def asks_temperature() -> bool:
        return "temperature" in [i["link_id"] for i in phone.session_for(_task(phone)).items]

    assert not asks_temperature()  # the daily check, just after: already given
    assert "temperature" in [i["link_id"] for i in phone.session_for(vitals).items]
    moment[0] += timedelta(minutes=61)
    assert asks_temperature()  # an hour on, a new measurement


def test_the_phones_push_token_reaches_the_server_once(world, app, live_server, tmp_path):
    from sqlalchemy import select

    from backend import db
    from backend.auth.models import DeviceToken

    phone = _phone(world, world.staff("nurse"), live_server, tmp_path)
    assert phone.register_push_token(None) is False  # no token source on this build
    assert phone.register_push_token("fcm-token-of-this-phone") is True
    assert phone.register_push_token("fcm-token-of-this-phone") is False  # already sent
    with app.app_context():
        [device] = db.session().scalars(select(DeviceToken))
        assert device.push_token == "fcm-token-of-this-phone"
    assert phone.register_push_token("a-new-fcm-token-after-reinstall") is True
