"""GET /me/values: the patient's own recent values for the app's charts, bounded and
audited; another patient's values never."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.helpers import audit_events, daily, submit


def _readings(device, clock, rtype, values, unit, hours_apart=24):
    start = clock.now() - timedelta(hours=hours_apart * len(values))
    body = {"readings": [{"type": rtype, "value": v, "unit": unit,
                          "measured_at": (start + timedelta(hours=hours_apart * i)).isoformat()}
                         for i, v in enumerate(values)]}
    response = device.post("/api/v1/me/readings", json=body,
                           headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.json


def _series(response) -> dict:
    return {s["type"]: [p["value"] for p in s["values"]] for s in response.json["series"]}


def test_the_patient_reads_their_own_values_oldest_first(world, app, clock):
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, surgery_date=clock.now().date()
                                           - timedelta(days=3))
    _, other = world.patient_device(nurse)
    _readings(device, clock, "weight", [72.5, 73.0, 74.1], "kg")
    _readings(device, clock, "temperature", [98.6], "[degF]")  # stored in °C
    _readings(device, clock, "systolic_bp", [135], "mm[Hg]")
    _readings(device, clock, "diastolic_bp", [85], "mm[Hg]")
    assert submit(device, "daily-postop", daily(pain_now=4)).status_code == 201
    _readings(other, clock, "weight", [99.0], "kg")

    response = device.get("/api/v1/me/values?days=7")
    assert response.status_code == 200, response.json
    series = _series(response)
    assert series["weight"] == [72.5, 73.0, 74.1]
    assert series["temperature"] == [37.0]
    assert series["pain"] == [4.0]
    assert series["systolic_bp"] == [135.0] and series["diastolic_bp"] == [85.0]
    units = {s["type"]: s["unit"] for s in response.json["series"]}
    assert units["temperature"] == "Cel" and units["weight"] == "kg"
    [event] = audit_events(app, action="me.values")
    assert str(event.patient_id) == patient["id"] and event.detail == {"days": 7}


def test_values_are_bounded_in_days_and_count(world, app, clock):
    from backend.limits import MY_VALUES_DAYS, MY_VALUES_PER_SERIES

    nurse = world.staff("nurse")
    _, device = world.patient_device(nurse)
    _readings(device, clock, "weight", [70 + i / 10 for i in range(MY_VALUES_PER_SERIES + 5)],
              "kg", hours_apart=1)
    _readings(device, clock, "temperature", [37.0], "Cel", hours_apart=24 * 5)  # 5 days ago
    series = _series(device.get("/api/v1/me/values"))
    assert len(series["weight"]) == MY_VALUES_PER_SERIES
    assert series["weight"][-1] == 70 + (MY_VALUES_PER_SERIES + 4) / 10  # the newest kept
    assert _series(device.get("/api/v1/me/values?days=2"))["temperature"] == []
    for bad in (0, MY_VALUES_DAYS + 1, "many"):
        refused = device.get(f"/api/v1/me/values?days={bad}")
        assert refused.status_code == 422 and "days" in refused.json["errors"]["query"]


def test_values_need_the_patients_own_device(world, app):
    nurse = world.staff("nurse")
    assert nurse.get("/api/v1/me/values").status_code in (401, 403)


def test_values_are_in_the_openapi_schema(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/me/values"]["get"]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["days"]
    assert "MyValuesOut" in spec["components"]["schemas"]
