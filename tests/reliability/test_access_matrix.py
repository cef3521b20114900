"""Access-control matrix generated from the app's URL map.

Every route under /api/v1 and /fhir/R4 is called as each principal below, with its parameters filled
from one fixture world and a valid body; the outcome class of each answer (401, 403, 404,
or through the gate) must match the table declared here. A route without an entry in the
table, or an entry for a route that is gone, fails the test: adding a route means
deciding who may call it.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from flask import Flask
from sqlalchemy import select, text

from backend import cursor as cursors
from backend.app import create_app
from backend.clients.models import SCOPES
from backend.clock import FrozenClock
from backend.models import Base
from tests.conftest import DATABASE_URL, ROOT, START, is_postgres
from tests.helpers import CONSENT, PASSWORD, Caller, World, audit_events, daily, submit

pytestmark = pytest.mark.reliability

Route = tuple[str, str]  # (method, rule without converters), e.g. ("GET", "/api/v1/me")

# Called in this order on each route, in a world of their own: whatever a call destroys
# (a revoked token, a reset second factor, a resolved alert) is the caller's own or
# comes after everyone else has been tried, so administrators go last.
PRINCIPALS = ("anonymous", "patient", "other_patient", "client", "other_client", "other_nurse",
              "nurse", "surgeon", "admin")
# Not in the table: another team's surgeon only probes the care-team scoping of the
# surgeon-only patient routes, which refuse another team's nurse by role before any lookup.

EVERYONE = frozenset(PRINCIPALS)
AUTHENTICATED = EVERYONE - {"anonymous"}
PATIENT_APP = frozenset({"patient", "other_patient"})  # a patient reaches only their own data
# Integration clients (a gateway of the patient's team, one of another team), each with
# every scope: what stops them is the route and the care team, not a missing scope.
CLIENTS = frozenset({"client", "other_client"})
GATEWAY = frozenset({"client"})
STAFF = frozenset({"other_nurse", "nurse", "surgeon", "admin"})
CLINICIANS = frozenset({"other_nurse", "nurse", "surgeon"})
CARE_TEAM = frozenset({"nurse", "surgeon", "admin"})  # admins may read any patient
CLINICAL = frozenset({"nurse", "surgeon"})
SURGEON = frozenset({"surgeon"})
ADMIN = frozenset({"admin"})

# -- the declared access: who gets through the gate of each route ------------------------
ACCESS: dict[Route, frozenset[str]] = {
    ("POST", "/api/v1/auth/login"): EVERYONE,
    ("POST", "/api/v1/auth/mfa"): EVERYONE,
    ("POST", "/api/v1/auth/logout"): STAFF,
    ("GET", "/api/v1/auth/me"): STAFF,
    ("POST", "/api/v1/auth/totp"): STAFF,
    ("POST", "/api/v1/auth/totp/confirm"): STAFF,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("POST", "/api/v1/patient/activate"): EVERYONE,
    ("GET", "/api/v1/me"): PATIENT_APP,
    ("DELETE", "/api/v1/me/device"): PATIENT_APP,
    ("PUT", "/api/v1/me/push-token"): PATIENT_APP,
    ("POST", "/api/v1/me/push-tokens"): PATIENT_APP,
    ("PUT", "/api/v1/me/reminder-time"): PATIENT_APP,
    ("POST", "/api/v1/me/readings"): PATIENT_APP,
    ("POST", "/api/v1/me/submissions"): PATIENT_APP,
    ("GET", "/api/v1/me/today"): PATIENT_APP,
    ("GET", "/api/v1/me/values"): PATIENT_APP,
    ("GET", "/api/v1/questionnaires"): AUTHENTICATED,
    ("GET", "/api/v1/questionnaires/<slug>"): AUTHENTICATED,
    ("GET", "/api/v1/alerts"): STAFF,
    ("GET", "/api/v1/alerts/<alert_id>"): CARE_TEAM,
    ("POST", "/api/v1/alerts/<alert_id>/acknowledge"): CLINICAL,
    ("POST", "/api/v1/alerts/<alert_id>/assign"): CLINICAL,
    ("POST", "/api/v1/alerts/<alert_id>/notes"): CLINICAL,
    ("POST", "/api/v1/alerts/<alert_id>/resolve"): CLINICAL,
    ("POST", "/api/v1/alerts/<alert_id>/snooze"): CLINICAL,
    ("GET", "/api/v1/triage"): STAFF,
    ("POST", "/api/v1/patients/<patient_id>/alerts/acknowledge"): CLINICAL,
    ("POST", "/api/v1/patients/<patient_id>/alerts/resolve"): CLINICAL,
    ("GET", "/api/v1/patients"): STAFF,
    ("POST", "/api/v1/patients"): CLINICIANS,
    ("GET", "/api/v1/patients/<patient_id>"): CARE_TEAM,
    ("PATCH", "/api/v1/patients/<patient_id>"): CLINICAL,
    ("GET", "/api/v1/patients/<patient_id>/devices"): CARE_TEAM,
    ("DELETE", "/api/v1/patients/<patient_id>/devices/<device_id>"): CLINICAL,
    ("GET", "/api/v1/patients/<patient_id>/enrollments"): CARE_TEAM,
    ("POST", "/api/v1/patients/<patient_id>/enrollments"): CLINICAL,
    ("POST", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/activation-code"):
        CLINICAL,
    ("POST", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/protocol-version"):
        SURGEON,
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/spo2-scale"): SURGEON,
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/channel"): CLINICAL,
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/outcome"): CLINICAL,
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/carer"): CLINICAL,
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/reminder-time"):
        CLINICAL,
    ("POST", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/activation-code/sms"):
        CLINICAL,
    ("GET", "/api/v1/patients/<patient_id>/teleconsultations"): CARE_TEAM,
    ("POST", "/api/v1/patients/<patient_id>/teleconsultations"): CLINICAL,
    ("GET", "/api/v1/patients/<patient_id>/threshold-overrides"): CARE_TEAM,
    ("POST", "/api/v1/patients/<patient_id>/threshold-overrides"): SURGEON,
    ("DELETE", "/api/v1/patients/<patient_id>/threshold-overrides/<override_id>"): SURGEON,
    ("GET", "/api/v1/patients/<patient_id>/timeline"): CARE_TEAM,
    ("GET", "/api/v1/patients/<patient_id>/messages"): CARE_TEAM,
    ("GET", "/api/v1/patients/<patient_id>/consents"): CARE_TEAM,
    ("POST", "/api/v1/patients/<patient_id>/consents/<consent_id>/withdraw"): CLINICAL,
    ("GET", "/api/v1/patients/<patient_id>/export"): CARE_TEAM,
    ("POST", "/api/v1/patients/<patient_id>/erasure"): ADMIN,
    ("GET", "/api/v1/me/export"): PATIENT_APP,
    ("GET", "/api/v1/protocols"): STAFF,
    ("POST", "/api/v1/protocols"): SURGEON,
    ("GET", "/api/v1/protocols/<slug>"): STAFF,
    ("POST", "/api/v1/protocols/<slug>/dry-run"): CLINICIANS,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/indicators"): STAFF,
    ("GET", "/api/v1/staff"): ADMIN,
    ("POST", "/api/v1/staff"): ADMIN,
    ("PATCH", "/api/v1/staff/<staff_id>"): ADMIN,
    ("POST", "/api/v1/staff/<staff_id>/reset-mfa"): ADMIN,
    ("GET", "/api/v1/teams"): STAFF,
    ("POST", "/api/v1/teams"): ADMIN,
    ("PATCH", "/api/v1/teams/<slug>"): ADMIN,
    ("POST", "/api/v1/teams/<slug>/members"): ADMIN,
    ("DELETE", "/api/v1/teams/<slug>/members/<staff_id>"): ADMIN,
    ("GET", "/fhir/R4/metadata"): EVERYONE,
    ("GET", "/fhir/R4/Patient"): STAFF | CLIENTS,
    ("GET", "/fhir/R4/Patient/<patient_id>"): CARE_TEAM | GATEWAY,
    ("GET", "/fhir/R4/Observation"): CARE_TEAM | GATEWAY,  # searched by the patient: theirs only
    ("POST", "/fhir/R4/Observation"): CLINICAL | GATEWAY,
    ("GET", "/fhir/R4/Observation/<observation_id>"): CARE_TEAM | GATEWAY,
    ("GET", "/fhir/R4/QuestionnaireResponse"): CARE_TEAM | GATEWAY,  # searched by the patient
    ("GET", "/fhir/R4/QuestionnaireResponse/<response_id>"): CARE_TEAM | GATEWAY,
    ("GET", "/fhir/R4/Patient/<patient_id>/$everything"): CARE_TEAM | GATEWAY,
    ("GET", "/fhir/R4/CarePlan"): CARE_TEAM | GATEWAY,  # searched by the patient
    ("GET", "/fhir/R4/CarePlan/<enrollment_id>"): CARE_TEAM | GATEWAY,
    ("GET", "/fhir/R4/Flag"): CARE_TEAM | GATEWAY,  # searched by the patient
    ("GET", "/fhir/R4/Flag/<alert_id>"): CARE_TEAM | GATEWAY,
    ("GET", "/fhir/R4/Consent"): CARE_TEAM | GATEWAY,  # searched by the patient
    ("GET", "/fhir/R4/Consent/<consent_id>"): CARE_TEAM | GATEWAY,
    ("GET", "/fhir/R4/Task"): CARE_TEAM | GATEWAY,  # searched by the patient
    ("GET", "/fhir/R4/Communication"): CARE_TEAM | GATEWAY,  # searched by the patient
    ("GET", "/fhir/R4/AuditEvent"): CARE_TEAM,  # searched by the patient; staff only
    ("POST", "/fhir/R4/QuestionnaireResponse"): CLINICAL | GATEWAY,
    ("GET", "/fhir/R4/Questionnaire"): STAFF | CLIENTS,  # no patient data
    ("GET", "/fhir/R4/Questionnaire/<questionnaire_id>"): STAFF | CLIENTS,
    ("GET", "/api/v1/clients"): ADMIN,
    ("POST", "/api/v1/clients"): ADMIN,
    ("GET", "/api/v1/clients/<client_id>"): ADMIN,
    ("POST", "/api/v1/clients/<client_id>/revoke"): ADMIN,
    ("POST", "/api/v1/patients/<patient_id>/readings"): GATEWAY,
}

# The only routes integration clients reach (besides public content).
CLIENT_ROUTES: frozenset[Route] = frozenset({("POST", "/api/v1/patients/<patient_id>/readings")}
                                           | {route for route in ACCESS
                                              if route[1].startswith("/fhir/R4/")})

# No token needed (the OpenAPI document describes the API and holds no data).
PUBLIC: frozenset[Route] = frozenset({
    ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/mfa"),
    ("POST", "/api/v1/patient/activate"), ("GET", "/api/v1/openapi.json"),
    ("GET", "/fhir/R4/metadata"),
})

# Routes on which no principal of this world can succeed, and why; everywhere else at
# least one allowed caller must get a 2xx, so the bodies below stay valid.
NO_SUCCESS: dict[Route, str] = {
    ("POST", "/api/v1/auth/totp"): "every staff member here already has a second factor",
    ("POST", "/api/v1/auth/totp/confirm"): "every staff member here already has one",
}

# Parameters that name something of the patient: a route holding one is patient-scoped.
PATIENT_SCOPE = ("patient_id", "alert_id", "observation_id", "response_id", "enrollment_id",
                 "consent_id")


# -- the fixture world ---------------------------------------------------------------------
@dataclass
class Matrix:
    app: Flask
    tokens: dict[str, str | None]
    ids: dict[str, str]
    family_name: str
    nurse_email: str
    recovery_codes: list[str]
    activation_code: str

    def new_mfa_token(self) -> str:
        """The nurse's password step, done again."""
        login = Caller(self.app).post("/api/v1/auth/login", json={
            "email": self.nurse_email, "password": PASSWORD})
        assert login.json.get("mfa_token"), login.json
        return login.json["mfa_token"]

    def secrets_of_patient(self) -> list[str]:
        """What another team or another patient must never read in a successful answer."""
        keys = ("patient_id", "enrollment_id", "alert_id", "device_id", "override_id",
                "observation_id", "response_id", "consent_id")
        return [self.ids[key] for key in keys] + [self.family_name]


OVERRIDE = {"rule_id": "fever", "threshold": "value", "value": 38.0,
            "reason": "immunosuppressed patient: lower fever threshold"}


def _build(world: World) -> Matrix:
    admin = world.admin()
    nurse = world.staff("nurse")
    surgeon = world.staff("surgeon")
    outsider = world.staff("nurse", teams=("team-b",))
    outside_surgeon = world.staff("surgeon", teams=("team-b",))
    patient, device = world.patient_device(nurse, family_name="Vauquelin")
    _, other_device = world.patient_device(nurse)
    pid = patient["id"]
    answered = submit(device, "daily-postop", daily(calf_pain=True))
    assert answered.status_code == 201 and answered.json["alerts_opened"], answered.json
    measured = device.post("/api/v1/me/readings", headers={"Idempotency-Key": "matrix"},
                           json={"readings": [{"type": "temperature", "value": 37.1,
                                               "measured_at": _iso(-timedelta(hours=1))}]})
    assert measured.status_code == 201, measured.json
    enrollment_id = nurse.get(f"/api/v1/patients/{pid}/enrollments").json[0]["id"]
    device_id = nurse.get(f"/api/v1/patients/{pid}/devices").json[0]["id"]
    consent_id = nurse.get(f"/api/v1/patients/{pid}/consents").json[0]["id"]
    override = surgeon.post(f"/api/v1/patients/{pid}/threshold-overrides", json=OVERRIDE)
    assert override.status_code == 201, override.json
    code = nurse.post(f"/api/v1/patients/{pid}/enrollments/{enrollment_id}/activation-code")
    assert code.status_code == 201, code.json
    gateway, other_gateway = (_gateway(world, admin, team) for team in ("team-a", "team-b"))
    return Matrix(
        app=world.app,
        tokens={"anonymous": None, "patient": device.token, "other_patient": other_device.token,
                "other_nurse": outsider.token, "nurse": nurse.token, "surgeon": surgeon.token,
                "admin": admin.token, "other_surgeon": outside_surgeon.token,
                "client": gateway[1], "other_client": other_gateway[1]},
        ids={"patient_id": pid, "enrollment_id": enrollment_id,
             "alert_id": answered.json["alerts_opened"][0], "device_id": device_id,
             "override_id": override.json["id"], "staff_id": nurse.id,
             "observation_id": measured.json["ids"][0], "response_id": answered.json["id"],
             "consent_id": consent_id, "questionnaire_id": "daily-postop",
             "other_nurse_id": outsider.id, "other_surgeon_id": outside_surgeon.id,
             "client_id": gateway[0], "other_client_id": other_gateway[0]},
        family_name=patient["family_name"], nurse_email=nurse.info["email"],
        recovery_codes=list(nurse.info["recovery_codes"]),
        activation_code=code.json["activation_code"])


def _gateway(world: World, admin: Caller, team: str) -> tuple[str, str]:
    """A client of ``team`` with every scope: its id and an access token."""
    made = admin.post("/api/v1/clients", json={"name": f"Passerelle {team}", "care_team": team,
                                               "scopes": list(SCOPES)})
    assert made.status_code == 201, made.json
    token = world.app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": made.json["client_id"],
        "client_secret": made.json["client_secret"]})
    assert token.status_code == 200, token.json
    return made.json["client_id"], token.json["access_token"]


def _rows(app: Flask) -> dict[str, list[dict]]:
    """Every row, without the generated columns (the database computes them again)."""
    with app.extensions["suivi"].engine.connect() as connection:
        return {table.name: [dict(row._mapping) for row in connection.execute(
                    select(*(c for c in table.columns if c.computed is None)))]
                for table in Base.metadata.sorted_tables}


def _restore(app: Flask, rows: dict[str, list[dict]]) -> None:
    """PostgreSQL: put back exactly ``rows`` (TRUNCATE skips the audit trail's triggers)."""
    tables = Base.metadata.sorted_tables
    with app.extensions["suivi"].engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} CASCADE"))
        for table in tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])


def _sqlite_copy(app: Flask, source: str, target: str) -> None:
    app.extensions["suivi"].engine.dispose()  # no connection left on the file replaced
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture(scope="module")
def built(template_db, redis_url, tmp_path_factory):
    """One app and one world for the whole module, built through the API once: a new app
    per test costs more than the calls themselves, and argon2 makes staff accounts slow.
    Each test then gets the world back exactly as built (see ``matrix``)."""
    directory = tmp_path_factory.mktemp("access-matrix")
    live, snapshot = directory / "suivi.db", directory / "world.db"
    url = DATABASE_URL if is_postgres() else f"sqlite:///{live}"
    app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url,
                      "SECRET_KEY": "test-secret-key", "SUIVI_DATA_DIR": str(directory),
                      "SUIVI_DEMO": False, "SUIVI_TESTING": True, "TESTING": True})
    app.extensions["suivi"].clock = clock = FrozenClock(START)
    if is_postgres():
        _restore(app, {**{t.name: [] for t in Base.metadata.sorted_tables},
                       **template_db["content"]})
    else:
        shutil.copyfile(template_db["path"], live)
    world = _build(World(app, clock))
    if is_postgres():
        rows = _rows(app)
        yield app, world, lambda: _restore(app, rows)
    else:
        _sqlite_copy(app, str(live), str(snapshot))
        yield app, world, lambda: _sqlite_copy(app, str(snapshot), str(live))
    app.extensions["suivi"].engine.dispose()


@pytest.fixture
def matrix(built) -> Matrix:
    """The fixture world, fresh for this test: nothing a previous route changed remains."""
    app, world, reset = built
    reset()
    app.extensions["suivi"].redis.flushdb()  # the counters of the previous route
    app.extensions["suivi"].clock = FrozenClock(START)
    return world


# -- requests: parameters, bodies, queries ---------------------------------------------------
@cache
def _protocol_next() -> dict:
    """A new version of the shipped ambulatory protocol, as a surgeon would publish it."""
    path = ROOT / "questionnaires" / "protocols" / "ambulatory-general.v2.yaml"
    return {**yaml.safe_load(Path(path).read_text()), "version": 3}


def _iso(delta: timedelta) -> str:
    return (START + delta).isoformat()


# The body each principal sends (a valid one: then 2xx against 401/403/404 means something);
# routes not listed get {} (POST, PUT, PATCH) or nothing.
BODIES: dict[Route, Callable[[Matrix, str], Any]] = {
    ("POST", "/api/v1/auth/login"): lambda m, who: {"email": m.nurse_email,
                                                    "password": PASSWORD},
    # An mfa_token serves once: each caller signs in anew.
    ("POST", "/api/v1/auth/mfa"): lambda m, who: {
        "mfa_token": m.new_mfa_token(), "code": m.recovery_codes[PRINCIPALS.index(who)]},
    ("POST", "/api/v1/auth/totp/confirm"): lambda m, who: {"code": "123456"},
    ("POST", "/api/v1/patient/activate"): lambda m, who: {"activation_code": m.activation_code},
    ("PUT", "/api/v1/me/push-token"): lambda m, who: {"push_token": "fcm-token-of-this-phone"},
    ("POST", "/api/v1/me/push-tokens"): lambda m, who: {"push_token": "fcm-token-of-that-phone"},
    ("PUT", "/api/v1/me/reminder-time"): lambda m, who: {"reminder_time": "08:30"},
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/reminder-time"):
        lambda m, who: {"reminder_time": "09:00"},
    ("POST", "/api/v1/me/readings"): lambda m, who: {"readings": [
        {"type": "temperature", "value": 37.2, "unit": "Cel", "measured_at": _iso(-timedelta(
            minutes=5))}]},
    ("POST", "/api/v1/patients/<patient_id>/readings"): lambda m, who: {"readings": [
        {"type": "temperature", "value": 37.2, "unit": "Cel", "measured_at": _iso(-timedelta(
            minutes=5))}]},
    ("POST", "/api/v1/clients"): lambda m, who: {
        "name": f"Passerelle {who}", "care_team": "team-a", "scopes": ["system/Patient.read"]},
    ("POST", "/api/v1/me/submissions"): lambda m, who: {"questionnaire": "daily-postop",
                                                        "answers": daily()},
    ("POST", "/api/v1/alerts/<alert_id>/assign"): lambda m, who: {"staff_id": m.ids["staff_id"]},
    ("POST", "/api/v1/alerts/<alert_id>/notes"): lambda m, who: {"note": "called the patient"},
    ("POST", "/api/v1/alerts/<alert_id>/resolve"): lambda m, who: {"outcome": "advice_given",
                                                                   "note": "doppler booked"},
    ("POST", "/api/v1/alerts/<alert_id>/snooze"): lambda m, who: {
        "until": _iso(timedelta(hours=1)), "reason": "the patient will call back"},
    ("POST", "/api/v1/patients"): lambda m, who: {
        "given_name": "Paul", "family_name": "Durand", "birth_date": "1961-05-17",
        "phone": "+33611111111", "language": "fr", "timezone": "Europe/Paris"},
    ("PATCH", "/api/v1/patients/<patient_id>"): lambda m, who: {"phone": "+33699999999"},
    ("POST", "/api/v1/patients/<patient_id>/erasure"): lambda m, who: {
        "reason": "patient_request", "note": "demande écrite"},
    ("POST", "/api/v1/patients/<patient_id>/alerts/resolve"): lambda m, who: {
        "outcome": "called_patient", "note": "rappelée"},
    # The patient is on ambulatory-general already (one active enrolment per protocol).
    ("POST", "/api/v1/patients/<patient_id>/enrollments"): lambda m, who: {
        "protocol": "hip-knee-arthroplasty", "surgery_date": START.date().isoformat(),
        "consent": CONSENT},
    ("POST", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/protocol-version"):
        lambda m, who: {"protocol_version": 1},
    ("POST", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/activation-code/sms"):
        lambda m, who: {"activation_code": m.activation_code},
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/spo2-scale"):
        lambda m, who: {"spo2_scale": 2, "reason": "BPCO, cible 88-92 %"},
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/channel"):
        lambda m, who: {"channel": "web"},
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/outcome"):
        lambda m, who: {"kind": "none"},
    ("PUT", "/api/v1/patients/<patient_id>/enrollments/<enrollment_id>/carer"):
        lambda m, who: {"carer_measures": True},
    ("POST", "/api/v1/patients/<patient_id>/teleconsultations"): lambda m, who: {
        "starts_at": _iso(timedelta(hours=2)), "reason": "contrôle cicatrice"},
    ("POST", "/api/v1/patients/<patient_id>/threshold-overrides"): lambda m, who: OVERRIDE,
    ("POST", "/api/v1/protocols"): lambda m, who: _protocol_next(),
    ("POST", "/api/v1/staff"): lambda m, who: {
        "email": f"new-{who.replace('_', '-')}@hospital.test", "display_name": "New",
        "role": "nurse", "password": PASSWORD, "teams": ["team-a"]},
    ("PATCH", "/api/v1/staff/<staff_id>"): lambda m, who: {"display_name": "Renamed"},
    ("POST", "/api/v1/teams"): lambda m, who: {"slug": f"new-{who.replace('_', '-')}",
                                               "name": "New team"},
    ("PATCH", "/api/v1/teams/<slug>"): lambda m, who: {"day_start": "07:30",
                                                       "day_end": "19:00"},
    ("POST", "/api/v1/teams/<slug>/members"): lambda m, who: {
        "staff_id": m.ids["other_nurse_id"]},
    ("POST", "/fhir/R4/Observation"): lambda m, who: {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
        "subject": {"reference": f"Patient/{m.ids['patient_id']}"},
        "effectiveDateTime": _iso(-timedelta(minutes=5)),
        "valueQuantity": {"value": 37.2, "system": "http://unitsofmeasure.org",
                          "code": "Cel"}},
    ("POST", "/fhir/R4/QuestionnaireResponse"): lambda m, who: {
        "resourceType": "QuestionnaireResponse", "status": "completed",
        "questionnaire": "urn:suivi:questionnaire:daily-postop",
        "subject": {"reference": f"Patient/{m.ids['patient_id']}"},
        "item": [{"linkId": link_id, "answer": [
            {"valueBoolean": value} if isinstance(value, bool) else
            {"valueInteger": value} if isinstance(value, int) else
            {"valueCoding": {"code": value}}]} for link_id, value in daily().items()]},
}

# What the fixture world must hold before a route can succeed (the world is restored
# before each route): only an acknowledged alert can be snoozed.
PREPARE: dict[Route, Callable[[Matrix], None]] = {
    ("POST", "/api/v1/alerts/<alert_id>/snooze"): lambda m: _acknowledged(m),
}


def _acknowledged(m: Matrix) -> None:
    answer = Caller(m.app, m.tokens["nurse"]).post(f"/api/v1/alerts/{m.ids['alert_id']}"
                                                   "/acknowledge")
    assert answer.status_code == 200, answer.json


# Filters that point list routes at the patient: other teams must still see nothing.
QUERIES: dict[Route, Callable[[Matrix], dict]] = {
    ("GET", "/api/v1/alerts"): lambda m: {"patient_id": m.ids["patient_id"],
                                          "status": "open,acknowledged,resolved"},
    ("GET", "/api/v1/patients"): lambda m: {"q": m.family_name},
    ("GET", "/api/v1/audit"): lambda m: {"patient_id": m.ids["patient_id"],
                                         "cursor": cursors.encode(START + timedelta(days=30),
                                                                  str(uuid.uuid4()))},
    # A page after a cursor opens nothing more than the first page.
    ("GET", "/api/v1/patients/<patient_id>/timeline"): lambda m: {
        "limit": 1, "cursor": cursors.encode(START + timedelta(days=30), 0, "submission",
                                             m.ids["patient_id"], "")},
    ("GET", "/api/v1/patients/<patient_id>/messages"): lambda m: {
        "limit": 1, "cursor": cursors.encode(START + timedelta(days=30), str(uuid.uuid4()))},
    ("GET", "/fhir/R4/Patient"): lambda m: {"birthdate": "1950-04-02"},
    ("GET", "/fhir/R4/Observation"): lambda m: {"patient": f"Patient/{m.ids['patient_id']}"},
    ("GET", "/fhir/R4/QuestionnaireResponse"): lambda m: {"patient": m.ids["patient_id"]},
    ("GET", "/fhir/R4/CarePlan"): lambda m: {"patient": m.ids["patient_id"]},
    ("GET", "/fhir/R4/Flag"): lambda m: {"patient": m.ids["patient_id"], "status": "active"},
    ("GET", "/fhir/R4/Consent"): lambda m: {"patient": m.ids["patient_id"]},
    ("GET", "/fhir/R4/Task"): lambda m: {"patient": m.ids["patient_id"]},
    ("GET", "/fhir/R4/Communication"): lambda m: {"patient": m.ids["patient_id"]},
    ("GET", "/fhir/R4/AuditEvent"): lambda m: {"patient": m.ids["patient_id"]},
}

SLUGS = {"/api/v1/protocols/": "ambulatory-general", "/api/v1/questionnaires/": "daily-postop",
         "/api/v1/teams/": "team-a"}

_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def plain(rule: str) -> str:
    """``/alerts/<uuid:alert_id>`` → ``/alerts/<alert_id>``."""
    return _PARAMETER.sub(r"<\1>", rule)


def is_patient_app(route: Route) -> bool:
    return route[1] == "/api/v1/me" or route[1].startswith("/api/v1/me/")


def parameters(route: Route) -> list[str]:
    return _PARAMETER.findall(route[1])


def path_of(route: Route, m: Matrix, random_ids: bool = False) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "slug":
            return next(slug for prefix, slug in SLUGS.items() if route[1].startswith(prefix))
        if random_ids:
            return str(uuid.uuid4())
        assert name in m.ids, f"no fixture value for <{name}> in {route[0]} {route[1]}"
        return m.ids[name]

    return _PARAMETER.sub(value, route[1])


def call(m: Matrix, route: Route, who: str, random_ids: bool = False):
    method = route[0]
    body = BODIES[route](m, who) if route in BODIES else (
        {} if method in ("POST", "PUT", "PATCH") else None)
    query = QUERIES[route](m) if route in QUERIES else None
    headers = {"Idempotency-Key": str(uuid.uuid4())} if method != "GET" else None
    caller = Caller(m.app, m.tokens[who])
    return caller.request(method, path_of(route, m, random_ids), json=body, headers=headers,
                          query_string=query)


def gate(status: int) -> str:
    """The access outcome class of an answer."""
    return {401: "unauthenticated", 403: "forbidden", 404: "hidden"}.get(status, "allowed")


# -- the routes ----------------------------------------------------------------------------
def served(app: Flask) -> set[Route]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1/", "/fhir/R4/")) or rule.rule == "/api/v1":
            routes |= {(method, plain(rule.rule))
                       for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def _collected_routes() -> list[Route]:
    # Collection needs the URL map before any fixture: an app on a database never opened.
    with mock.patch.dict(os.environ, {"SUIVI_TESTING": "1"}):
        app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "collection",
                          "SUIVI_TESTING": True})
    try:
        return sorted(served(app) | set(ACCESS), key=lambda r: (r[1], r[0]))
    finally:
        app.extensions["suivi"].engine.dispose()


def test_every_route_has_an_access_matrix_entry(built):
    routes = served(built[0])
    unlisted = [f"{method} {rule}" for method, rule in sorted(routes - set(ACCESS))]
    gone = [f"{method} {rule}" for method, rule in sorted(set(ACCESS) - routes)]
    assert not unlisted, f"route added without an access-matrix entry: {', '.join(unlisted)}"
    assert not gone, f"access-matrix entry for a route that no longer exists: {', '.join(gone)}"
    assert all(ACCESS.get(route) == EVERYONE for route in PUBLIC)
    # The table itself follows DESIGN.md: a patient token reaches only /api/v1/me/...,
    # public routes and questionnaires; staff tokens never reach the patient app's routes.
    for route, allowed in ACCESS.items():
        if allowed & PATIENT_APP:
            assert route in PUBLIC or is_patient_app(route) or route[1].startswith(
                "/api/v1/questionnaires"), f"a patient token may not reach {route}"
        if allowed & CLIENTS:
            assert route in PUBLIC or route in CLIENT_ROUTES or route[1].startswith(
                "/api/v1/questionnaires"), f"a client token may not reach {route}"
        if is_patient_app(route):
            assert not allowed & (STAFF | CLIENTS), f"staff tokens may not reach {route}"


@pytest.mark.parametrize("route", [pytest.param(route, id=f"{route[0]} {route[1]}")
                                   for route in _collected_routes()])
def test_access(route: Route, matrix: Matrix):
    name = f"{route[0]} {route[1]}"
    assert route in ACCESS, f"route added without an access-matrix entry: {name}"
    assert route in served(matrix.app), (
        f"access-matrix entry for a route that no longer exists: {name}")
    expected = ACCESS[route]
    if route in PREPARE:
        PREPARE[route](matrix)

    refusals_before = _refusals_naming_the_patient(matrix)
    answers = {who: call(matrix, route, who) for who in PRINCIPALS}
    statuses = {who: answer.status_code for who, answer in answers.items()}
    seen = f"{name}: {statuses}"
    if "patient_id" in parameters(route):  # every refusal found by searching the patient
        refused = [who for who, status in statuses.items() if status >= 400]
        traced = _refusals_naming_the_patient(matrix) - refusals_before
        assert traced >= len(refused), (
            f"{len(refused)} refusals ({', '.join(refused)}), {traced} in the trail naming "
            f"the patient: {seen}")

    crashed = {who: s for who, s in statuses.items() if s >= 500}
    assert not crashed, f"server error: {seen}"

    if route in PUBLIC:
        assert statuses["anonymous"] != 401, seen
    else:
        assert statuses["anonymous"] == 401, f"anonymous must get 401: {seen}"
    if not (expected & PATIENT_APP) and route not in PUBLIC:
        assert statuses["patient"] == statuses["other_patient"] == 403, (
            f"a patient token on a staff route must get 403: {seen}")
    if not (expected & CLIENTS) and route not in PUBLIC:
        assert statuses["client"] == statuses["other_client"] == 403, (
            f"a client token on a staff or patient route must get 403: {seen}")
    if is_patient_app(route):
        assert all(statuses[who] == 403 for who in STAFF), (
            f"a staff token on the patient app's routes must get 403: {seen}")

    allowed = {who for who, status in statuses.items() if gate(status) == "allowed"}
    assert allowed == expected, (
        f"{name}: allowed {sorted(allowed)}, declared {sorted(expected)} ({statuses})")
    if route not in NO_SUCCESS:
        assert any(200 <= statuses[who] < 300 for who in expected), (
            f"no declared caller succeeded, the fixture body may be invalid: {seen}")

    # Another team and another patient never read anything of the patient.
    if route not in PUBLIC:
        for who in ("other_nurse", "other_patient", "other_client"):
            if 200 <= statuses[who] < 300:
                text = answers[who].get_data(as_text=True)
                leaked = [secret for secret in matrix.secrets_of_patient() if secret in text]
                assert not leaked, f"{who} read {leaked} of the patient on {name}"

    if any(p in PATIENT_SCOPE for p in parameters(route)):
        _check_scoping(route, matrix, answers["other_nurse"], expected, seen)


def _refusals_naming_the_patient(m: Matrix) -> int:
    patient = uuid.UUID(m.ids["patient_id"])
    return sum(event.outcome != "success" for event in audit_events(m.app, patient_id=patient))


def _check_scoping(route: Route, m: Matrix, answer, expected: frozenset[str], seen: str) -> None:
    """Another team's nurse: 404 where a nurse may act, 403 where the role may not (then
    another team's surgeon must get the 404); either answer the same as for identifiers
    that do not exist, and the refusal in the audit trail, naming the patient for a 404.
    Where a client may act, another team's client gets the 404 likewise."""
    if "nurse" in expected:
        assert answer.status_code == 404, f"another team's nurse must get 404 (scoping): {seen}"
    else:
        assert answer.status_code == 403, f"another team's nurse must be refused by role: {seen}"
    _refused_alike(route, m, "other_nurse", answer)
    if "client" in expected:
        answer = call(m, route, "other_client")
        assert answer.status_code == 404, (
            f"another team's client must get 404 (scoping): {seen}, other_client: "
            f"{answer.status_code}")
        _refused_alike(route, m, "other_client", answer)
    if "nurse" not in expected and "surgeon" in expected:
        answer = call(m, route, "other_surgeon")
        assert answer.status_code == 404, (
            f"another team's surgeon must get 404 (scoping): {seen}, other_surgeon: "
            f"{answer.status_code}")
        _refused_alike(route, m, "other_surgeon", answer)


def _refused_alike(route: Route, m: Matrix, who: str, answer) -> None:
    name = f"{route[0]} {route[1]}"
    denied = audit_events(m.app, actor_id=uuid.UUID(m.ids[f"{who}_id"]), outcome="denied")
    assert denied, f"the refusal of {who} is not audited: {name}"
    if answer.status_code == 404:
        patient = uuid.UUID(m.ids["patient_id"])
        assert any(event.patient_id == patient for event in denied), (
            f"the audited refusal of {who} does not name the patient: {name} "
            f"{[(e.action, e.patient_id) for e in denied]}")
    unknown = call(m, route, who, random_ids=True)
    assert (unknown.status_code, unknown.json) == (answer.status_code, answer.json), (
        f"{who} can tell an existing identifier from an unknown one on {name}: "
        f"{answer.status_code} {answer.json} vs {unknown.status_code} {unknown.json}")
