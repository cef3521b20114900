"""The phone's own reminders: a task still to answer is reminded once, at its reminder
time, outside the quiet hours, before it is missed; never one answered (sent or waiting in
the outbox), never twice, a restart included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from suivi_app.core.reminders import plan, quiet_until
from suivi_app.core.service import PatientService

from tests.mobile.test_outbox import _phone
from tests.mobile.test_task_state import _answer_daily

PARIS = "Europe/Paris"
QUIET = {"from": "21:00", "to": "08:00"}


def at(hhmm: str, day: int = 23) -> datetime:
    """A moment of November 2026 in UTC (Paris is UTC+1 then)."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(2026, 11, day, hours, minutes, tzinfo=UTC)


def task(id_: str, due: str, grace_hours: float, status: str = "pending",
         remind: str | None = None) -> dict:
    """A task as /me/today gives it (times in UTC, ISO 8601)."""
    due_at = at(due)
    return {"id": id_, "kind": "questionnaire", "questionnaire": id_, "reading": None,
            "day": 1, "due_at": due_at.isoformat(),
            "remind_at": (at(remind) if remind else due_at).isoformat(),
            "missed_at": (due_at + timedelta(hours=grace_hours)).isoformat(),
            "status": status, "answered_at": None}


def a_day(today: dict, answered: set[str] = frozenset()) -> dict[str, datetime]:
    """The phone's clock runs through the 23rd, a look every five minutes, as the app's
    timer would: task id → when it was reminded."""
    fired: dict[str, datetime] = {}
    now = at("00:00")
    while now < at("00:00", day=24):
        for due in plan(today, now, PARIS, answered, fired).due:
            fired[due["id"]] = now
        now += timedelta(minutes=5)
    return fired


def test_over_a_day_each_open_task_is_reminded_once_at_its_time():
    today = {"quiet_hours": QUIET, "reminder_time": None, "tasks": [
        task("daily-postop", "09:00", 2),  # 10:00 in Paris
        task("qor-15", "09:00", 24, remind="07:30"),  # the patient's 08:30
        task("vitals", "09:00", 4, status="done"),
        task("weight", "07:00", 4, status="missed"),
        task("hf-symptoms", "12:00", 4),  # answered offline: waits in the outbox
    ]}
    fired = a_day(today, answered={"hf-symptoms"})
    assert fired == {"qor-15": at("07:30"), "daily-postop": at("09:00")}


def test_no_reminder_in_the_quiet_hours_one_due_then_goes_when_they_end():
    evening = {"quiet_hours": QUIET, "tasks": [
        task("phq-9", "20:30", 48),  # 21:30 in Paris: quiet, open for two days
        task("late", "20:30", 2),  # missed at 23:30 in Paris, before the quiet hours end
    ]}
    found = plan(evening, at("20:30"), PARIS)
    assert found.due == [] and found.next_at == at("07:00", day=24)  # 08:00 in Paris
    assert [t["id"] for t in plan(evening, at("07:00", day=24), PARIS).due] == ["phq-9"]
    # The app was in the background all evening: back in front at 22:00, nothing yet.
    resumed = {"quiet_hours": QUIET, "tasks": [task("qor-15", "09:00", 24)]}
    assert plan(resumed, at("21:00"), PARIS).due == []
    assert plan(resumed, at("21:00"), PARIS).next_at == at("07:00", day=24)


def test_quiet_hours_are_on_the_patients_clock_and_may_not_cross_midnight():
    paris, tokyo = ZoneInfo(PARIS), ZoneInfo("Asia/Tokyo")
    assert quiet_until(at("19:59"), QUIET, paris) is None  # 20:59 in Paris
    assert quiet_until(at("20:00"), QUIET, paris) == at("07:00", day=24)
    assert quiet_until(at("20:00"), QUIET, tokyo) == at("23:00")  # 05:00 in Tokyo, the 24th
    assert quiet_until(at("13:00"), QUIET, tokyo) == at("23:00")  # 22:00 → 08:00 Tokyo
    lunch = {"from": "12:00", "to": "14:00"}
    assert quiet_until(at("11:30"), lunch, paris) == at("13:00")
    assert quiet_until(at("13:00"), lunch, paris) is None
    assert quiet_until(at("13:00"), None, paris) is None  # a server that gives none


def test_a_copy_without_reminder_times_uses_the_patients_hour_never_later_than_due():
    old = task("daily-postop", "09:00", 2)
    del old["remind_at"]
    today = {"quiet_hours": QUIET, "reminder_time": "08:30", "tasks": [old]}
    assert plan(today, at("07:29"), PARIS).next_at == at("07:30")
    late = {**today, "reminder_time": "18:00"}
    assert plan(late, at("08:59"), PARIS).next_at == at("09:00")


def test_a_copy_kept_from_this_morning_reminds_nothing_once_the_task_is_missed():
    today = {"quiet_hours": QUIET, "tasks": [task("daily-postop", "09:00", 2)]}
    assert plan(today, at("11:00"), PARIS).due == []  # still "pending" in the copy
    assert plan(today, at("11:00"), PARIS).next_at is None
    assert plan(None, at("11:00"), PARIS).due == []  # not one fetched yet


def test_offline_at_reminder_time_the_phone_reminds_once_what_is_not_answered(
        world, app, clock, monkeypatch, live_server, closed_url, tmp_path):
    """Against the server's own /me/today: the daily check answered offline waits in the
    outbox, the QoR-15 is reminded at 10:00 in Paris, once, and not again after a restart."""
    monkeypatch.setattr(clock, "now", lambda: at("06:00"))  # 07:00 in Paris, day 1
    phone = _phone(world, world.staff("nurse"), live_server, tmp_path)
    view = phone.refresh()
    daily = next(t for t in view.today["tasks"] if t["questionnaire"] == "daily-postop")
    qor = next(t for t in view.today["tasks"] if t["questionnaire"] == "qor-15")
    assert view.today["quiet_hours"] == QUIET
    assert qor["remind_at"] == "2026-11-23T09:00:00+00:00"
    phone.api.base_url = closed_url  # the network goes down
    phone.save(_answer_daily(phone, daily), daily)
    assert phone.sync().offline

    assert phone.due_reminders(at("08:59")).due == []
    assert phone.due_reminders(at("08:59")).next_at == at("09:00")
    assert [t["id"] for t in phone.due_reminders(at("09:00")).due] == [qor["id"]]
    assert phone.due_reminders(at("09:05")).due == []
    restarted = PatientService(tmp_path / "phone", live_server)
    assert restarted.due_reminders(at("09:10")).due == []
    assert restarted.due_reminders(at("09:10")).next_at is None


def test_turned_off_or_pushed_by_the_server_the_phone_stays_quiet(
        world, app, clock, monkeypatch, live_server, tmp_path):
    monkeypatch.setattr(clock, "now", lambda: at("06:00"))
    phone = _phone(world, world.staff("nurse"), live_server, tmp_path)
    phone.refresh()
    phone.set_local_reminders(False)
    assert phone.due_reminders(at("09:00")).due == []
    assert PatientService(tmp_path / "phone", live_server).local_reminders is False
    phone.set_local_reminders(True)
    # The server has this phone's push token and the phone reaches it: the server reminds.
    assert phone.register_push_token("fcm-token-of-this-phone") and phone.refresh()
    assert phone.pushed
    assert phone.due_reminders(at("09:00")).due == []
    # The network goes later: what the server reminded is not reminded again.
    phone.reached = False
    assert phone.due_reminders(at("09:30")).due == []
