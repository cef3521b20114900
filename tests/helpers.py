"""Builders for API tests: everything goes through the HTTP API, as a user would."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pyotp
from flask import Flask

from backend import db
from backend.clock import FrozenClock
from backend.teams import services as team_services
from backend.text import CELL_SEPARATORS

PASSWORD = "correct horse battery staple"
# The consent a patient gives at enrolment, after reading the current information notice.
CONSENT = {"notice_version": 1, "given": True}
# The first and last instants of the calendar, each at the offset that puts it beyond
# the calendar in UTC: in an edited cursor, they must be refused, not overflow.
_MOST_OFFSET = timedelta(hours=23, minutes=59)
CALENDAR_ENDS = (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-_MOST_OFFSET)),
                 datetime(1, 1, 1, tzinfo=timezone(_MOST_OFFSET)))

_counter = itertools.count(1)


@dataclass
class Caller:
    """An HTTP client with a bearer token (or none)."""

    app: Flask
    token: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def _headers(self, headers: dict | None) -> dict:
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def request(self, method: str, path: str, json: Any = None, headers: dict | None = None,
                **kwargs: Any):
        client = self.app.test_client()
        return client.open(path, method=method, json=json, headers=self._headers(headers),
                           **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any):
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any):
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any):
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.request("DELETE", path, **kwargs)

    @property
    def id(self) -> str:
        return self.info["id"]


class World:
    def __init__(self, app: Flask, clock: FrozenClock) -> None:
        self.app = app
        self.clock = clock
        self._admin: Caller | None = None

    # -- staff -------------------------------------------------------------------------
    def admin(self) -> Caller:
        if self._admin is None:
            email = f"admin{next(_counter)}@hospital.test"
            with self.app.app_context():
                created = team_services.create_staff(email, "admin", "Admin", PASSWORD)
                db.session().commit()
            self._admin = self.sign_in(email, enrol_mfa=True,
                                       enrolment_code=created.enrolment.code)
        return self._admin

    def team(self, slug: str) -> str:
        response = self.admin().post("/api/v1/teams", json={"slug": slug, "name": slug.title()})
        assert response.status_code in (201, 409), response.json
        return slug

    def staff(self, role: str, teams: tuple[str, ...] = ("team-a",), enrol_mfa: bool = True,
              email: str | None = None, phone: str | None = None) -> Caller:
        for slug in teams:
            self.team(slug)
        email = email or f"{role}{next(_counter)}@hospital.test"
        response = self.admin().post("/api/v1/staff", json={
            "email": email, "display_name": role.title(), "role": role,
            "password": PASSWORD, "teams": list(teams), "phone": phone})
        assert response.status_code == 201, response.json
        return self.sign_in(email, enrol_mfa=enrol_mfa,
                            enrolment_code=response.json["mfa_enrolment_code"])

    def sign_in(self, email: str, enrol_mfa: bool, enrolment_code: str) -> Caller:
        """Sign in with the password; ``enrol_mfa``: then enrol TOTP with the enrolment
        code the administrator received (kept in ``info`` otherwise)."""
        anonymous = Caller(self.app)
        response = anonymous.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.json
        caller = Caller(self.app, response.json["access_token"], response.json["user"])
        caller.info["mfa_enrolment_code"] = enrolment_code
        if enrol_mfa:
            started = caller.post("/api/v1/auth/totp", json={"mfa_enrolment_code": enrolment_code})
            assert started.status_code == 201, started.json
            secret = started.json["secret"]
            code = pyotp.TOTP(secret).at(self.clock.now())
            confirmed = caller.post("/api/v1/auth/totp/confirm", json={"code": code})
            assert confirmed.status_code == 200, confirmed.json
            caller.info["totp_secret"] = secret
            caller.info["recovery_codes"] = confirmed.json["recovery_codes"]
        return caller

    def renew(self, caller: Caller) -> Caller:
        """Sign ``caller`` in again (after the clock moved past their token's lifetime)."""
        anonymous = Caller(self.app)
        login = anonymous.post("/api/v1/auth/login", json={"email": caller.info["email"],
                                                           "password": PASSWORD}).json
        if login.get("mfa_required"):
            code = pyotp.TOTP(caller.info["totp_secret"]).at(self.clock.now())
            login = anonymous.post("/api/v1/auth/mfa", json={"mfa_token": login["mfa_token"],
                                                             "code": code}).json
        caller.token = login["access_token"]
        return caller

    # -- patients ----------------------------------------------------------------------
    def patient(self, staff: Caller, **fields: Any) -> dict:
        body = {"given_name": "Jeanne", "family_name": f"Martin{next(_counter)}",
                "birth_date": "1950-04-02", "phone": "+33612345678", "language": "fr",
                "timezone": "Europe/Paris", **fields}
        response = staff.post("/api/v1/patients", json=body)
        assert response.status_code == 201, response.json
        return response.json

    def enrol(self, staff: Caller, patient_id: str, protocol: str = "ambulatory-general",
              surgery_date: date | None = None, protocol_version: int | None = None,
              discharge_at: datetime | None = None, carer_measures: bool = False) -> dict:
        """Enrolled now (discharged now unless ``discharge_at`` says otherwise)."""
        surgery_date = surgery_date or self.clock.now().date()
        body = {"protocol": protocol, "surgery_date": surgery_date.isoformat(),
                "carer_measures": carer_measures, "consent": CONSENT}
        if protocol_version is not None:
            body["protocol_version"] = protocol_version
        if discharge_at is not None:
            body["discharge_at"] = discharge_at.isoformat()
        response = staff.post(f"/api/v1/patients/{patient_id}/enrollments", json=body)
        assert response.status_code == 201, response.json
        return response.json

    def patient_device(self, staff: Caller, protocol: str = "ambulatory-general",
                       surgery_date: date | None = None, protocol_version: int | None = None,
                       discharge_at: datetime | None = None, carer_measures: bool = False,
                       **fields: Any) -> tuple[dict, Caller]:
        """A patient enrolled and activated: their record and their app's caller."""
        patient = self.patient(staff, **fields)
        code = self.enrol(staff, patient["id"], protocol, surgery_date,
                          protocol_version, discharge_at, carer_measures)["activation_code"]
        response = Caller(self.app).post("/api/v1/patient/activate",
                                         json={"activation_code": code})
        assert response.status_code == 201, response.json
        return patient, Caller(self.app, response.json["device_token"], response.json["patient"])


def today(clock: FrozenClock) -> date:
    return clock.now().date()


def run_worker(app: Flask, redis: Any) -> None:
    """A real RQ worker on the real Redis, in-process, until the queues are empty."""
    from rq import Queue, SimpleWorker

    from backend.job_runtime import QUEUES, set_worker_app

    set_worker_app(app)
    SimpleWorker([Queue(name, connection=redis) for name in QUEUES],
                 connection=redis).work(burst=True)


def count(app: Flask, model: type, **filters: Any) -> int:
    """Rows of ``model`` in the database (optionally filtered by column values)."""
    from sqlalchemy import func, select

    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in filters.items():
            query = query.where(getattr(model, name) == value)
        return db.session().scalar(query)


@contextmanager
def rows_read() -> Iterator[list[int]]:
    """The number of rows each query of the app's sessions returned, in order (writes
    without RETURNING return none and are left out)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    counts: list[int] = []

    def counting(state):
        if not state.is_select:
            return None
        frozen = state.invoke_statement().freeze()
        counts.append(len(frozen.data))
        return frozen()

    event.listen(Session, "do_orm_execute", counting)
    try:
        yield counts
    finally:
        event.remove(Session, "do_orm_execute", counting)


def spreadsheet_pieces(text: str) -> list[str]:
    """Every cell a spreadsheet may make of CSV ``text``: split on a comma, a semicolon
    (Excel in a French locale) or a tab with quotes honoured, and by a reader that
    ignores quotes, on any separator."""
    read = [cell for delimiter in ",;\t"
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            for cell in row]
    return read + [piece.strip('"') for piece in re.split(f"[{CELL_SEPARATORS}]", text)]


def audit_events(app: Flask, **filters: Any) -> list:
    from sqlalchemy import select

    from backend.audit.models import AuditEvent

    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.at)
        for name, value in filters.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(db.session().scalars(query))


# No free text: a patient's written words open a "message to read" for the nurses
# (tests/api/test_messages.py), which a normal recovery does not need.
NORMAL_DAILY = {
    "pain_now": 2, "pain_worst_24h": 3,
    "wound_redness": False, "wound_discharge": "none", "wound_bleeding": False,
    "wound_opening": False, "nausea": "none", "eating_drinking": "normal",
    "urination": "normal", "stools": "normal", "walking": "as_usual",
    "breathlessness": "none", "calf_pain": False,
}


def daily(**changes: Any) -> dict:
    """Answers to daily-postop: a normal recovery, with ``changes``."""
    return {**NORMAL_DAILY, **changes}


# "How are you getting about?" asked on days 1 and 2 only: read by no rule of
# ambulatory-general (hip-knee-arthroplasty's bedbound rule reads it).
WALKING_DAYS_1_2 = {"link_id": "walking", "days": {"from": 1, "to": 2},
                    "source": "Asked on the first days only (test)."}


def shipped_protocol(name: str = "ambulatory-general.v2") -> dict:
    """A shipped protocol file, as a surgeon would post it (a copy to change)."""
    from pathlib import Path

    import yaml

    folder = Path(__file__).resolve().parents[1] / "questionnaires" / "protocols"
    return yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))


def with_item_days(protocol: dict, questionnaire: str, *entries: dict, **top: Any) -> dict:
    """``protocol`` as its next version (or ``top``'s slug and version) whose schedule
    asks the ``entries`` of ``questionnaire`` on their days only."""
    changed = {**protocol, "version": protocol["version"] + 1, **top,
               "schedule": [dict(entry) for entry in protocol["schedule"]]}
    for entry in changed["schedule"]:
        if entry.get("questionnaire") == questionnaire:
            entry["item_days"] = list(entries)
    return changed


def submit(device: Caller, questionnaire: str, answers: dict, key: str | None = None,
           **body: Any):
    import uuid as uuid_module

    return device.post("/api/v1/me/submissions",
                       json={"questionnaire": questionnaire, "answers": answers, **body},
                       headers={"Idempotency-Key": key or str(uuid_module.uuid4())})
