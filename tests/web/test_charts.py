"""Charts stay small and quick whatever the number of readings, and draw the patient's
own thresholds."""

from __future__ import annotations

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


def _monitor(world, app, clock, days: timedelta, pulses: list[int]) -> None:
    """A heart-failure patient whose connected monitor sent ``pulses`` evenly over
    ``days`` up to now."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse)
    world.enrol(nurse, patient["id"], protocol="heart-failure",
                surgery_date=(clock.now() - days).date())
    with app.app_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        start, step = clock.now() - days, days / len(pulses)
        session.execute(insert(Reading), [{
            "id": uuid.uuid4(), "patient_id": enrollment.patient_id,
            "enrollment_id": enrollment.id, "type": "heart_rate", "value": str(pulse),
            "numeric_value": Decimal(pulse), "unit": "/min", "measured_at": start + step * i,
            "received_at": start + step * i, "source": "device"}
            for i, pulse in enumerate(pulses)])
        session.commit()


def test_25000_readings_draw_one_bar_a_day_from_a_summary(world, app, clock):
    """A connected monitor, every 100 s: the page reads a summary of each day, never the
    readings themselves (how fast that is, bench/ measures; here, the rows read)."""
    from tests.helpers import rows_read

    _monitor(world, app, clock, timedelta(days=29), [60 + i % 50 for i in range(READINGS)])
    with app.test_request_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        with rows_read() as counts:
            (chart,) = patient_charts(session.get(Patient, enrollment.patient_id), enrollment)
    assert sum(counts) <= 4 * 30, counts
    assert len(chart.svg) < 20_000, len(chart.svg)
    assert chart.svg.count("<circle") == 30  # one a day
    assert chart.svg.count('class="range"') == 30
    assert "25000 mesures" in chart.summary
    assert [text for _, text in chart.legend] == [
        "Pouls très anormal : ≥ 131/min", "Pouls très anormal : ≤ 40/min"]  # top first


def test_a_dense_series_keeps_every_abnormal_value_and_travels_as_one_row_a_day(
        world, app, clock):
    """5,000 pulses of a monitor, four of them beyond the protocol's lines on two days:
    the database summarises each day (no statement returns more than a few rows a day),
    and both days show their extreme value, a red dot and how many values were beyond."""
    from tests.helpers import rows_read

    values = {1000: 150, 1001: 135, 1002: 140, 4000: 35}  # two days of trouble
    _monitor(world, app, clock, timedelta(days=9, hours=23),
             [values.get(i, 70) for i in range(5000)])
    with app.test_request_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        with rows_read() as counts:
            (chart,) = patient_charts(session.get(Patient, enrollment.patient_id), enrollment)
    assert max(counts) <= 2 * 11, counts  # first and last value of each day, at most
    assert chart.svg.count('class="dot alert"') == 2
    assert "de 70 à 150" in chart.svg and "de 35 à 70" in chart.svg
    assert "3 valeur(s) sur" in chart.svg and "1 valeur(s) sur" in chart.svg
    assert chart.note.startswith("5000 mesures : une barre par jour")
    assert "Dont 4 au-delà d'un seuil" in chart.note
    assert "5000 mesures" in chart.summary


def test_pain_from_a_device_and_from_answers_is_one_series(world, app, clock):
    """A dense series summarised by the database and the answers of the same subject are
    drawn together: the answered 9 is in today's bar, counted with the readings."""
    from tests.helpers import daily, submit

    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse)
    assert submit(device, "daily-postop", daily(pain_now=9)).status_code == 201
    with app.app_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        start = clock.now() - timedelta(days=3)
        session.execute(insert(Reading), [{
            "id": uuid.uuid4(), "patient_id": enrollment.patient_id,
            "enrollment_id": enrollment.id, "type": "pain", "value": "2",
            "numeric_value": Decimal(2), "unit": "{score}",
            "measured_at": start + timedelta(minutes=40 * i), "received_at": clock.now(),
            "source": "device"} for i in range(100)])
        session.commit()
    with app.test_request_context():
        session = db.session()
        enrollment = session.scalar(select(Enrollment))
        charts = patient_charts(session.get(Patient, enrollment.patient_id), enrollment)
    pain = next(chart for chart in charts if chart.key == "pain")
    assert "101 mesures" in pain.summary
    assert "de 2 à 9" in pain.svg
