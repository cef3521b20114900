"""The queue by patient (/triage) and the steps on all of a patient's alerts at once."""

from __future__ import annotations

import uuid
from datetime import timedelta

from backend.alerts.models import AlertEvent
from tests.helpers import audit_events, count, daily, submit


def _patient_with_alerts(world, nurse, answers: dict, days_since_surgery: int = 0, **fields):
    surgery = world.clock.now().date() - timedelta(days=days_since_surgery)
    patient, device = world.patient_device(nurse, surgery_date=surgery, **fields)
    response = submit(device, "daily-postop", daily(**answers))
    assert response.status_code == 201 and response.json["alerts_opened"], response.json
    return patient, device


def test_one_row_per_patient_most_urgent_first_with_its_alerts(world, clock):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    medium, _ = _patient_with_alerts(world, nurse, {"pain_now": 8}, family_name="Moyen")
    clock.advance(minutes=1)
    three, _ = _patient_with_alerts(world, nurse, {"calf_pain": True, "pain_now": 8,
                                                   "wound_redness": True},
                                    days_since_surgery=3, family_name="Trois")
    quiet, _ = world.patient_device(nurse)
    _patient_with_alerts(world, outsider, {"calf_pain": True})
    clock.advance(minutes=2)

    rows = nurse.get("/api/v1/triage").json
    assert [row["patient"]["family_name"] for row in rows] == ["Trois", "Moyen"]
    top = rows[0]
    assert top["highest_severity"] == "high"
    assert top["counts"] == {"high": 1, "medium": 1, "low": 1}
    assert [a["severity"] for a in top["alerts"]] == ["high", "medium", "low"]
    assert top["postop_day"] == 3 and rows[1]["postop_day"] == 0
    assert top["protocol"]["slug"] == "ambulatory-general"
    assert top["protocol"]["title"] == "Chirurgie ambulatoire générale"
    assert top["patient"]["age"] == 76 and top["patient"]["phone"] == "+33612345678"
    assert top["last_contact"] == (clock.now() - timedelta(minutes=2)).isoformat()
    assert top["earliest_due"] == min(a["due_by"] for a in top["alerts"])
    assert top["overdue"] == 0
    assert quiet["id"] not in [row["patient"]["id"] for row in rows]
    english = nurse.get("/api/v1/triage?lang=en").json[0]
    assert english["protocol"]["title"] == "Ambulatory general surgery"


def test_overdue_alerts_come_first_within_a_severity_and_acknowledged_ones_are_on_time(
        world, app, clock):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    nurse = world.staff("nurse")
    late, _ = _patient_with_alerts(world, nurse, {"pain_now": 8}, family_name="Tard")
    clock.advance(minutes=61)  # medium: one hour to acknowledge
    fresh, _ = _patient_with_alerts(world, nurse, {"pain_now": 8}, family_name="Frais")
    rows = nurse.get("/api/v1/triage").json
    assert [(r["patient"]["family_name"], r["overdue"]) for r in rows] == [("Tard", 1),
                                                                          ("Frais", 0)]
    alert = rows[0]["alerts"][0]
    assert alert["overdue"] is True
    nurse.post(f"/api/v1/alerts/{alert['id']}/acknowledge")
    assert [r["overdue"] for r in nurse.get("/api/v1/triage").json] == [0, 0]


def test_severity_filter_and_snoozed_alerts(world, clock):
    nurse = world.staff("nurse")
    _patient_with_alerts(world, nurse, {"pain_now": 8}, family_name="Moyen")
    _patient_with_alerts(world, nurse, {"wound_redness": True}, family_name="Faible")
    assert [r["patient"]["family_name"] for r in
            nurse.get("/api/v1/triage?severity=low").json] == ["Faible"]
    low = nurse.get("/api/v1/triage?severity=low").json[0]["alerts"][0]
    nurse.post(f"/api/v1/alerts/{low['id']}/acknowledge")
    snoozed = nurse.post(f"/api/v1/alerts/{low['id']}/snooze", json={
        "until": (clock.now() + timedelta(hours=1)).isoformat(), "reason": "rappel prévu"})
    assert snoozed.status_code == 200, snoozed.json
    assert [r["patient"]["family_name"] for r in nurse.get("/api/v1/triage").json] == ["Moyen"]
    assert len(nurse.get("/api/v1/triage?include_snoozed=true").json) == 2
    assert nurse.get("/api/v1/triage?severity=urgent").status_code == 422


def test_acknowledge_all_of_a_patient_gives_each_alert_its_own_event(world, app):
    nurse = world.staff("nurse")
    patient, _ = _patient_with_alerts(world, nurse, {"calf_pain": True, "pain_now": 8})
    alerts = nurse.get("/api/v1/triage").json[0]["alerts"]
    assert len(alerts) == 2
    response = nurse.post(f"/api/v1/patients/{patient['id']}/alerts/acknowledge")
    assert response.status_code == 200, response.json
    assert response.json["count"] == 2
    assert {a["status"] for a in response.json["alerts"]} == {"acknowledged"}
    for alert in alerts:
        assert count(app, AlertEvent, alert_id=uuid.UUID(alert["id"]), kind="acknowledge") == 1
    assert len(audit_events(app, action="alert.acknowledge")) == 2
    (bulk,) = audit_events(app, action="alert.bulk_acknowledge")
    assert bulk.patient_id == uuid.UUID(patient["id"])
    assert sorted(bulk.detail["alert_ids"]) == sorted(a["id"] for a in alerts)
    again = nurse.post(f"/api/v1/patients/{patient['id']}/alerts/acknowledge")
    assert again.status_code == 409
    assert again.json["message"] == "The patient has no alert to acknowledge."


def test_resolve_all_closes_open_and_acknowledged_alerts_with_one_outcome(world, app):
    nurse = world.staff("nurse")
    patient, _ = _patient_with_alerts(world, nurse, {"calf_pain": True, "pain_now": 8,
                                                     "wound_redness": True})
    other, _ = _patient_with_alerts(world, nurse, {"pain_now": 8})
    first = nurse.get("/api/v1/triage").json[0]["alerts"][0]
    nurse.post(f"/api/v1/alerts/{first['id']}/acknowledge")
    path = f"/api/v1/patients/{patient['id']}/alerts/resolve"

    refused = nurse.post(path, json={"outcome": "went home"})
    assert refused.status_code == 422 and refused.json["message"].startswith("outcome: ")
    assert len(nurse.get("/api/v1/triage").json) == 2

    done = nurse.post(path, json={"outcome": "called_patient", "note": "rappelée, va bien"})
    assert done.status_code == 200, done.json
    assert done.json["count"] == 3
    assert {(a["status"], a["outcome"]) for a in done.json["alerts"]} == {
        ("resolved", "called_patient")}
    events = [nurse.get(f"/api/v1/alerts/{a['id']}").json["events"]
              for a in done.json["alerts"]]
    assert all(e[-1]["kind"] == "resolve" and e[-1]["detail"]["note"] == "rappelée, va bien"
               for e in events)
    assert [r["patient"]["id"] for r in nurse.get("/api/v1/triage").json] == [other["id"]]
    assert nurse.post(path, json={"outcome": "called_patient"}).status_code == 409


def test_another_teams_patient_is_hidden_and_the_attempt_audited(world, app):
    nurse = world.staff("nurse")
    outsider = world.staff("nurse", teams=("team-b",))
    surgeon = world.staff("surgeon")
    patient, _ = _patient_with_alerts(world, nurse, {"calf_pain": True})
    for step, body in (("acknowledge", None), ("resolve", {"outcome": "false_alarm"})):
        path = f"/api/v1/patients/{patient['id']}/alerts/{step}"
        refused = outsider.post(path, json=body)
        assert refused.status_code == 404 and refused.json["message"] == "No such patient."
        unknown = outsider.post(f"/api/v1/patients/{uuid.uuid4()}/alerts/{step}", json=body)
        assert (unknown.status_code, unknown.json) == (404, refused.json)
        (denied,) = audit_events(app, action=f"alert.bulk_{step}", outcome="denied",
                                 patient_id=uuid.UUID(patient["id"]))
        assert denied.actor_id == uuid.UUID(outsider.id)
    assert outsider.get("/api/v1/triage").json == []
    assert nurse.get("/api/v1/triage").json[0]["alerts"][0]["status"] == "open"
    assert world.admin().post(f"/api/v1/patients/{patient['id']}/alerts/acknowledge"
                              ).status_code == 403
    assert surgeon.post(f"/api/v1/patients/{patient['id']}/alerts/acknowledge"
                        ).status_code == 200
