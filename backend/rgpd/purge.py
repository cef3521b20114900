"""The retention purge: what has been kept as long as the law or the service needs goes.

Periods come from the configuration (``backend.config._retention``, README "RGPD"). Each
category is one query; a run writes one audit row with the counts (no health data, no
patient named). ``dry_run``: the caller rolls the transaction back after reading the
counts (``suivi purge --dry-run``), so the counts are exactly what a run would do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import Table, and_, delete, exists, func, or_, select, update

from backend import db
from backend.audit import services as audit
from backend.audit.models import AuditEvent
from backend.auth.models import AccessToken, ActivationCode
from backend.clients.models import ClientAssertion, ClientToken
from backend.clock import now
from backend.config import AUDIT_MINIMUM_DAYS
from backend.db import Base
from backend.enrollments.models import Enrollment
from backend.formlinks.models import FormLink
from backend.idempotency.models import IdempotencyRecord
from backend.notifications.models import Message
from backend.patients.models import Patient

CATEGORIES = ("medical_records", "medical_rows", "idempotency_records", "activation_codes",
              "form_links", "expired_tokens", "message_bodies",
              "anonymous_audit_rows")
# Ids per IN (...) list: far under SQLite's and PostgreSQL's limits on parameters.
CHUNK = 500


def _days(name: str) -> timedelta:
    return timedelta(days=current_app.config[name])


def medical_cutoff(current: datetime) -> datetime:
    years = current_app.config["SUIVI_RETENTION_MEDICAL_YEARS"]
    try:
        return current.replace(year=current.year - years)
    except ValueError:  # 29 February
        return current.replace(year=current.year - years, day=28)


def records_due(current: datetime, most: int) -> list[uuid.UUID]:
    """Patients whose last stay or follow-up ended before the medical retention: created
    before it and no enrolment discharged or ended since."""
    cutoff = medical_cutoff(current)
    recent = exists().where(Enrollment.patient_id == Patient.id,
                            or_(Enrollment.discharge_at >= cutoff,
                                Enrollment.ended_at >= cutoff))
    return list(db.session().scalars(select(Patient.id).where(
        Patient.created_at < cutoff, ~recent).order_by(Patient.created_at).limit(most)))


def _chunks(ids: list) -> Iterable[list]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _patient_tables() -> list[Table]:
    # The audit trail keeps its own retention (its trigger); patients are deleted last.
    return [t for t in Base.metadata.sorted_tables
            if t.name not in ("audit_events", "patients")]


def delete_records(patient_ids: list[uuid.UUID]) -> int:
    """Delete the patients and every row that belongs to them: rows naming them
    (``patient_id``) and, parents before children, rows pointing at a row deleted. The
    audit trail is not touched. The number of rows deleted (patients included)."""
    if not patient_ids:
        return 0
    session = db.session()
    doomed: dict[str, list] = {"patients": list(patient_ids)}
    tables = _patient_tables()
    for table in tables:
        found: set = set()
        for column in table.columns:
            targets = [fk.column.table.name for fk in column.foreign_keys]
            if column.name == "patient_id" or "patients" in targets:
                parents = doomed["patients"]
            elif targets and targets[0] in doomed and targets[0] != table.name:
                parents = doomed[targets[0]]
            else:
                continue
            for chunk in _chunks(parents):
                found.update(session.scalars(select(table.c.id).where(column.in_(chunk))))
        if found:
            doomed[table.name] = list(found)
    deleted = 0
    for table in reversed(tables):
        if table.name not in doomed:
            continue
        if "retry_of" in table.c:  # a retry points at its first message: cut the chain
            for chunk in _chunks(doomed[table.name]):
                session.execute(update(table).where(table.c.id.in_(chunk))
                                .values(retry_of=None))
        for chunk in _chunks(doomed[table.name]):
            deleted += session.execute(delete(table).where(table.c.id.in_(chunk))).rowcount
    patients = Patient.__table__
    for chunk in _chunks(doomed["patients"]):
        deleted += session.execute(delete(patients).where(patients.c.id.in_(chunk))).rowcount
    return deleted


def _expired_tokens(current: datetime, cutoff: datetime) -> int:
    """Staff and integration clients' tokens expired or revoked before ``cutoff`` (kept that
    long so that a late request is told "expired"), and the client assertions whose ``jti``
    can no longer be replayed (past their own expiry)."""
    session = db.session()
    ended = 0
    for table in (AccessToken, ClientToken):
        ended += session.execute(delete(table).where(
            or_(table.expires_at < cutoff, table.revoked_at < cutoff))).rowcount
    return ended + session.execute(delete(ClientAssertion).where(
        ClientAssertion.expires_at < current)).rowcount


def _database_now() -> datetime:
    """The database's clock (the one the audit trail's trigger reads)."""
    value = db.session().scalar(select(func.current_timestamp()))
    if isinstance(value, str):  # SQLite: "YYYY-MM-DD HH:MM:SS", UTC
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def purge(most_records: int | None = None) -> dict[str, int]:
    """Run every category once; the counts by category (``CATEGORIES``), audited."""
    current = now()
    session = db.session()
    counts = dict.fromkeys(CATEGORIES, 0)
    due = records_due(current, most_records or current_app.config["SUIVI_PURGE_BATCH"])
    counts["medical_records"] = len(due)
    counts["medical_rows"] = delete_records(due)
    counts["idempotency_records"] = session.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at < current - _days("SUIVI_RETENTION_IDEMPOTENCY_DAYS"))
    ).rowcount
    codes = current - _days("SUIVI_RETENTION_CODES_DAYS")
    counts["activation_codes"] = session.execute(delete(ActivationCode).where(
        ActivationCode.expires_at < codes)).rowcount
    counts["form_links"] = session.execute(delete(FormLink).where(
        FormLink.expires_at < codes)).rowcount
    counts["expired_tokens"] = _expired_tokens(current, codes)
    counts["message_bodies"] = session.execute(update(Message).where(
        Message.created_at < current - _days("SUIVI_RETENTION_MESSAGE_BODY_DAYS"),
        Message.body_erased_at.is_(None)).values(body="", body_erased_at=current)).rowcount
    # The trail's DELETE trigger refuses rows younger than 183 days by the database's
    # clock; the configuration cannot go below (backend.config.AUDIT_MINIMUM_DAYS), and
    # the cut-off never passes what the trigger allows, so a run never fails on it.
    anonymous = min(current - _days("SUIVI_RETENTION_ANONYMOUS_AUDIT_DAYS"),
                    _database_now() - timedelta(days=AUDIT_MINIMUM_DAYS, hours=1))
    counts["anonymous_audit_rows"] = session.execute(delete(AuditEvent).where(and_(
        AuditEvent.actor_type == "anonymous", AuditEvent.patient_id.is_(None),
        AuditEvent.outcome != "success", AuditEvent.at < anonymous))).rowcount
    audit.record("retention.purge", detail=counts)
    return counts
