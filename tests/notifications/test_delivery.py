"""SMS delivery a nurse can rely on: Twilio's reports (real signatures) kept on each
message, a failed patient SMS sent again with backoff through the real twilio REST
client (against a local fake of its API), then one "patient unreachable" item."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import db
from backend.alerts.models import Alert
from backend.notifications.models import Message
from backend.outbox.jobs import deliver_outbox, sweep_outbox
from backend.outbox.models import OutboxEntry
from tests.formlinks.support import web_patient
from tests.helpers import audit_events, run_worker
from tests.notifications.fake_twilio import PUBLIC_URL, FakeTwilio, install, report

PHONE = "+33655555555"


@pytest.fixture
def twilio(app):
    fake = install(app)
    yield fake
    fake.close()


def links(twilio: FakeTwilio) -> list[dict]:
    return [sms for sms in twilio.received if "/f/" in sms.get("Body", "")]


def messages(app, template: str = "task.form_link") -> list[Message]:
    with app.app_context():
        return list(db.session().scalars(select(Message).where(Message.template == template)
                                         .order_by(Message.attempt)))


def unreachable_items(nurse, patient) -> list[dict]:
    return [a for a in nurse.get(f"/api/v1/alerts?patient_id={patient['id']}").json
            if a["rule"] == "patient-unreachable"]


def test_a_link_failed_three_times_makes_one_unreachable_item(world, app, clock, redis,
                                                             client, twilio):
    patient, nurse = web_patient(world, app, clock, redis)
    [first] = links(twilio)
    assert first["To"] == PHONE and first["StatusCallback"].startswith(
        f"{PUBLIC_URL}/webhooks/twilio/status?reference=")
    welcome = next(sms for sms in twilio.received if sms is not first)
    assert report(client, welcome, "delivered").status_code == 204

    # Twilio: queued, then failed (handset off): sent again 5 minutes later, not before.
    assert report(client, first, "queued").status_code == 204
    assert report(client, first, "failed", "30003").status_code == 204
    run_worker(app, redis)
    [message] = messages(app)
    assert (message.status, message.provider_status, message.error_code) == (
        "failed", "failed", "30003")
    assert message.status_at == clock.now()
    clock.advance(minutes=4)
    sweep_outbox()
    run_worker(app, redis)
    assert len(links(twilio)) == 1
    clock.advance(minutes=1)
    sweep_outbox()
    run_worker(app, redis)
    second = links(twilio)[1]
    assert second["Body"] != first["Body"]  # a new link: the first one's token is gone

    # Undelivered this time: the third and last attempt 30 minutes later.
    assert report(client, second, "undelivered", "30003").status_code == 204
    run_worker(app, redis)
    clock.advance(minutes=29)
    sweep_outbox()
    run_worker(app, redis)
    assert len(links(twilio)) == 2
    clock.advance(minutes=1)
    sweep_outbox()
    run_worker(app, redis)
    third = links(twilio)[2]
    assert unreachable_items(nurse, patient) == []
    assert report(client, third, "failed", "30003").status_code == 204
    run_worker(app, redis)

    chain = messages(app)
    assert [(m.attempt, m.status) for m in chain] == [(1, "failed"), (2, "failed"),
                                                      (3, "failed")]
    assert {m.retry_of for m in chain[1:]} == {chain[0].id}
    [item] = unreachable_items(nurse, patient)
    assert item["severity"] == "low" and item["status"] == "open"
    assert item["explanation"].startswith("Patient injoignable par SMS")
    [failure] = item["evidence"]
    assert (failure["template"], failure["attempts"], failure["error_code"]) == (
        "task.form_link", 3, "30003")
    assert len(links(twilio)) == 3  # and no fourth
    # The welcome SMS was delivered, and a late "sent" does not take that back.
    assert report(client, welcome, "sent").status_code == 204
    [delivered] = messages(app, "enrollment.welcome")
    assert (delivered.status, delivered.provider_status) == ("delivered", "delivered")
    unreachable = audit_events(app, action="delivery.unreachable")
    assert [str(e.patient_id) for e in unreachable] == [patient["id"]]

    # The nurse closes it like any other item: acknowledged, then resolved.
    assert nurse.post(f"/api/v1/alerts/{item['id']}/acknowledge").status_code == 200
    assert nurse.post(f"/api/v1/alerts/{item['id']}/resolve",
                      json={"outcome": "called_patient"}).status_code == 200


def test_a_permanent_error_goes_straight_to_the_team_and_stays_one_item(
        world, app, clock, redis, client, twilio):
    """21610: the patient opted out at the carrier; no retry. The next SMS, refused at
    once (21211, an invalid number), joins the same item."""
    patient, nurse = web_patient(world, app, clock, redis)
    [link] = links(twilio)
    assert report(client, link, "undelivered", "21610").status_code == 204
    run_worker(app, redis)
    clock.advance(hours=1)
    sweep_outbox()
    run_worker(app, redis)
    assert len(links(twilio)) == 1
    [item] = unreachable_items(nurse, patient)
    assert [e["reason"] for e in item["evidence"]] == ["permanent_error"]

    twilio.refuse[PHONE] = (400, 21211)
    assert nurse.post(f"/api/v1/patients/{patient['id']}/teleconsultations", json={
        "starts_at": (clock.now() + timedelta(hours=2)).isoformat(),
        "duration_minutes": 20, "reason": "Point sur la cicatrice"}).status_code == 201
    run_worker(app, redis)
    [invite] = messages(app, "teleconsult.invite")
    assert (invite.status, invite.error_code, invite.attempt) == ("failed", "21211", 1)
    [item] = unreachable_items(nurse, patient)
    assert [(e["template"], e["error_code"]) for e in item["evidence"]] == [
        ("task.form_link", "21610"), ("teleconsult.invite", "21211")]


def test_each_step_happens_once_however_often_its_job_runs(world, app, clock, redis,
                                                          client, twilio):
    patient, nurse = web_patient(world, app, clock, redis)
    [link] = links(twilio)
    assert report(client, link, "failed", "30003").status_code == 204
    # The same report again is refused as a replay; another final one changes nothing.
    assert report(client, link, "failed", "30003").status_code == 409
    assert report(client, link, "undelivered", "30008").status_code == 204
    run_worker(app, redis)
    with app.app_context():
        failed = db.session().scalars(select(OutboxEntry).where(
            OutboxEntry.kind == "message.failed")).all()
        assert len(failed) == 1
        [retry] = db.session().scalars(select(OutboxEntry).where(
            OutboxEntry.dedupe_key.like("sms-retry:%"))).all()
    assert deliver_outbox(str(failed[0].id)) == "skipped"  # done already
    clock.advance(minutes=5)
    assert deliver_outbox(str(retry.id)) == "done"
    assert deliver_outbox(str(retry.id)) == "skipped"
    sweep_outbox()
    run_worker(app, redis)
    assert len(links(twilio)) == 2
    [first, again] = messages(app)
    assert (first.error_code, again.attempt) == ("30003", 2)


def test_a_reminder_answered_meanwhile_is_not_sent_again(world, app, clock, redis, client,
                                                         twilio):
    from tests.formlinks.test_form_links import form
    from tests.helpers import daily

    patient, nurse = web_patient(world, app, clock, redis)
    [link] = links(twilio)
    token = link["Body"].split("/f/")[1].split()[0]
    assert client.post(f"/f/{token}", data=form(daily())).status_code == 200
    assert report(client, link, "undelivered", "30003").status_code == 204
    run_worker(app, redis)
    clock.advance(minutes=5)
    sweep_outbox()
    run_worker(app, redis)
    # The QoR-15 of the day is still waiting: its link alone goes again.
    [_, again] = links(twilio)
    assert again["Body"].count("/f/") == 1
    assert unreachable_items(nurse, patient) == []


def test_a_staff_page_that_fails_is_left_to_the_escalation(world, app, clock, redis, client,
                                                           twilio):
    from tests.helpers import daily, submit

    nurse = world.staff("nurse", phone="+33611111111")
    patient, device = world.patient_device(nurse)
    assert submit(device, "daily-postop", daily(calf_pain=True)).status_code == 201
    run_worker(app, redis)
    [page] = [sms for sms in twilio.received if sms["To"] == "+33611111111"]
    assert report(client, page, "undelivered", "30003").status_code == 204
    run_worker(app, redis)
    [alert] = nurse.get(f"/api/v1/alerts?patient_id={patient['id']}").json
    notified = [e for e in nurse.get(f"/api/v1/alerts/{alert['id']}").json["events"]
                if e["kind"] == "notified"]
    assert notified[0]["delivery"]["status"] == "failed"
    with app.app_context():
        assert db.session().scalars(select(OutboxEntry).where(
            OutboxEntry.kind == "message.failed")).all() == []
        assert db.session().scalars(select(Alert).where(
            Alert.rule_group == "unreachable")).all() == []


def test_a_report_on_no_message_of_ours_is_harmless_and_audited(app, client, twilio):
    sent = {"sid": "SM" + "f" * 32, "To": PHONE,
            "StatusCallback": f"{PUBLIC_URL}/webhooks/twilio/status"}
    assert report(client, sent, "delivered").status_code == 204
    [row] = audit_events(app, action="webhook.status")
    assert row.detail == {"matched": False} and row.patient_id is None


def test_attempts_and_delays_are_configuration(world, app, clock, redis, client, twilio):
    app.config.update(SUIVI_SMS_ATTEMPTS=2, SUIVI_SMS_RETRY_DELAYS=(60,))
    patient, nurse = web_patient(world, app, clock, redis)
    assert report(client, links(twilio)[0], "failed", "30008").status_code == 204
    run_worker(app, redis)
    clock.advance(minutes=1)
    sweep_outbox()
    run_worker(app, redis)
    assert report(client, links(twilio)[1], "failed", "30008").status_code == 204
    run_worker(app, redis)
    [item] = unreachable_items(nurse, patient)
    assert [(e["attempts"], e["reason"]) for e in item["evidence"]] == [(2, "attempts")]


def test_retry_settings_are_checked_at_start_up():
    from backend.config import from_env

    base = {"SUIVI_TESTING": "1"}
    assert from_env(base)["SUIVI_SMS_RETRY_DELAYS"] == (300, 1800)
    assert from_env(base)["SUIVI_SMS_ATTEMPTS"] == 3
    with pytest.raises(ValueError, match="SUIVI_SMS_RETRY_DELAYS"):
        from_env({**base, "SUIVI_SMS_RETRY_DELAYS": "5m,30m"})
    with pytest.raises(ValueError, match="SUIVI_SMS_ATTEMPTS"):
        from_env({**base, "SUIVI_SMS_ATTEMPTS": "0"})


def test_a_report_that_comes_before_twilios_answer_is_kept(world, app, clock, redis, client,
                                                           twilio):
    """Twilio may call back before the worker has stored the SID it answered: the report
    finds the message by the reference in its URL, and the worker's "sent" does not
    overwrite "delivered"."""
    sender = app.extensions["suivi"].sms

    class ReportedAtOnce:
        name = sender.name

        def send(self, to, body, *, reference):
            sent = sender.send(to, body, reference=reference)
            assert report(client, twilio.received[-1], "delivered").status_code == 204
            return sent

    app.extensions["suivi"].sms = ReportedAtOnce()
    web_patient(world, app, clock, redis)
    [link] = messages(app)
    assert (link.status, link.provider_status) == ("delivered", "delivered")
    assert link.provider_id == links(twilio)[0]["sid"] and link.sent_at is not None
