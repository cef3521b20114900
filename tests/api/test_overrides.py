"""Per-patient threshold overrides: bounded by what the rule reads, never a silent way of
turning a rule off, and kept with the old value, the new one and the reason (the trail
points at them)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from backend import db
from backend.protocols.models import ThresholdOverride
from tests.helpers import audit_events, count, daily, submit


def _setup(world):
    surgeon = world.staff("surgeon")
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    return surgeon, patient, device, f"/api/v1/patients/{patient['id']}/threshold-overrides"


def _override(rule_id, value, threshold="value", reason="patient under opioids"):
    return {"rule_id": rule_id, "threshold": threshold, "value": value, "reason": reason}


def test_a_threshold_beyond_the_scale_is_refused(world, app):
    """pain_now >= 99 on a 0-10 scale would never fire: refused, naming `value`."""
    surgeon, _, _, path = _setup(world)
    for value in (99, 11, -1):
        refused = surgeon.post(path, json=_override("pain-severe", value, "pain_now"))
        assert refused.status_code == 422, value
        [why] = refused.json["errors"]["json"]["value"]
        assert "daily-postop.pain_now (0–10" in why, why
    hot = surgeon.post(path, json=_override("fever", 60))
    assert hot.status_code == 422 and "25–45 Cel" in hot.json["errors"]["json"]["value"][0]
    assert count(app, ThresholdOverride) == 0


def test_the_maximum_of_the_scale_is_allowed_and_still_fires(world):
    surgeon, patient, device, path = _setup(world)
    created = surgeon.post(path, json=_override("pain-severe", 10, "pain_now"))
    assert created.status_code == 201, created.json
    answered = submit(device, "daily-postop", daily(pain_now=10, pain_worst_24h=10))
    assert answered.json["alerts_opened"]


def test_the_trail_points_at_the_kept_overrides_and_holds_no_clinical_value(world, app):
    """Who changed which patient's threshold and when is in the trail; the rule, the
    values and the reason stay in the override rows (a replaced one stamped, never
    deleted), under the care team's access control."""
    surgeon, patient, _, path = _setup(world)
    first = surgeon.post(path, json=_override("fever", 38.0, reason="immunosuppressed"))
    assert first.status_code == 201
    second = surgeon.post(path, json=_override("fever", 37.8, reason="on corticosteroids"))
    assert second.status_code == 201
    assert surgeon.delete(f"{path}/{second.json['id']}").status_code == 204
    trail = [(e.action, e.object_id, e.detail) for e in audit_events(
        app, patient_id=uuid.UUID(patient["id"])) if e.action.startswith("override.")]
    assert trail == [("override.set", first.json["id"], {"replaces": None}),
                     ("override.set", second.json["id"], {"replaces": first.json["id"]}),
                     ("override.remove", second.json["id"], {})]
    assert "fever" not in repr(trail) and "immunosuppressed" not in repr(trail)
    with app.app_context():
        rows = db.session().scalars(select(ThresholdOverride)
                                    .order_by(ThresholdOverride.created_at)).all()
        kept = [(r.rule_id, r.value, r.reason, r.removed_at is not None) for r in rows]
    assert kept == [("fever", 38.0, "immunosuppressed", True),
                    ("fever", 37.8, "on corticosteroids", True)]
