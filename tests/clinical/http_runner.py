"""Play a scenario through the real HTTP API, on a real database, with a frozen clock.

At the start of the enrolment day a nurse enrols a fresh patient in the scenario's
protocol and the app is activated; a surgeon sets the overrides and the SpO2 scale.
Before each step the tasks are planned as the scheduler's plan_tasks job would have
planned them by then (every task since the start of the enrolment day), the real
check-missed-tasks job runs at each time a task passed its grace unanswered, then the
clock is set to the step's time and the patient's app sends what the step says. The
outcome is the API's answer and the open alerts of the nurses' queue
(GET /api/v1/alerts?patient_id=...).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import db
from backend.enrollments.models import Enrollment
from backend.intake.jobs import check_missed_tasks
from backend.patients.models import Patient
from backend.smsforms import services as smsforms
from backend.smsforms.texts import EMERGENCY
from backend.tasks.models import Task
from backend.tasks.services import match_questionnaire, plan
from tests.clinical.engine_runner import PLANNING_HORIZON
from tests.clinical.scenario import Card, Outcome, Scenario, Step, reading_value
from tests.helpers import World, submit
from tests.smsforms import support as sms

PHONE = "+33612345678"  # World.patient's

REASON = "Scénario clinique de test"


class HttpRun:
    def __init__(self, world: World, scenario: Scenario) -> None:
        self.world, self.scenario = world, scenario
        world.clock.set(scenario.enrolled_at)
        self.last = scenario.enrolled_at
        self.nurse = world.staff("nurse")
        if scenario.published is not None:
            response = world.staff("surgeon").post("/api/v1/protocols", json=scenario.published)
            assert response.status_code == 201, response.json
        patient, self.device = world.patient_device(
            self.nurse, protocol=scenario.protocol.slug, surgery_date=scenario.surgery_date,
            protocol_version=scenario.protocol.version, timezone=scenario.timezone,
            carer_measures=scenario.carer_measures)
        self.patient_id = patient["id"]
        [enrollment] = self.nurse.get(f"/api/v1/patients/{self.patient_id}/enrollments").json
        self.enrollment_id = enrollment["id"]
        if scenario.overrides or scenario.spo2_scale:
            self._surgeon_settings(world.staff("surgeon"))
        if any(step.sms for step in scenario.steps):
            self._by_sms()
        if scenario.reminder_time:
            response = self.device.put("/api/v1/me/reminder-time", json={
                "reminder_time": f"{scenario.reminder_time:%H:%M}"})
            assert response.status_code == 200, response.json

    def _by_sms(self) -> None:
        """The patient answers by SMS: the enrolment's channel, and Twilio's signatures."""
        response = self.nurse.request(
            "PUT", f"/api/v1/patients/{self.patient_id}/enrollments/{self.enrollment_id}"
            "/channel", json={"channel": "sms"})
        assert response.status_code == 200, response.json
        self.world.app.config.update(TWILIO_AUTH_TOKEN=sms.TOKEN, SUIVI_PUBLIC_URL=sms.PUBLIC)

    def _surgeon_settings(self, surgeon) -> None:
        for override in self.scenario.overrides:
            response = surgeon.post(f"/api/v1/patients/{self.patient_id}/threshold-overrides",
                                    json={"rule_id": override.rule_id, "reason": REASON,
                                          "threshold": override.threshold,
                                          "value": override.value})
            assert response.status_code == 201, response.json
        if self.scenario.spo2_scale:
            path = (f"/api/v1/patients/{self.patient_id}/enrollments/{self.enrollment_id}"
                    "/spo2-scale")
            response = surgeon.request("PUT", path, json={
                "spo2_scale": self.scenario.spo2_scale, "reason": REASON})
            assert response.status_code == 200, response.json

    def play(self, step: Step) -> Outcome:
        now = self.scenario.time_of(step)
        self._plan(now)
        for at in self._missed_since(self.last, now):
            self.world.clock.set(at)
            check_missed_tasks()
        self.last = now
        self.world.clock.set(now)
        if step.resolve:
            alerts = [a for a in self._alerts("open,acknowledged")
                      if a["rule_group"] == step.resolve]
            assert len(alerts) == 1, (
                f"scenario {self.scenario.name}, {step.describe()}: no open alert to resolve")
            [alert] = alerts
            response = self.nurse.post(f"/api/v1/alerts/{alert['id']}/resolve",
                                       json={"outcome": "called_patient"})
            assert response.status_code == 200, response.json
            return Outcome(self._open())
        if step.sms:
            return self._replies(step)
        readings = [{"type": rtype, "value": value, "unit": unit,
                     "measured_at": now.isoformat()}
                    for rtype, raw in step.readings.items()
                    for value, unit in [reading_value(raw)]]
        not_asked = None
        if step.questionnaire:
            not_asked = self._items_not_asked(step)
            response = submit(self.device, step.questionnaire, step.sent_answers(),
                              readings=readings)
        else:
            response = self.device.post("/api/v1/me/readings", json={"readings": readings},
                                        headers={"Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code == 201, (
            f"scenario {self.scenario.name}, {step.describe()}: {response.json}")
        said = response.json
        groups = {a["id"]: a["rule_group"] for a in self._alerts("open,acknowledged,resolved")}
        return Outcome(
            alerts=self._open(), call_emergency=said["call_emergency"],
            cards=[Card(c["rule_id"], c["emergency"], c["text"]) for c in said["advice"]],
            opened={groups[alert_id] for alert_id in said["alerts_opened"]},
            task_done=said.get("task_done"), missing_readings=said.get("missing_readings"),
            reminder_at=self._reminder(step), items_not_asked=not_asked)

    def _items_not_asked(self, step: Step) -> list[str] | None:
        """What the app is told its task of the day does not ask (GET /me/today)."""
        tasks = self.device.get("/api/v1/me/today").json["tasks"]
        return next((t["items_not_asked"] for t in tasks
                     if t["questionnaire"] == step.questionnaire and t["day"] == step.day),
                    None)

    def _replies(self, step: Step) -> Outcome:
        """The questionnaire asked by SMS (as its reminder asks it), each reply posted
        through the signed webhook; the last reply's text is the patient's one card."""
        app = self.world.app
        with app.app_context():
            session = db.session()
            enrollment = session.get(Enrollment, uuid.UUID(self.enrollment_id))
            patient = session.get(Patient, uuid.UUID(self.patient_id))
            task = session.get(Task, match_questionnaire(
                enrollment, step.questionnaire, None, self.world.clock.now()).id)
            smsforms.ask(patient, enrollment, [task])
            session.commit()
        for text in step.sms:
            response = sms.reply(app.test_client(), text, sender=PHONE)
            assert response.status_code == 200, response.get_data(as_text=True)
        said = sms.said(response)
        with app.app_context():
            done = db.session().get(Task, task.id).status == "done"
        return Outcome(alerts=self._open(), call_emergency=EMERGENCY["fr"] in said,
                       cards=[Card(None, False, said)], task_done=done)

    def _reminder(self, step: Step) -> time | None:
        """Local time of the stored reminder of the day's task of the step's questionnaire."""
        with self.world.app.app_context():
            remind_at = db.session().scalar(select(Task.remind_at).where(
                Task.enrollment_id == uuid.UUID(self.enrollment_id),
                Task.questionnaire == step.questionnaire, Task.day == step.day))
        if remind_at is None:
            return None
        return remind_at.astimezone(ZoneInfo(self.scenario.timezone)).time()

    def _plan(self, now: datetime) -> None:
        app = self.world.app
        with app.app_context():
            enrollment = db.session().get(Enrollment, uuid.UUID(self.enrollment_id))
            patient = db.session().get(Patient, uuid.UUID(self.patient_id))
            plan(enrollment, patient, self.scenario.enrolled_at, now + PLANNING_HORIZON)
            db.session().commit()

    def _missed_since(self, start: datetime, end: datetime) -> list[datetime]:
        with self.world.app.app_context():
            return sorted(set(db.session().scalars(select(Task.missed_at).where(
                Task.enrollment_id == uuid.UUID(self.enrollment_id), Task.status == "pending",
                Task.missed_at > start, Task.missed_at <= end))))

    def _alerts(self, status: str) -> list[Mapping[str, Any]]:
        response = self.nurse.get("/api/v1/alerts", query_string={
            "patient_id": self.patient_id, "status": status, "include_snoozed": "true",
            "limit": 200})
        assert response.status_code == 200, response.json
        return response.json

    def _open(self) -> dict[str, tuple[str, str]]:
        alerts = self._alerts("open,acknowledged")
        assert len({a["rule_group"] for a in alerts}) == len(alerts), (
            f"two open alerts for one rule group: {alerts}")
        return {a["rule_group"]: (a["rule"], a["severity"]) for a in alerts}
