"""The alert lifecycle as a nurse lives it: nothing hidden by a snooze, deadlines that
hold, and every page (who, how, delivered or not) in the alert's history and the
patient's timeline."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from backend import db
from backend.alerts.jobs import escalate_alerts
from backend.alerts.models import Alert
from backend.job_runtime import set_worker_app
from backend.notifications.models import Message
from backend.notifications.senders import FailingSmsSender
from backend.outbox.jobs import sweep_outbox
from tests.helpers import daily, run_worker, submit


@pytest.fixture(autouse=True)
def long_sessions(app):
    """These tests move the clock by hours: keep the nurses signed in (12 h at most)."""
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    set_worker_app(app)


def _alert(caller, patient_id: str, group: str) -> dict:
    alerts = caller.get(f"/api/v1/alerts?patient_id={patient_id}"
                        "&status=open,acknowledged,resolved&snoozed=include").json
    return next(a for a in alerts if a["rule_group"] == group)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [alert["id"] for alert in response.json]


# -- nothing hidden ------------------------------------------------------------------------

def test_an_alert_nobody_acknowledged_cannot_be_snoozed(world, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))  # suspected DVT: high
    dvt = _alert(nurse, patient["id"], "vte")
    for until in ((clock.now() + timedelta(days=30)).isoformat(), "2999-01-01T00:00:00Z"):
        refused = nurse.post(f"/api/v1/alerts/{dvt['id']}/snooze",
                             json={"until": until, "reason": "rappel prévu"})
        assert refused.status_code == 409, refused.json
        assert "only an acknowledged alert can be snoozed" in refused.json["message"]
    assert dvt["id"] in _ids(nurse.get("/api/v1/alerts"))
    assert _ids(nurse.get("/api/v1/alerts?snoozed=only")) == []
    assert nurse.get(f"/api/v1/alerts/{dvt['id']}").json["snoozed_until"] is None


def test_a_snooze_is_bounded_by_the_protocols_maximum_for_the_severity(world, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True, temperature=38.6))
    high, medium = _alert(nurse, patient["id"], "vte"), _alert(nurse, patient["id"], "infection")
    assert (high["severity"], medium["severity"]) == ("high", "medium")
    for alert, longest in ((high, timedelta(hours=2)), (medium, timedelta(hours=24))):
        path = f"/api/v1/alerts/{alert['id']}"
        assert nurse.post(f"{path}/acknowledge").status_code == 200
        too_long = nurse.post(f"{path}/snooze", json={
            "until": (clock.now() + longest + timedelta(minutes=1)).isoformat(),
            "reason": "rappel prévu"})
        assert too_long.status_code == 422, too_long.json
        assert too_long.json["message"].startswith("until: ")
        assert list(too_long.json["errors"]["json"]) == ["until"]
        assert f"{alert['severity']} alert may be snoozed for " \
               f"{int(longest.total_seconds() // 3600)} h at most" in too_long.json["message"]
        assert nurse.post(f"{path}/snooze", json={
            "until": "2999-01-01T00:00:00+00:00", "reason": "rappel prévu"}).status_code == 422
        ok = nurse.post(f"{path}/snooze", json={
            "until": (clock.now() + longest).isoformat(), "reason": "rappel prévu"})
        assert ok.status_code == 200, ok.json
        assert ok.json["snoozed"] is True


def test_snoozed_alerts_have_their_own_view_and_wake_up_in_the_queue_as_new(world, clock):
    nurse = world.staff("nurse")
    start = clock.now()
    alerts = []
    for minutes in (0, 10, 20):  # three patients with a fever, ten minutes apart
        clock.set(start + timedelta(minutes=minutes))
        patient, device = world.patient_device(nurse)
        submit(device, "daily-postop", daily(temperature=38.6))
        alerts.append(_alert(nurse, patient["id"], "infection")["id"])
    first, second, third = alerts
    path = f"/api/v1/alerts/{first}"
    nurse.post(f"{path}/acknowledge")
    wake = start + timedelta(hours=1)
    assert nurse.post(f"{path}/snooze", json={"until": wake.isoformat(),
                                              "reason": "rappel prévu"}).status_code == 200
    assert _ids(nurse.get("/api/v1/alerts")) == [second, third]
    asleep = nurse.get("/api/v1/alerts?snoozed=only").json
    assert [(a["id"], a["snoozed"], _at(a["snoozed_until"])) for a in asleep] == [
        (first, True, wake)]
    # Listed with the others, a sleeping alert already counts from its wake time.
    assert _ids(nurse.get("/api/v1/alerts?snoozed=include")) == [second, third, first]

    clock.set(wake + timedelta(minutes=1))
    # Awake, it is back in the queue at its severity, counted from its wake time.
    assert _ids(nurse.get("/api/v1/alerts")) == [second, third, first]
    assert _ids(nurse.get("/api/v1/alerts?snoozed=only")) == []
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    dvt = _alert(nurse, patient["id"], "vte")["id"]
    assert _ids(nurse.get("/api/v1/alerts")) == [dvt, second, third, first]


def test_a_rise_in_severity_wakes_a_snoozed_alert(world, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(temperature=38.6))
    fever = _alert(nurse, patient["id"], "infection")
    path = f"/api/v1/alerts/{fever['id']}"
    nurse.post(f"{path}/acknowledge")
    nurse.post(f"{path}/snooze", json={"until": (clock.now() + timedelta(hours=3)).isoformat(),
                                       "reason": "rappel prévu"})
    clock.advance(minutes=30)
    submit(device, "daily-postop", daily(temperature=39.4))
    risen = nurse.get(path).json
    assert (risen["severity"], risen["status"], risen["snoozed"]) == ("high", "open", False)
    assert _ids(nurse.get("/api/v1/alerts"))[0] == fever["id"]
    assert _ids(nurse.get("/api/v1/alerts?snoozed=only")) == []


def test_escalation_never_skips_an_unacknowledged_alert(world, app, clock):
    """An open alert snoozed before snoozes needed an acknowledgement stays in the queue
    and escalates."""
    nurse = world.staff("nurse", phone="+33611111111")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    dvt = _alert(nurse, patient["id"], "vte")
    with app.app_context():
        db.session().get(Alert, uuid.UUID(dvt["id"])).snoozed_until = clock.now() + \
            timedelta(days=30)
        db.session().commit()
    assert dvt["id"] in _ids(nurse.get("/api/v1/alerts"))
    assert _ids(nurse.get("/api/v1/alerts?snoozed=only")) == []
    clock.advance(minutes=16)
    assert escalate_alerts() == 1
    assert nurse.get(f"/api/v1/alerts/{dvt['id']}").json["escalation_level"] == 1


# -- deadlines that hold --------------------------------------------------------------------

def test_escalation_keeps_its_own_schedule_and_due_by_does_not_move(world, app, clock, redis):
    admin = world.admin()
    admin.post("/api/v1/teams", json={"slug": "team-a", "name": "A",
                                      "on_call_phone": "+33140000000"})
    nurse = world.staff("nurse", phone="+33611111111")
    patient, device = world.patient_device(nurse)
    opened_at = clock.now()
    submit(device, "daily-postop", daily(calf_pain=True))
    run_worker(app, redis)
    dvt = _alert(nurse, patient["id"], "vte")
    due_by = opened_at + timedelta(minutes=15)
    assert (_at(dvt["due_by"]), dvt["overdue"]) == (due_by, False)
    assert _at(dvt["next_escalation_at"]) == due_by

    clock.advance(minutes=16)
    assert escalate_alerts() == 1
    run_worker(app, redis)
    clock.advance(minutes=16)
    assert escalate_alerts() == 1
    run_worker(app, redis)
    view = nurse.get(f"/api/v1/alerts/{dvt['id']}").json
    assert (_at(view["due_by"]), view["overdue"], view["escalation_level"]) == (due_by, True, 2)
    assert _at(view["next_escalation_at"]) == clock.now() + timedelta(minutes=15)
    escalated = [e["detail"] for e in view["events"] if e["kind"] == "escalated"]
    assert [d["level"] for d in escalated] == [1, 2]
    pages = [(e["detail"]["reason"], e["detail"].get("level"), e["detail"]["channel"],
              e["detail"].get("staff_id"), e["detail"].get("on_call_phone"),
              e["delivery"]["status"]) for e in view["events"] if e["kind"] == "notified"]
    assert pages == [("opened", None, "sms", nurse.id, None, "sent"),
                     ("escalated", 1, "sms", nurse.id, None, "sent"),
                     ("escalated", 2, "sms", None, "+33******00", "sent")]
    assert all(e["delivery"]["sent_at"] for e in view["events"] if e["kind"] == "notified")

    timeline = nurse.get(f"/api/v1/patients/{patient['id']}/timeline?order=asc").json
    kinds = [entry["kind"] for entry in timeline if entry["kind"].startswith("alert.")
             and entry["id"] == dvt["id"]]
    assert kinds == ["alert.opened", "alert.notified", "alert.escalated", "alert.notified",
                     "alert.escalated", "alert.notified"]
    on_call = [e["data"] for e in timeline if e["kind"] == "alert.notified"][-1]
    assert (on_call["on_call_phone"], on_call["delivery"]["status"]) == ("+33******00", "sent")

    # Acknowledged late: no longer overdue (overdue means waiting for an acknowledgement),
    # no more escalation, and due_by still says when it was due.
    acknowledged = nurse.post(f"/api/v1/alerts/{dvt['id']}/acknowledge").json
    assert (acknowledged["overdue"], acknowledged["next_escalation_at"]) == (False, None)
    assert _at(acknowledged["due_by"]) == due_by
    clock.advance(hours=1)
    assert escalate_alerts() == 0


def test_a_rise_in_severity_moves_due_by_earlier_never_later(world, clock):
    nurse = world.staff("nurse")
    start = clock.now()
    early, early_device = world.patient_device(nurse)
    late, late_device = world.patient_device(nurse)
    submit(early_device, "daily-postop", daily(temperature=38.6))
    submit(late_device, "daily-postop", daily(temperature=38.6))
    medium_due = start + timedelta(hours=1)
    assert _at(_alert(nurse, early["id"], "infection")["due_by"]) == medium_due

    clock.set(start + timedelta(minutes=10))  # high: 15 min from now, before the hour
    submit(early_device, "daily-postop", daily(temperature=39.4))
    risen = _alert(nurse, early["id"], "infection")
    assert risen["severity"] == "high"
    assert _at(risen["due_by"]) == start + timedelta(minutes=25)
    assert _at(risen["next_escalation_at"]) == start + timedelta(minutes=25)

    clock.set(start + timedelta(minutes=50))  # high: 15 min from now, after the hour
    submit(late_device, "daily-postop", daily(temperature=39.4))
    risen = _alert(nurse, late["id"], "infection")
    assert risen["severity"] == "high"
    assert _at(risen["due_by"]) == medium_due
    worsened = [e for e in nurse.get(f"/api/v1/alerts/{risen['id']}").json["events"]
                if e["kind"] == "worsened"]
    assert _at(worsened[0]["detail"]["due_by"]) == medium_due


def test_a_page_follows_its_message_sent_delivered_or_not(world, app, clock, redis):
    from backend.notifications.services import record_status

    nurse = world.staff("nurse", phone="+33611111111")
    colleague = world.staff("nurse", phone="+33622222222")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    run_worker(app, redis)
    dvt = _alert(nurse, patient["id"], "vte")
    with app.app_context():
        messages = {m.staff_id: m.provider_id for m in db.session().query(Message)}
        record_status(messages[uuid.UUID(nurse.id)], "delivered", clock.now())
        record_status(messages[uuid.UUID(colleague.id)], "undelivered", clock.now())
        db.session().commit()
    pages = {e["detail"]["staff_id"]: e["delivery"]["status"]
             for e in nurse.get(f"/api/v1/alerts/{dvt['id']}").json["events"]
             if e["kind"] == "notified"}
    assert pages == {nurse.id: "delivered", colleague.id: "failed"}

    # A provider outage: the page is in the history, waiting to be sent again.
    app.extensions["suivi"].sms = FailingSmsSender()
    clock.advance(minutes=16)
    escalate_alerts()
    run_worker(app, redis)
    retrying = [e["delivery"] for e in nurse.get(f"/api/v1/alerts/{dvt['id']}").json["events"]
                if e["kind"] == "notified" and e["detail"]["reason"] == "escalated"]
    assert len(retrying) == 1
    assert retrying[0]["status"] == "pending" and "outage" in retrying[0]["error"]
    # The sweep runs the job again: the same message, still one step in the history.
    clock.advance(minutes=3)
    assert sweep_outbox() == 1
    run_worker(app, redis)
    events = nurse.get(f"/api/v1/alerts/{dvt['id']}").json["events"]
    assert [e["detail"]["reason"] for e in events if e["kind"] == "notified"] == [
        "opened", "opened", "escalated"]


def test_nobody_to_page_is_said_in_the_history(world, app, redis):
    nurse = world.staff("nurse")  # no phone, and the team has no on-call phone
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    run_worker(app, redis)
    events = nurse.get(f"/api/v1/alerts/{_alert(nurse, patient['id'], 'vte')['id']}").json[
        "events"]
    pages = [(e["detail"]["reason"], e["delivery"]) for e in events if e["kind"] == "notified"]
    assert pages == [("opened", {"status": "no_recipient"})]
