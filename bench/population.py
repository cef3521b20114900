"""People for the benchmarks, created over HTTP as the staff and the patient app would:
a care team, a nurse with a phone, patients enrolled, their phones activated."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.stack import PASSWORD, Client, Stack, expect

TEAM = "bench"
PROTOCOL = "ambulatory-general"
# No free text: written words open a "message to read" (an alert) for the nurses.
NORMAL_DAILY = {
    "pain_now": 2, "pain_worst_24h": 3,
    "wound_redness": False, "wound_discharge": "none", "wound_bleeding": False,
    "wound_opening": False, "nausea": "none", "eating_drinking": "normal",
    "urination": "normal", "stools": "normal", "walking": "as_usual",
    "breathlessness": "none", "calf_pain": False, "temperature": 37.1,
}
_names = itertools.count(1)


@dataclass(frozen=True)
class Patient:
    id: str
    enrollment_id: str
    app: Client  # the patient's phone: a client with its device token


def daily(**changes: object) -> dict:
    """A daily-postop submission body: a normal recovery, with ``changes``."""
    return {"questionnaire": "daily-postop", "answers": {**NORMAL_DAILY, **changes}}


def sign_in(stack: Stack, email: str) -> Client:
    anonymous = Client(stack.url)
    login = expect(anonymous.post("/api/v1/auth/login", {"email": email, "password": PASSWORD}),
                   200, f"login {email}")
    return anonymous.with_token(login["access_token"])


def nurse(stack: Stack) -> Client:
    """The care team and its nurse (with a phone, so alerts page her), signed in."""
    admin = sign_in(stack, "admin@bench.test")
    expect(admin.post("/api/v1/teams", {"slug": TEAM, "name": "Bench ward"}), 201, "team")
    expect(admin.post("/api/v1/staff", {
        "email": "nurse@bench.test", "display_name": "Nurse", "role": "nurse",
        "password": PASSWORD, "teams": [TEAM], "phone": "+33611111111"}), 201, "nurse")
    return sign_in(stack, "nurse@bench.test")


def _one_patient(stack: Stack, staff: Client) -> Patient:
    record = expect(staff.post("/api/v1/patients", {
        "given_name": "Jeanne", "family_name": f"Bench{next(_names)}",
        "birth_date": "1950-04-02", "phone": "+33612345678", "language": "fr",
        "timezone": "Europe/Paris"}), 201, "patient")
    surgery = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    enrolled = expect(staff.post(f"/api/v1/patients/{record['id']}/enrollments", {
        "protocol": PROTOCOL, "surgery_date": surgery,
        "consent": {"notice_version": 1, "given": True}}), 201, "enrolment")
    device = expect(Client(stack.url).post("/api/v1/patient/activate", {
        "activation_code": enrolled["activation_code"]}), 201, "activation")
    app = Client(stack.url, device["device_token"])
    # The app opens on today's screen first, which plans the day's tasks.
    expect(app.get("/api/v1/me/today"), 200, "today")
    return Patient(record["id"], enrolled["enrollment"]["id"], app)


def patients(stack: Stack, staff: Client, count: int, threads: int = 8) -> list[Patient]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: _one_patient(stack, staff), range(count)))
