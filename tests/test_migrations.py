"""Alembic: one head, upgrade on an empty database, no drift from the models, downgrade."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from backend import crypto
from backend.migrate import alembic_config, downgrade, upgrade
from backend.models import Base
from tests.conftest import DATABASE_URL, is_postgres


@pytest.fixture
def empty_database_url(tmp_path):
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"suivi_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_single_head_and_dated_file_names():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        filename = revision.path.rsplit("/", 1)[-1]
        assert filename[:8].isdigit() and filename[8] == "_", filename


def test_upgrade_check_downgrade(empty_database_url):
    upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    # `alembic check` raises if the models and the migrations disagree.
    command.check(alembic_config(empty_database_url))
    downgrade(empty_database_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_database_url)  # and back up again
    engine.dispose()


def test_device_tokens_paired_before_0010_are_tied_to_their_enrolment(empty_database_url,
                                                                       keyring):
    """A token paired before the link existed belongs to the enrolment whose code its
    patient used last before pairing (else the patient's latest enrolment), so it stops
    working when that follow-up ends."""
    from datetime import UTC, date, datetime

    upgrade(empty_database_url, "0009")
    engine = create_engine(empty_database_url)
    t = Base.metadata.tables  # the columns these rows fill were there at 0009
    at = datetime(2026, 11, 1, 9, tzinfo=UTC)
    ids = {name: uuid.uuid4() for name in (
        "team", "staff", "protocol", "patient", "loner", "first", "second", "late",
        "code1", "code2", "device1", "device2", "device3")}
    with engine.begin() as connection:
        _team_with_patients(connection, ids, at, ("patient", "loner"))
        connection.execute(t["enrollments"].insert(), [{
            "id": ids[name], "patient_id": ids[patient], "protocol_version_id": ids["protocol"],
            "care_team_id": ids["team"], "surgery_date": date(2026, 11, 1),
            "discharge_at": at, "status": "active", "enrolled_by": ids["staff"],
            "created_at": at.replace(day=day)} for name, patient, day in (
                ("first", "patient", 1), ("second", "patient", 2), ("late", "loner", 3))])
        connection.execute(t["activation_codes"].insert(), [{
            "id": ids[code], "enrollment_id": ids[enrollment], "code_hash": code,
            "created_at": at, "expires_at": at.replace(day=9),
            "used_at": at.replace(day=day)} for code, enrollment, day in (
                ("code1", "first", 4), ("code2", "second", 6))])
        connection.execute(t["device_tokens"].insert(), [{
            "id": ids[device], "patient_id": ids[patient], "token_hash": device,
            "created_at": at.replace(day=day)} for device, patient, day in (
                ("device1", "patient", 5), ("device2", "patient", 7), ("device3", "loner", 8))])
    upgrade(empty_database_url)
    with engine.connect() as connection:
        linked = dict(connection.execute(text(
            "SELECT token_hash, enrollment_id FROM device_tokens")).all())
    engine.dispose()
    assert {hash_: uuid.UUID(str(enrollment)) for hash_, enrollment in linked.items()} == {
        "device1": ids["first"], "device2": ids["second"], "device3": ids["late"]}


def _team_with_patients(connection, ids: dict, at, patients: tuple[str, ...]) -> None:
    """A team, its nurse, a protocol and ``patients``, as rows (ids taken from ``ids``)."""
    from datetime import date, time

    t = Base.metadata.tables
    connection.execute(t["care_teams"].insert(), [{
        "id": ids["team"], "slug": "ortho", "name": "Ortho", "created_at": at,
        "day_start": time(8), "day_end": time(18), "timezone": "Europe/Paris"}])
    connection.execute(t["staff_users"].insert(), [{
        "id": ids["staff"], "email": "n@h.test", "display_name": "N", "role": "nurse",
        "password_hash": "x", "active": True, "failed_logins": 0, "created_at": at}])
    connection.execute(t["protocol_versions"].insert(), [{
        "id": ids["protocol"], "slug": "p", "version": 1, "title_fr": "P",
        "title_en": "P", "definition": {}, "created_at": at}])
    connection.execute(t["patients"].insert(), [{
        "id": ids[name], "care_team_id": ids["team"], "given_name": "J",
        "family_name": name, "birth_date": date(1950, 1, 1), "language": "fr",
        "timezone": "Europe/Paris", "sms_opt_out": False, "created_at": at,
        "updated_at": at} for name in patients])


@pytest.fixture
def keyring():
    """The models' sealed columns need a keyring, as in the app."""
    previous = crypto._installed
    crypto.install(crypto.Keyring({"k1": bytes(32)}, "k1", bytes(32)))
    yield
    crypto._installed = previous


def test_the_spo2_reason_leaves_the_audit_trail_for_the_enrolment(empty_database_url, keyring):
    """Before 0011 the reason for a patient's SpO2 scale (their condition) was written in
    the audit row; the enrolment now holds the last one (sealed by `suivi db upgrade`)."""
    from datetime import UTC, date, datetime

    upgrade(empty_database_url, "0010")
    engine = create_engine(empty_database_url)
    t = Base.metadata.tables
    at = datetime(2026, 11, 1, 9, tzinfo=UTC)
    ids = {name: uuid.uuid4() for name in ("team", "staff", "protocol", "patient", "enrolment")}
    with engine.begin() as connection:
        _team_with_patients(connection, ids, at, ("patient",))
        connection.execute(t["enrollments"].insert(), [{
            "id": ids["enrolment"], "patient_id": ids["patient"],
            "protocol_version_id": ids["protocol"], "care_team_id": ids["team"],
            "surgery_date": date(2026, 11, 1), "discharge_at": at, "status": "active",
            "enrolled_by": ids["staff"], "created_at": at, "spo2_scale": 2}])
        connection.execute(t["audit_events"].insert(), [{
            "id": uuid.uuid4(), "at": at.replace(hour=hour), "actor_type": "staff",
            "action": "enrollment.spo2_scale", "patient_id": ids["patient"],
            "object_type": "enrollment", "object_id": str(ids["enrolment"]),
            "outcome": "success", "detail": {"from": None, "to": 2, "reason": why}}
            for hour, why in ((9, "BPCO"), (10, "BPCO hypercapnique, cible 88-92 %"))])
    upgrade(empty_database_url)
    with engine.connect() as connection:
        reason = connection.execute(text("SELECT spo2_scale_reason FROM enrollments")).scalar()
    engine.dispose()
    assert reason == "BPCO hypercapnique, cible 88-92 %"


def test_answers_kept_for_retries_before_0027_are_read_then_sealed(empty_database_url, keyring):
    """An Idempotency-Key's record written before 0027 (its answer as JSON, the plain hash
    of its request) is replayed as it was, and sealed by `suivi db upgrade` (seal_stored)."""
    from datetime import UTC, datetime

    from sqlalchemy import JSON, Uuid, column, select, table
    from sqlalchemy.orm import Session

    from backend.db import UTCDateTime
    from backend.idempotency.models import IdempotencyRecord
    from backend.sealing import plain_values, seal_stored

    upgrade(empty_database_url, "0026")
    engine = create_engine(empty_database_url)
    answer = {"questionnaire": "phq-9", "scores": [{"name": "phq9", "band": "minimal"}]}
    # The table as 0026 left it (the model's columns are sealed now).
    before = table("idempotency_records", column("id", Uuid()), column("scope"), column("key"),
                   column("request_hash"), column("status_code"), column("response", JSON()),
                   column("created_at", UTCDateTime()))
    with engine.begin() as connection:
        connection.execute(before.insert(), [{
            "id": uuid.uuid4(), "scope": "patient:p:submissions", "key": "k",
            "request_hash": "ab" * 32, "status_code": 201, "response": answer,
            "created_at": datetime(2026, 11, 1, 9, tzinfo=UTC)}])
    upgrade(empty_database_url)

    def replayed() -> tuple[str, dict]:
        with Session(engine) as session:
            record = session.scalars(select(IdempotencyRecord)).one()
            return record.request_hash, record.response

    assert replayed() == ("ab" * 32, answer)
    with Session(engine) as session:
        assert seal_stored(session, crypto.keyring()).values == 2
        session.commit()
        assert plain_values(session) == 0
    with engine.connect() as connection:
        stored = str(connection.execute(text(
            "SELECT request_hash, response FROM idempotency_records")).one())
    assert "phq-9" not in stored and "ab" * 32 not in stored
    assert replayed() == ("ab" * 32, answer)
    engine.dispose()
