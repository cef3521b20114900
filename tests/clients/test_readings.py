"""POST /api/v1/patients/{id}/readings with a client token (system/Observation.write): the
patient app's intake, rules, alerts and idempotency, within the client's care team."""

from __future__ import annotations

import uuid

from backend.idempotency.models import IdempotencyRecord
from backend.intake.models import Reading
from tests.clients.support import WRITE, client_caller, new_client
from tests.helpers import audit_events, count


def _fever(clock, value: float = 39.0) -> dict:
    return {"readings": [{"type": "temperature", "value": value, "unit": "Cel",
                          "measured_at": clock.now().isoformat()}]}


def _send(caller, patient_id: str, body: dict, key: str | None = None):
    return caller.post(f"/api/v1/patients/{patient_id}/readings", json=body,
                       headers={"Idempotency-Key": key or str(uuid.uuid4())})


def _open_rules(nurse, patient_id: str) -> list[tuple[str, str]]:
    alerts = nurse.get("/api/v1/alerts", query_string={"patient_id": patient_id}).json
    return sorted((alert["rule"], alert["severity"]) for alert in alerts)


def test_a_gateway_reading_raises_the_same_alert_as_the_apps(world, app, clock):
    nurse = world.staff("nurse")
    by_app, device = world.patient_device(nurse)
    by_gateway, _ = world.patient_device(nurse)
    gateway = client_caller(app, new_client(world))
    from_app = device.post("/api/v1/me/readings", json=_fever(clock),
                           headers={"Idempotency-Key": str(uuid.uuid4())})
    from_gateway = _send(gateway, by_gateway["id"], _fever(clock))
    assert from_gateway.status_code == 201, from_gateway.json
    assert from_gateway.json["alerts_opened"]
    assert from_gateway.json["advice"] == from_app.json["advice"]
    assert _open_rules(nurse, by_gateway["id"]) == _open_rules(nurse, by_app["id"]) != []
    assert count(app, Reading, patient_id=uuid.UUID(by_gateway["id"]), source="gateway") == 1
    created = audit_events(app, action="reading.create", outcome="success",
                           patient_id=uuid.UUID(by_gateway["id"]))
    assert [e.actor_type for e in created] == ["client"]


def test_a_repeat_stores_nothing_and_a_key_serves_one_patient(world, app, clock):
    nurse = world.staff("nurse")
    patient, _ = world.patient_device(nurse)
    other, _ = world.patient_device(nurse)
    gateway = client_caller(app, new_client(world))
    first = _send(gateway, patient["id"], _fever(clock), key="batch-1")
    again = _send(gateway, patient["id"], _fever(clock), key="batch-1")
    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(app, Reading, source="gateway") == 1
    # The same key for another patient, or with other readings, is not the same request.
    assert _send(gateway, other["id"], _fever(clock), key="batch-1").status_code == 422
    assert _send(gateway, patient["id"], _fever(clock, 38.0), key="batch-1").status_code == 422
    assert count(app, Reading, source="gateway") == 1
    assert count(app, IdempotencyRecord) == 1


def test_another_teams_patient_is_not_found_and_the_refusal_names_them(world, app, clock):
    outsider = world.staff("nurse", teams=("team-b",))
    patient, _ = world.patient_device(outsider)
    gateway = client_caller(app, new_client(world, team="team-a"))
    hidden = _send(gateway, patient["id"], _fever(clock))
    unknown = _send(gateway, str(uuid.uuid4()), _fever(clock))
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json == unknown.json
    assert count(app, Reading) == 0
    refused = audit_events(app, outcome="denied", patient_id=uuid.UUID(patient["id"]))
    assert [(e.actor_type, e.action) for e in refused] == [("client", "reading.create")]


def test_a_token_without_the_scope_is_refused(world, app, clock):
    nurse = world.staff("nurse")
    patient, _ = world.patient_device(nurse)
    reader = client_caller(app, new_client(world, scopes=("system/*.read",)))
    refused = _send(reader, patient["id"], _fever(clock))
    assert refused.status_code == 403 and WRITE in refused.json["message"]
    narrowed = client_caller(app, new_client(world, scopes=(WRITE, "system/Patient.read")),
                             scope="system/Patient.read")
    assert _send(narrowed, patient["id"], _fever(clock)).status_code == 403
    assert count(app, Reading) == 0
    denied = audit_events(app, outcome="denied", patient_id=uuid.UUID(patient["id"]))
    assert len(denied) == 2 and {e.actor_type for e in denied} == {"client"}


def test_client_tokens_stay_off_staff_and_patient_routes_and_staff_tokens_still_work(
        world, app, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    gateway = client_caller(app, new_client(world, scopes=(WRITE, "system/*.read")))
    for path in ("/api/v1/patients", f"/api/v1/patients/{patient['id']}",
                 f"/api/v1/patients/{patient['id']}/timeline", "/api/v1/alerts",
                 "/api/v1/clients", "/api/v1/me", "/api/v1/me/today"):
        assert gateway.get(path).status_code == 403, path
    assert nurse.get(f"/api/v1/patients/{patient['id']}").status_code == 200
    assert _send(nurse, patient["id"], _fever(clock)).status_code == 403
    assert _send(device, patient["id"], _fever(clock)).status_code == 403
    assert count(app, Reading) == 0
    assert _send(gateway, patient["id"], _fever(clock)).status_code == 201


def test_a_patient_not_followed_now_is_a_conflict_and_nothing_is_stored(world, app, clock):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)  # on the team's list, never enrolled
    gateway = client_caller(app, new_client(world))
    refused = _send(gateway, patient["id"], _fever(clock))
    assert refused.status_code == 409 and "no active enrolment" in refused.json["message"]
    assert count(app, Reading) == 0 and count(app, IdempotencyRecord) == 0
