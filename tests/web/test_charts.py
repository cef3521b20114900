"""Charts stay small and quick whatever the number of readings, and draw the patient's
own thresholds."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from backend import db
from backend.enrollments.models import Enrollment
from backend.intake.models import Reading
from backend.patients.models import Patient
from backend.web.chart_data import patient_charts

READINGS = 25_000


def test_25000_readings_draw_one_bar_a_day_quickly(world, app, clock):
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    world.enrol(nurse, patient["id"], protocol="heart-failure",
                surgery_date=clock.now().date() - timedelta(days=29))
    with app.test_request_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        start = clock.now() - timedelta(days=29)
        step = timedelta(days=29) / READINGS  # a connected monitor, every 100 s
        session.execute(insert(Reading), [{
            "id": uuid.uuid4(), "patient_id": enrollment.patient_id,
            "enrollment_id": enrollment.id, "type": "heart_rate", "value": str(60 + i % 50),
            "numeric_value": Decimal(60 + i % 50), "unit": "/min",
            "measured_at": start + step * i, "received_at": start + step * i,
            "source": "device"} for i in range(READINGS)])
        session.commit()
        began = time.perf_counter()
        (chart,) = patient_charts(session.get(Patient, enrollment.patient_id), enrollment)
        elapsed = time.perf_counter() - began
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    assert len(chart.svg) < 20_000, len(chart.svg)
    assert chart.svg.count("<circle") == 30  # one a day
    assert chart.svg.count('class="range"') == 30
    assert "25000 mesures" in chart.summary
    assert [text for _, text in chart.legend] == [
        "Pouls très anormal : ≥ 131/min", "Pouls très anormal : ≤ 40/min"]  # top first
