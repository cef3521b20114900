"""The ward sets the hour a patient's reminders come, on the patient page: a refused hour
is explained and changes nothing; an administrator cannot; every change is audited."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from backend import db
from backend.enrollments.models import Enrollment
from tests.helpers import audit_events
from tests.web.test_audit_pages import _web
from tests.web.test_override_pages import _csrf


def _reminder_time(app) -> str | None:
    with app.app_context():
        return db.session().scalars(select(Enrollment.reminder_time)).one()


def test_the_nurse_sets_then_clears_the_reminder_hour(world, app, clock):
    nurse = world.staff("nurse")
    patient, _device = world.patient_device(
        nurse, family_name="Roux", surgery_date=clock.now().date() - timedelta(days=1))
    web = _web(app, nurse)
    page = f"/web/patients/{patient['id']}"
    with app.app_context():
        enrollment_id = db.session().scalars(select(Enrollment.id)).one()
    action = f"{page}/enrollments/{enrollment_id}/reminder-time"

    late = web.post(action, data={"csrf": _csrf(web, patient["id"]), "reminder_time": "23:30"})
    assert late.status_code == 302 and late.headers["Location"].endswith("#reminders")
    html = web.get(page).get_data(as_text=True)
    refusal = html[html.index('role="alert"'):][:400]
    assert "reminder_time" in refusal and "06:00" in refusal, refusal  # the field, the range
    assert _reminder_time(app) is None

    web.post(action, data={"csrf": _csrf(web, patient["id"]), "reminder_time": "08:30"})
    assert _reminder_time(app) == "08:30"
    assert "à 08:30, heure du patient" in web.get(page).get_data(as_text=True)
    web.post(action, data={"csrf": _csrf(web, patient["id"]), "reminder_time": ""})
    assert _reminder_time(app) is None
    assert len(audit_events(app, action="enrollment.reminder_time",
                            patient_id=uuid.UUID(patient["id"]))) >= 2


def test_an_administrator_cannot_change_it(world, app, clock):
    nurse = world.staff("nurse")
    patient, _device = world.patient_device(
        nurse, family_name="Roux", surgery_date=clock.now().date() - timedelta(days=1))
    with app.app_context():
        enrollment_id = db.session().scalars(select(Enrollment.id)).one()
    admin = _web(app, world.staff("admin"))
    with admin.session_transaction() as session:
        session["csrf"] = "x" * 32
    answer = admin.post(
        f"/web/patients/{patient['id']}/enrollments/{enrollment_id}/reminder-time",
        data={"csrf": "x" * 32, "reminder_time": "08:00"})
    assert answer.status_code in (302, 403)
    assert _reminder_time(app) is None
