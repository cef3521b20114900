"""What the patient reads after sending, and what the answer does to their tasks."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers import audit_events, daily, submit

ALL_CLEAR = "Merci, vos réponses ont bien été transmises à l'équipe. Continuez ainsi."


def texts(response) -> list[str]:
    return [card["text"] for card in response.json["advice"]]


def quiet_day(**changes):
    """A normal day, nothing written."""
    return {key: value for key, value in daily(**changes).items() if key != "pain_location"}


def test_a_patients_words_are_never_answered_all_clear(world):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    said = submit(device, "daily-postop", quiet_day(free_text="je crache du sang"))
    assert said.status_code == 201, said.json
    assert ALL_CLEAR not in texts(said)
    assert any("sera lu par l'équipe du service entre 8 h et 18 h" in text
               for text in texts(said))
    assert texts(submit(device, "daily-postop", quiet_day())) == [ALL_CLEAR]


def test_yesterdays_fever_gives_no_advice_today(world, clock):
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    fever = submit(device, "daily-postop", quiet_day(temperature=39.2))
    assert fever.json["alerts_opened"] and ALL_CLEAR not in texts(fever)
    clock.advance(hours=20)  # the 39.2 is still fresh, but it is not news
    calm = submit(device, "daily-postop", quiet_day())
    assert calm.json["call_emergency"] is False
    assert texts(calm) == [ALL_CLEAR] and calm.json["alerts_opened"] == []


def test_a_weight_sent_in_the_vitals_form_answers_the_weight_task(world, clock):
    nurse = world.staff("nurse")
    clock.set(clock.now().replace(hour=7, minute=30))  # 08:30 in Paris
    _, device = world.patient_device(nurse, protocol="heart-failure",
                                     surgery_date=clock.now().date() - timedelta(days=2),
                                     discharge_at=clock.now() - timedelta(days=1))
    before = {t["reading"] or t["questionnaire"]: t["status"]
              for t in device.get("/api/v1/me/today").json["tasks"]}
    assert before["weight"] == "pending"
    sent = submit(device, "vitals", {"weight": 72.4, "heart_rate": 70})
    assert sent.status_code == 201, sent.json
    after = {t["reading"] or t["questionnaire"]: t["status"]
             for t in device.get("/api/v1/me/today").json["tasks"]}
    assert after["weight"] == "done"


def test_the_surgeon_chooses_the_spo2_scale_with_a_reason(world):
    surgeon, nurse = world.staff("surgeon"), world.staff("nurse")
    patient, _ = world.patient_device(nurse, protocol="heart-failure")
    [enrollment] = nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json
    path = f"/api/v1/patients/{patient['id']}/enrollments/{enrollment['id']}/spo2-scale"
    refused = nurse.request("PUT", path, json={"spo2_scale": 2, "reason": "BPCO"})
    assert refused.status_code == 403
    bad = surgeon.request("PUT", path, json={"spo2_scale": 3, "reason": "BPCO"})
    assert bad.status_code == 422 and "spo2_scale" in bad.json["errors"]["json"]
    done = surgeon.request("PUT", path, json={"spo2_scale": 2,
                                              "reason": "BPCO hypercapnique, cible 88-92 %"})
    assert done.status_code == 200 and done.json["spo2_scale"] == 2
    assert done.json["spo2_scale_reason"] == "BPCO hypercapnique, cible 88-92 %"
    [enrollment] = nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json
    assert (enrollment["spo2_scale"], enrollment["spo2_scale_reason"]) == (
        2, "BPCO hypercapnique, cible 88-92 %")
    [row] = [e for e in audit_events(world.app, action="enrollment.spo2_scale")
             if e.outcome == "success"]
    # Who and when, about which patient: the condition itself stays out of the audit trail.
    assert str(row.patient_id) == patient["id"] and not row.detail


def test_an_answer_sent_late_can_still_raise_its_cause(world, clock):
    """An answer kept offline arrives after a newer reading: the cause still rises."""
    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    fever = device.post("/api/v1/me/readings", json={"readings": [
        {"type": "temperature", "value": 38.6, "unit": "Cel",
         "measured_at": clock.now().isoformat()}]}, headers={"Idempotency-Key": "fever-1"})
    assert fever.status_code == 201, fever.json
    [alert] = nurse.get("/api/v1/alerts").json
    assert (alert["rule_group"], alert["severity"]) == ("infection", "medium")
    earlier = (clock.now() - timedelta(minutes=30)).isoformat()
    late = submit(device, "daily-postop", quiet_day(wound_redness=True), submitted_at=earlier)
    assert late.status_code == 201, late.json
    [alert] = [a for a in nurse.get("/api/v1/alerts").json if a["rule_group"] == "infection"]
    assert (alert["rule"], alert["severity"]) == ("fever-wound-signs", "high")
