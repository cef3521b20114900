"""The patient's own recent values, for the charts of the patient app: temperature,
weight, pain and blood pressure, newest last, in their canonical unit.

Bounded: at most ``MY_VALUES_DAYS`` back and the newest ``MY_VALUES_PER_SERIES`` values
of each series. Pain comes from pain readings and from the pain answers of the
questionnaires (as on the nurses' chart, backend/web/chart_data.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from backend import db
from backend.clock import now
from backend.intake.models import Reading, Submission
from backend.limits import MY_VALUES_PER_SERIES
from backend.patients.models import Patient

UNITS = {"temperature": "Cel", "weight": "kg", "pain": "{score}", "systolic_bp": "mm[Hg]",
         "diastolic_bp": "mm[Hg]"}
PAIN_ANSWERS = ("pain_now",)  # daily-postop and pain-nrs: the pain at the time of answering


def my_values(patient: Patient, days: int) -> dict[str, Any]:
    since = now() - timedelta(days=days)
    series: dict[str, list[tuple[datetime, float]]] = {name: [] for name in UNITS}
    session = db.session()
    for name in UNITS:
        rows = session.execute(
            select(Reading.measured_at, Reading.numeric_value).where(
                Reading.patient_id == patient.id, Reading.type == name,
                Reading.measured_at >= since, Reading.numeric_value.is_not(None))
            .order_by(Reading.measured_at.desc(), Reading.id.desc())
            .limit(MY_VALUES_PER_SERIES))
        series[name] += [(at, float(value)) for at, value in rows]
    for at, answers in session.execute(
            select(Submission.submitted_at, Submission.answers).where(
                Submission.patient_id == patient.id, Submission.submitted_at >= since)
            .order_by(Submission.submitted_at.desc()).limit(MY_VALUES_PER_SERIES)):
        for link_id in PAIN_ANSWERS:
            value = answers.get(link_id)
            if isinstance(value, int | float) and not isinstance(value, bool):
                series["pain"].append((at, float(value)))
    return {"since": since, "series": [
        {"type": name, "unit": UNITS[name],
         "values": [{"at": at, "value": value}
                    for at, value in sorted(points)[-MY_VALUES_PER_SERIES:]]}
        for name, points in series.items()]}
