"""A patient's words reach a nurse: free-text answers and SMS become "message to read"
items in the team's queue (one open item per patient), shared numbers are never
attributed arbitrarily, and the automatic reply says when the ward reads them."""

from __future__ import annotations

import uuid

import pytest
from twilio.request_validator import RequestValidator

from backend import db
from backend.alerts.models import Alert
from backend.outbox.models import OutboxEntry
from backend.patients.models import Patient
from backend.webhooks.models import InboundEvent
from tests.helpers import audit_events, count, daily, submit

TOKEN = "twilio-auth-token-for-tests"
PUBLIC_URL = "https://suivi.hopital.test"
CHEST = "douleur dans la poitrine et je crache du sang"
FEVER = "j'ai très mal et 39 de fièvre"


@pytest.fixture(autouse=True)
def twilio_config(app):
    app.config["TWILIO_AUTH_TOKEN"] = TOKEN
    app.config["SUIVI_PUBLIC_URL"] = PUBLIC_URL


def sms(client, body, sender="+33612345678", sid=None):
    params = {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "From": sender,
              "To": "+33700000000", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(
        PUBLIC_URL + "/webhooks/twilio/sms", params)
    response = client.post("/webhooks/twilio/sms", data=params,
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def messages_of(nurse, patient_id, status="open,acknowledged"):
    return [a for a in nurse.get(f"/api/v1/alerts?patient_id={patient_id}&status={status}").json
            if a["rule_group"] == "message"]


def test_a_free_text_answer_opens_a_message_to_read(world, app, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    answered = submit(device, "daily-postop", daily(free_text=CHEST))
    assert answered.status_code == 201, answered.json
    [item] = messages_of(nurse, patient["id"])
    assert (item["rule"], item["rule_group"], item["severity"], item["status"]) == (
        "patient-message", "message", "low", "open")
    assert item["explanation"] == "Message du patient à lire"
    assert item["evidence"] == [{"kind": "message", "source": "app", "text": CHEST,
                                 "at": clock.now().isoformat(),
                                 "questionnaire": "daily-postop", "link_id": "free_text"}]
    assert item["id"] in answered.json["alerts_opened"]
    # The patient is told when it will be read, and that the 15 is for emergencies.
    said = " ".join(card["text"] for card in answered.json["advice"])
    assert "entre 8 h et 18 h" in said and "15" in said
    # Written with the answer, and announced through the outbox like every alert.
    with app.app_context():
        entries = [e for e in db.session().query(OutboxEntry) if e.kind == "alert.notify"]
    assert [e.payload["alert_id"] for e in entries] == [item["id"]]


def test_every_text_item_counts_and_empty_text_does_not(world, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(free_text="   "))
    assert messages_of(nurse, patient["id"]) == []
    submit(device, "daily-postop", daily(pain_location="dans le mollet droit"))
    [item] = messages_of(nurse, patient["id"])
    assert [(e["link_id"], e["text"]) for e in item["evidence"]] == [
        ("pain_location", "dans le mollet droit")]


def test_new_messages_are_appended_to_the_one_open_item(world, app, client, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    first = submit(device, "daily-postop", daily(free_text="je dors mal"))
    clock.advance(minutes=10)
    again = submit(device, "daily-postop", daily(free_text=CHEST))
    sms(client, FEVER)
    [item] = messages_of(nurse, patient["id"])
    assert [(e["source"], e["text"]) for e in item["evidence"]] == [
        ("app", "je dors mal"), ("app", CHEST), ("sms", FEVER)]
    assert item["id"] in first.json["alerts_opened"]
    assert item["id"] not in again.json["alerts_opened"]  # updated, not opened
    assert count(app, Alert, rule_group="message") == 1
    # Closed by a nurse with an outcome, like any alert; the next message opens a new one.
    resolved = nurse.post(f"/api/v1/alerts/{item['id']}/resolve",
                          json={"outcome": "called_patient", "note": "rappelée, SAMU"})
    assert resolved.status_code == 200, resolved.json
    assert messages_of(nurse, patient["id"]) == []
    sms(client, "merci pour votre appel")
    [new] = messages_of(nurse, patient["id"])
    assert new["id"] != item["id"] and [e["text"] for e in new["evidence"]] == [
        "merci pour votre appel"]


def test_a_message_after_acknowledgement_reopens_the_item_and_tells_the_team(
        world, app, client, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    submit(device, "daily-postop", daily(free_text="je dors mal"))
    [item] = messages_of(nurse, patient["id"])
    nurse.post(f"/api/v1/alerts/{item['id']}/acknowledge")
    sms(client, FEVER)
    [item] = messages_of(nurse, patient["id"])
    assert item["status"] == "open"
    events = nurse.get(f"/api/v1/alerts/{item['id']}").json["events"]
    assert [e["kind"] for e in events] == ["opened", "acknowledge", "message"]
    with app.app_context():
        reasons = sorted(e.payload["reason"] for e in db.session().query(OutboxEntry)
                         if e.kind == "alert.notify")
    assert reasons == ["message", "opened"]
    # An open item is not announced again for each message.
    sms(client, "et maintenant 39,5")
    assert count(app, OutboxEntry, kind="alert.notify") == 2


def test_an_inbound_sms_is_a_message_to_read_and_the_reply_says_when(world, client, clock):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33612345678")
    world.enrol(nurse, patient["id"])
    reply = sms(client, FEVER)
    assert "entre 8 h et 18 h" in reply and "15" in reply
    assert "fièvre" not in reply and "39" not in reply  # never a word of health data
    [item] = messages_of(nurse, patient["id"])
    assert item["evidence"] == [{"kind": "message", "source": "sms", "text": FEVER,
                                 "at": clock.now().isoformat()}]
    timeline = nurse.get(f"/api/v1/patients/{patient['id']}/timeline").json
    assert [e["data"]["body"] for e in timeline if e["kind"] == "sms.inbound"] == [FEVER]


def test_the_reply_gives_the_wards_own_day_hours(world, client):
    nurse = world.staff("nurse")
    changed = world.admin().patch("/api/v1/teams/team-a", json={
        "day_start": "07:30", "day_end": "19:00"})
    assert changed.status_code == 200, changed.json
    patient = world.patient(nurse, phone="+33612345678", language="en")
    world.enrol(nurse, patient["id"])
    assert "between 7:30 and 19:00" in sms(client, "my wound is leaking")


def test_a_shared_number_files_the_message_on_every_patient_to_identify(
        world, app, client):
    """An elderly couple with one phone: the message is on each one's queue, marked to
    identify by phone; the number never picks one of them."""
    nurse = world.staff("nurse")
    other_ward = world.staff("nurse", teams=("team-b",))
    wife = world.patient(nurse, phone="+33611223344", given_name="Jeanne")
    husband = world.patient(other_ward, phone="+33611223344", given_name="Louis")
    world.enrol(nurse, wife["id"])
    world.enrol(other_ward, husband["id"])
    reply = sms(client, FEVER, sender="+33611223344")
    assert "entre 8 h et 18 h" in reply
    for staff, patient in ((nurse, wife), (other_ward, husband)):
        [item] = messages_of(staff, patient["id"])
        assert item["evidence"][0]["shared_by"] == 2
        assert item["evidence"][0]["to_identify"] is True
        assert "numéro partagé par 2 patients" in item["explanation"]
    with app.app_context():
        [event] = db.session().query(InboundEvent).all()
    assert event.patient_id is None  # attributed to no one by the number


def test_a_shared_number_names_the_candidates_a_team_may_see(world, app, client):
    """Three patients behind one number, two followed by ward A, one by ward B: each item
    names the candidates its ward follows, so the nurse knows whom to ask for when she
    calls, and only counts the other ward's patient (never named outside their team)."""
    nurse = world.staff("nurse")
    other_ward = world.staff("nurse", teams=("team-b",))
    number = "+33611223344"
    wife = world.patient(nurse, phone=number, given_name="Jeanne", family_name="Morel")
    husband = world.patient(nurse, phone=number, given_name="Louis", family_name="Morel")
    lodger = world.patient(other_ward, phone=number, given_name="Anne", family_name="Roux")
    for staff, patient in ((nurse, wife), (nurse, husband), (other_ward, lodger)):
        world.enrol(staff, patient["id"])
    sms(client, FEVER, sender=number)
    [item] = messages_of(nurse, wife["id"])
    message = item["evidence"][0]
    assert message["candidates"] == [
        {"patient_id": wife["id"], "name": "MOREL Jeanne"},
        {"patient_id": husband["id"], "name": "MOREL Louis"}]
    assert (message["shared_by"], message["other_teams"]) == (3, 1)
    [theirs] = messages_of(other_ward, lodger["id"])
    assert theirs["evidence"][0]["candidates"] == [
        {"patient_id": lodger["id"], "name": "ROUX Anne"}]
    assert theirs["evidence"][0]["other_teams"] == 2
    assert "MOREL" not in repr(theirs)
    with app.app_context():
        [event] = db.session().query(InboundEvent).all()
    assert event.patient_id is None  # attributed to none of them


def test_giving_another_wards_patients_number_is_in_that_patients_trail(world, app):
    """The words of a shared number reach each ward (never lost): whoever gives a patient of
    their own the number of another ward's patient is named in that patient's trail, by a
    search on that patient; a number shared within one ward is not."""
    nurse = world.staff("nurse")
    other_ward = world.staff("nurse", teams=("team-b",))
    number = "+33611223344"
    wife = world.patient(nurse, phone=number, family_name="Morel")
    world.patient(nurse, phone=number, family_name="Morel")  # her husband, same ward
    assert audit_events(app, action="patient.phone_shared") == []
    lodger = world.patient(other_ward, phone="+33699887766")
    assert other_ward.patch(f"/api/v1/patients/{lodger['id']}",
                            json={"phone": number}).status_code == 200
    shared = audit_events(app, action="patient.phone_shared")
    assert {str(event.patient_id) for event in shared} == {wife["id"]} | {
        p["id"] for p in nurse.get("/api/v1/patients").json if p["id"] != wife["id"]}
    assert {str(event.actor_id) for event in shared} == {other_ward.id}
    assert {str(event.object_id) for event in shared} == {lodger["id"]}


def test_stop_and_start_apply_to_every_patient_with_the_number(world, app, client):
    nurse = world.staff("nurse")
    couple = [world.patient(nurse, phone="+33611223344") for _ in range(2)]
    assert "START" in sms(client, "STOP", sender="+33611223344")

    def opted_out():
        with app.app_context():
            return [db.session().get(Patient, uuid.UUID(p["id"])).sms_opt_out for p in couple]

    assert opted_out() == [True, True]
    sms(client, "Start", sender="+33611223344")
    assert opted_out() == [False, False]
    assert count(app, Alert) == 0  # keywords are not messages


def test_a_keyword_is_the_whole_message_not_its_first_word(world, app, client):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33612345678")
    world.enrol(nurse, patient["id"])
    sms(client, "oui j'ai très mal")  # "OUI" alone would be START
    [item] = messages_of(nurse, patient["id"])
    assert item["evidence"][0]["text"] == "oui j'ai très mal"


def test_a_message_no_team_can_read_says_so(world, app, client):
    assert "aucune équipe" in sms(client, FEVER, sender="+33699999999")  # unknown number
    nurse = world.staff("nurse")
    world.patient(nurse, phone="+33612345678")  # never enrolled: no team queue
    assert "aucune équipe" in sms(client, FEVER)
    assert count(app, Alert) == 0


def test_the_message_item_is_in_the_queue_of_the_patients_team_only(world, client):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    patient = world.patient(nurse, phone="+33612345678")
    world.enrol(nurse, patient["id"])
    sms(client, FEVER)
    assert [a["rule"] for a in nurse.get("/api/v1/alerts").json] == ["patient-message"]
    assert outsider.get("/api/v1/alerts").json == []


def test_a_message_racing_another_to_open_the_item_is_appended_to_it(
        world, app, client, monkeypatch):
    """Two messages of one patient at the same instant: the second to write finds the
    item opened by the first (the unique index on open alerts), and joins it."""
    from backend.alerts import messages

    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33612345678")
    world.enrol(nurse, patient["id"])
    sms(client, "premier message")
    real, missed = messages._open_item, []

    def looked_up_before_the_other_committed(who):
        if not missed:
            missed.append(who)
            return None
        return real(who)

    monkeypatch.setattr(messages, "_open_item", looked_up_before_the_other_committed)
    sms(client, "deuxième message")
    assert missed
    [item] = messages_of(nurse, patient["id"])
    assert [e["text"] for e in item["evidence"]] == ["premier message", "deuxième message"]
    assert count(app, Alert) == 1


def test_a_message_lifts_the_snooze_of_the_item(world, client, clock):
    from datetime import timedelta

    nurse = world.staff("nurse")
    patient = world.patient(nurse, phone="+33612345678")
    world.enrol(nurse, patient["id"])
    sms(client, "je rappelle cet après-midi")
    [item] = messages_of(nurse, patient["id"])
    nurse.post(f"/api/v1/alerts/{item['id']}/acknowledge")  # only an acknowledged one sleeps
    until = (clock.now() + timedelta(hours=4)).isoformat()
    snoozed = nurse.post(f"/api/v1/alerts/{item['id']}/snooze",
                         json={"until": until, "reason": "la patiente rappelle à 14 h"})
    assert snoozed.status_code == 200, snoozed.json
    assert messages_of(nurse, patient["id"]) == []  # out of the queue while snoozed
    sms(client, "finalement ça saigne")
    [item] = messages_of(nurse, patient["id"])
    assert item["snoozed_until"] is None and len(item["evidence"]) == 2
    assert item["status"] == "open"
