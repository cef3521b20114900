"""Sensitive columns sealed at rest, found again by keyed hash, sealed again after a key
rotation; values stored in the clear before encryption get sealed by `suivi db upgrade`."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
from sqlalchemy import text

from backend import crypto, db
from backend.idempotency.services import body_hash
from backend.job_runtime import set_worker_app
from backend.notifications.models import Message
from backend.notifications.senders import ConsoleSmsSender, FailingSmsSender
from backend.outbox.jobs import sweep_outbox
from backend.sealing import plain_values, seal_stored
from tests.helpers import World, daily, run_worker, submit


def _raw(app, sql: str) -> list:
    with app.app_context():
        return list(db.session().execute(text(sql)).scalars())


def test_what_identifies_a_patient_is_not_readable_in_the_database(app, clock):
    world = World(app, clock)
    nurse = world.staff("nurse", phone="+33699887766")
    patient = world.patient(nurse, phone="+33611223344", email="jeanne@exemple.fr")
    assert nurse.get(f"/api/v1/patients/{patient['id']}").json["phone"] == "+33611223344"
    stored = " ".join(map(str, _raw(app, "SELECT phone FROM patients")
                          + _raw(app, "SELECT email FROM patients")
                          + _raw(app, "SELECT phone FROM staff_users")
                          + _raw(app, "SELECT totp_secret FROM staff_users")))
    for secret in ("33611223344", "jeanne@", "33699887766", nurse.info["totp_secret"]):
        assert secret not in stored
    with app.app_context():
        assert plain_values(db.session()) == 0
    # The second factor still works: the secret is opened to check a code.
    code = pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())
    assert code.isdigit()


def test_an_inbound_sms_still_finds_its_patient_by_number(app, clock):
    world = World(app, clock)
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33611223344")
    with app.app_context():
        from sqlalchemy import select

        from backend.patients.models import Patient, phone_index

        found = db.session().scalars(select(Patient.id).where(
            Patient.phone_index == phone_index("+33611223344"))).all()
    assert [str(found_id) for found_id in found] == [patient["id"]]


def test_rotation_seals_again_under_the_new_key_and_upgrade_seals_plain_rows(app, clock):
    world = World(app, clock)
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33611223344")
    old = crypto.keyring()
    with app.app_context():
        # A row written before encryption: plain text, no hash.
        db.session().execute(text("UPDATE patients SET phone = '+33655555555', "
                                  "phone_index = NULL"))
        db.session().commit()
        assert plain_values(db.session()) == 1
        report = seal_stored(db.session(), old)
        db.session().commit()
        assert (report.values, report.indexes) == (1, 1)
        assert plain_values(db.session()) == 0

    rotated = crypto.Keyring({"k2": bytes(range(32)), **old.keys}, "k2", old.index_key)
    crypto.install(rotated)
    try:
        with app.app_context():
            report = seal_stored(db.session(), rotated)
            db.session().commit()
            assert report.values >= 2  # the patient's phone, the nurse's TOTP secret...
            assert all(value.startswith("enc1:k2:") for value in
                       db.session().execute(text("SELECT phone FROM patients")).scalars())
            assert seal_stored(db.session(), rotated).values == 0  # nothing left to do
        # Readable with the old key gone.
        crypto.install(crypto.Keyring({"k2": bytes(range(32))}, "k2", old.index_key))
        assert nurse.get(f"/api/v1/patients/{patient['id']}").json["phone"] == "+33655555555"
    finally:
        crypto.install(old)


def test_a_page_waiting_since_before_sealing_is_not_sent_twice(world, app, clock, redis):
    """A message claimed before the upgrade names its recipient in clear in its dedupe
    key; the upgrade gives it the hashed key, so the retried job finds it again."""
    set_worker_app(app)
    nurse = world.staff("nurse", phone="+33611111111")
    _, device = world.patient_device(nurse)
    app.extensions["suivi"].sms = FailingSmsSender()  # the page waits to be sent again
    submit(device, "daily-postop", daily(calf_pain=True))
    run_worker(app, redis)
    with app.app_context():
        # As stored before encryption: the number in clear, in the row and in its key.
        db.session().execute(text(
            "UPDATE messages SET address = '+33611111111', "
            "dedupe_key = CAST(outbox_id AS TEXT) || ':sms:+33611111111'"))
        db.session().commit()
        assert seal_stored(db.session(), crypto.keyring()).indexes == 1
        db.session().commit()
    console = ConsoleSmsSender()
    app.extensions["suivi"].sms = console
    clock.advance(minutes=3)
    assert sweep_outbox() == 1
    run_worker(app, redis)
    with app.app_context():
        rows = db.session().query(Message).all()
        assert [(row.address, row.status) for row in rows] == [("+33611111111", "sent")]
    assert len(console.sent) == 1



def test_words_written_by_patients_and_nurses_are_not_readable_in_the_database(world, app,
                                                                              clock):
    """A free-text answer, the message item it opens, a nurse's note, a snooze reason, a
    surgeon's override reason and a staff e-mail: sealed at rest, shown as written."""
    nurse = world.staff("nurse")
    surgeon = world.staff("surgeon")
    patient, device = world.patient_device(nurse)
    words = {"answer": "douleur thoracique la nuit", "note": "rappel du patient à 14h",
             "snooze": "attend la visite du soir", "override": "fièvre habituelle chez elle"}
    assert submit(device, "daily-postop", daily(free_text=words["answer"])).status_code == 201
    [item] = nurse.get(f"/api/v1/alerts?patient_id={patient['id']}").json
    path = f"/api/v1/alerts/{item['id']}"
    assert nurse.post(f"{path}/notes", json={"note": words["note"]}).status_code == 200
    assert nurse.post(f"{path}/acknowledge").status_code == 200
    wake = (clock.now() + timedelta(hours=1)).isoformat()
    snoozed = nurse.post(f"{path}/snooze", json={"until": wake, "reason": words["snooze"]})
    assert snoozed.status_code == 200, snoozed.json
    override = surgeon.post(f"/api/v1/patients/{patient['id']}/threshold-overrides", json={
        "rule_id": "fever", "threshold": "value", "value": 38.0, "reason": words["override"]})
    assert override.status_code == 201, override.json
    stored = " ".join(map(str, _raw(app, "SELECT answers FROM submissions")
                          + _raw(app, "SELECT evidence FROM alerts")
                          + _raw(app, "SELECT series FROM alerts")
                          + _raw(app, "SELECT snooze_reason FROM alerts")
                          + _raw(app, "SELECT detail FROM alert_events")
                          + _raw(app, "SELECT reason FROM threshold_overrides")
                          + _raw(app, "SELECT email FROM staff_users")))
    for written in (*words.values(), nurse.info["email"].split("@")[0]):
        assert written not in stored
    with app.app_context():
        assert plain_values(db.session()) == 0
    shown = nurse.get(path).json
    assert words["answer"] in str(shown["evidence"])
    assert [e["detail"].get("note") for e in shown["events"] if e["kind"] == "note"] == [
        words["note"]]
    assert shown["snooze_reason"] == words["snooze"]


def test_the_answer_kept_for_a_retry_is_not_readable_in_the_database(world, app):
    """The answer stored against an Idempotency-Key (kept 30 days, beside the patient)
    names the questionnaire and carries its scores and advice: sealed like the answers
    themselves, as is the hash of the request body (a PHQ-9's few possible answers would be
    found again from a plain hash). A retry still gets the first answer back, unchanged,
    after a key rotation too."""
    _, device = world.patient_device(world.staff("nurse"), protocol="heart-failure")
    body = {"questionnaire": "phq-9",
            "answers": {f"q{n}": "not_at_all" for n in range(1, 9)} | {"q9": "several_days"}}
    first = submit(device, body["questionnaire"], body["answers"], key="phq-9-of-today")
    assert first.status_code == 201 and first.json["alerts_opened"], first.json
    [score], [advice] = first.json["scores"], first.json["advice"]
    stored = " ".join(map(str, _raw(app, "SELECT response FROM idempotency_records")
                          + _raw(app, "SELECT request_hash FROM idempotency_records")))
    # Short words quoted as the JSON holds them: bare, one could stand in base64 by chance.
    for said in ("phq-9", json.dumps(score["name"]), json.dumps(score["band"]),
                 advice["rule_id"], advice["text"], body_hash(body)):
        assert said not in stored, said
    with app.app_context():
        assert plain_values(db.session()) == 0
    # Sealed again by a rotation, and replayed once the old key is gone.
    old = crypto.keyring()
    rotated = crypto.Keyring({"k2": bytes(range(32)), **old.keys}, "k2", old.index_key)
    crypto.install(rotated)
    try:
        with app.app_context():
            seal_stored(db.session(), rotated)
            db.session().commit()
        assert all(value.startswith("enc1:k2:") for value in
                   _raw(app, "SELECT response FROM idempotency_records")
                   + _raw(app, "SELECT request_hash FROM idempotency_records"))
        crypto.install(crypto.Keyring({"k2": bytes(range(32))}, "k2", old.index_key))
        again = submit(device, body["questionnaire"], body["answers"], key="phq-9-of-today")
    finally:
        crypto.install(old)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.status_code, again.json) == (first.status_code, first.json)
