"""Twilio webhooks: signed, replay-proof; STOP/START/HELP and messages to the ward."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from backend.audit import noise
from backend.notifications.models import Message
from backend.webhooks.models import InboundEvent
from tests.helpers import audit_events, count

TOKEN = "twilio-auth-token-for-tests"


@pytest.fixture(autouse=True)
def twilio_config(app):
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN
    app.config["SUIVI_PUBLIC_URL"] = "https://suivi.hopital.test"


def _post(client, path, params, signature=None, token=TOKEN):
    url = "https://suivi.hopital.test" + path
    headers = {}
    if signature is not False:
        headers["X-Twilio-Signature"] = signature or RequestValidator(token).compute_signature(
            url, params)
    return client.post(path, data=params, headers=headers)


def _sms(body, sid="SM1", sender="+33612345678"):
    return {"MessageSid": sid, "From": sender, "To": "+33700000000", "Body": body}


def test_stop_and_start_change_the_patients_sms_consent(world, client, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33612345678")
    stop = _post(client, "/webhooks/twilio/sms", _sms("Stop", "SM1"))
    assert stop.status_code == 200
    assert "START" in stop.get_data(as_text=True)
    with app.app_context():
        from backend import db
        from backend.patients.models import Patient

        assert db.session().get(Patient, __import__("uuid").UUID(patient["id"])).sms_opt_out
    start = _post(client, "/webhooks/twilio/sms", _sms("START", "SM2"))
    assert "réactivés" in start.get_data(as_text=True)
    help_reply = _post(client, "/webhooks/twilio/sms", _sms("aide", "SM3"))
    assert "15" in help_reply.get_data(as_text=True)


def test_a_free_message_reaches_the_timeline(world, client):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33612345678")
    world.enrol(nurse, patient["id"])
    reply = _post(client, "/webhooks/twilio/sms", _sms("J'ai mal au ventre depuis ce matin"))
    assert "sera lu par l'équipe du service" in reply.get_data(as_text=True)
    timeline = nurse.get(f"/api/v1/patients/{patient['id']}/timeline").json
    inbound = [e for e in timeline if e["kind"] == "sms.inbound"]
    assert inbound[0]["data"]["body"] == "J'ai mal au ventre depuis ce matin"


def test_an_sms_cannot_disguise_itself_on_the_nurses_screen(world, client):
    """An SMS cannot be refused: its bidi overrides and control characters are shown as
    U+FFFD, its line breaks kept, nothing else changed."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33612345678")
    world.enrol(nurse, patient["id"])
    _post(client, "/webhooks/twilio/sms", _sms("j'ai \u202etrès mal\x07\nau ventre"))
    (item,) = nurse.get("/api/v1/alerts").json
    assert item["evidence"][0]["text"] == "j'ai \ufffdtrès mal\ufffd\nau ventre"
    timeline = nurse.get(f"/api/v1/patients/{patient['id']}/timeline").json
    inbound = [e for e in timeline if e["kind"] == "sms.inbound"]
    assert inbound[0]["data"]["body"] == "j'ai \ufffdtrès mal\ufffd\nau ventre"


def test_forged_unsigned_and_replayed_webhooks_are_refused(world, client, app):
    world.patient(world.staff("nurse"), phone="+33612345678")
    params = _sms("STOP", "SM9")
    assert _post(client, "/webhooks/twilio/sms", params, signature=False).status_code == 403
    assert _post(client, "/webhooks/twilio/sms", params, token="wrong").status_code == 403
    tampered = dict(params, Body="START")
    forged = RequestValidator(TOKEN).compute_signature(
        "https://suivi.hopital.test/webhooks/twilio/sms", params)
    assert _post(client, "/webhooks/twilio/sms", tampered, signature=forged).status_code == 403
    assert count(app, InboundEvent) == 0
    assert _post(client, "/webhooks/twilio/sms", params).status_code == 200
    replay = _post(client, "/webhooks/twilio/sms", params)
    assert replay.status_code == 409
    assert count(app, InboundEvent) == 1
    reasons = [e.detail["reason"] for e in audit_events(app, action="webhook.sms",
                                                        outcome="denied")]
    assert reasons.count("missing or invalid Twilio signature") == 3
    assert "replayed callback" in reasons


def test_a_flood_of_forged_callbacks_is_counted_and_held_back(client, app):
    """Forged callbacks count as requests without credentials: beyond the address's rate
    they get 429, and the trail writes the first few of a minute, counting the rest."""
    app.config["SUIVI_ANONYMOUS_RATE_LIMIT"] = 10
    answers = [_post(client, "/webhooks/twilio/sms", _sms("STOP", f"SM{n}"),
                     token="wrong").status_code for n in range(12)]
    assert answers == [403] * 10 + [429] * 2
    assert len(audit_events(app, action="webhook.sms", outcome="denied")) == noise.FIRST_ROWS


def test_webhooks_refused_when_twilio_is_not_configured(client, app):
    app.config["TWILIO_AUTH_TOKEN"] = None
    assert _post(client, "/webhooks/twilio/sms", _sms("STOP")).status_code == 403


def test_delivery_status_updates_the_message(world, app, client, redis):
    from tests.helpers import daily, run_worker, submit

    nurse = world.staff("nurse", phone="+33611111111")
    _, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(calf_pain=True))
    run_worker(app, redis)
    with app.app_context():
        from backend import db

        message = db.session().query(Message).one()
        provider_id = message.provider_id
    params = {"MessageSid": provider_id, "MessageStatus": "delivered"}
    assert _post(client, "/webhooks/twilio/status", params).status_code == 204
    assert _post(client, "/webhooks/twilio/status", params).status_code == 409
    with app.app_context():
        from backend import db

        assert db.session().query(Message).one().status == "delivered"
    bad = _post(client, "/webhooks/twilio/status", {"MessageSid": "SMx"})
    assert bad.status_code == 422 and "MessageStatus" in bad.json["message"]
