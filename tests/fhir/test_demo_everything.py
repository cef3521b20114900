"""Every demo patient (``suivi demo``'s own seed: two weeks of answers, readings, alerts,
messages, an SMS conversation and a web form) read whole through
``Patient/{id}/$everything``: each Bundle is checked by fhir.resources here and by
Medplum's validator at the end of the session (tests/fhir/conftest.py)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from backend import db, demo_data
from backend.patients.models import Patient
from tests.fhir.conftest import fhir_get
from tests.helpers import run_worker


def test_each_demo_patients_everything_validates(world, app, redis):
    with app.app_context():
        demo_data.seed("demo password of the test")
        ids = [str(i) for i in db.session().scalars(select(Patient.id))]
    run_worker(app, redis)  # what the seed queued goes out, as the demo's worker sends it
    nurse = world.staff("nurse", teams=(demo_data.TEAM[0],))
    assert len(ids) >= 5
    kinds = Counter()
    for patient_id in ids:
        bundle = fhir_get(nurse, f"/fhir/R4/Patient/{patient_id}/$everything")
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
        entries = [entry["resource"] for entry in bundle["entry"]]
        assert entries[0] == {**entries[0], "resourceType": "Patient", "id": patient_id}
        kinds.update(resource["resourceType"] for resource in entries)
    # The demo's history reaches every kind of resource a patient's record holds.
    assert {"Patient", "Observation", "QuestionnaireResponse", "CarePlan", "Flag", "Consent",
            "Task", "Communication"} <= set(kinds), kinds
