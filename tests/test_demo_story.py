"""The demo tells the same story whatever the hour it starts: each patient's history
ends on the latest day of each questionnaire and reading, so the queue the demo nurse
opens holds the same alerts at 07:00, at 10:30 (Paris), when the 09:00 vitals are due
but not yet the 10:00 daily check, and in the afternoon."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend import db, demo_data
from backend.alerts.models import Alert
from backend.patients.models import Patient

# What each profile of backend/demo_history.py says, as alerts: (family name, rule or
# severity, status).
STORY = {
    ("Benali", "high", "open"),  # fever, vomiting, nothing kept down: call 15
    ("Dubois", "pain-severe-persistent", "open"),
    ("Dubois", "wound-redness", "resolved"),  # the false alarms of the indicators
    ("Lefèvre", "weight-gain-3d", "open"),
    ("Martin", "fever", "resolved"),  # handled by phone on day 1
    ("Garnier", "wound-redness", "open"),
}


@pytest.mark.parametrize("hour", [6, 8.5, 9.5, 15])  # UTC: 07:00, 09:30, 10:30, 16:00 Paris
def test_the_demo_queue_tells_the_same_story_at_any_hour(app, clock, hour):
    clock.set(datetime(2026, 12, 2, int(hour), int(hour % 1 * 60), tzinfo=UTC))
    with app.app_context():
        demo_data.seed("demo password of the test")
        rows = db.session().execute(select(Patient.family_name, Alert.rule_id, Alert.severity,
                                           Alert.status).join(Patient,
                                                              Patient.id == Alert.patient_id))
        seen = set()
        for family, rule, severity, status in rows:
            seen |= {(family, rule, status), (family, severity, status)}
    assert seen >= STORY, STORY - seen
