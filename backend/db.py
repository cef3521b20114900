"""Database plumbing: declarative base, engine and request-scoped sessions.

Plain SQLAlchemy 2 (no Flask-SQLAlchemy): the engine is part of the app's wiring, a session
is opened lazily per request (or CLI command / job) and committed by the transaction
manager in ``backend.app`` when the request succeeded.
"""

from __future__ import annotations

import functools
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g
from sqlalchemy import DateTime, MetaData, bindparam, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError, InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

from backend.wiring import wiring

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware.

    SQLite has no timezone type: without this, values would come back naive and
    comparisons with aware datetimes would fail or, worse, be silently wrong.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class UUIDPrimaryKey:
    """A random UUID, given when the object is built (not at flush time), so that rows
    can refer to each other before anything is sent to the database."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


@event.listens_for(Base, "init", propagate=True)
def _assign_id(target: Any, _args: tuple, kwargs: dict[str, Any]) -> None:
    if isinstance(target, UUIDPrimaryKey) and kwargs.get("id") is None:
        kwargs["id"] = uuid.uuid4()


def make_engine(url: str, busy_timeout: float = 30) -> Engine:
    # An error's message names its statement, not the values bound to it: they are a
    # patient's name, answers or readings, and the message goes to the log.
    if url.startswith("sqlite"):
        # Web, worker and scheduler processes share the SQLite file. Every request writes
        # (at least its audit row), so each transaction starts with BEGIN IMMEDIATE: a
        # writer then waits its turn (busy_timeout) instead of failing when a deferred read
        # transaction cannot be upgraded to a write.
        engine = create_engine(url, connect_args={"timeout": busy_timeout},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


# A pooled connection used this recently is not pinged before it is lent again (as
# HikariCP's ``aliveBypassWindowMs``): under load every request would otherwise pay a round
# trip. One idle longer (a quiet night, a PostgreSQL restart in between) is pinged, so the
# first request after a restart finds a live connection; a connection broken within the
# window fails its request, which invalidates the pool, as a restart under load would
# anyway.
PING_AFTER_IDLE = 1.0  # seconds


def _ping_when_idle(engine: Engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return  # just connected, or lent a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # Every connection opened before it is as dead: the pool reconnects.
                raise InvalidatePoolError(str(error)) from error
            raise


def insert_if_absent(model: type[Base], values: dict[str, Any],
                     unique: list[str]) -> uuid.UUID | None:
    """``INSERT … ON CONFLICT (unique) DO NOTHING RETURNING id`` in the session's dialect:
    the new row's id, or None when a row with the same ``unique`` columns exists. One
    round trip, no savepoint, no exception. On PostgreSQL an insert racing an uncommitted
    one with the same key waits for that transaction to end."""
    dialect = session().get_bind().dialect.name
    statement = _insert_if_absent(model.__table__, dialect, tuple(unique), tuple(values))
    return execute(statement, values).scalar()


@functools.cache
def _insert_if_absent(table: Any, dialect: str, unique: tuple[str, ...],
                      columns: tuple[str, ...]) -> Any:
    # Built once per table and set of columns: the values are bound at execution.
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    return (insert(table).values({name: bindparam(name) for name in columns})
            .on_conflict_do_nothing(index_elements=list(unique)).returning(table.c.id))


def insert_rows(model: type[Base], rows: dict[str, Any] | list[dict[str, Any]]) -> None:
    """A Core INSERT of one row or many (one statement), sent now: no ORM object, no
    unit-of-work flush, for the rows a request writes and never reads back."""
    execute(_insert(model.__table__), rows)


@functools.cache
def _insert(table: Any) -> Any:
    # Built once per table: a statement built again is keyed for the compiled cache again.
    return table.insert()


def execute(statement: Executable, params: Any = None) -> CursorResult:
    """A Core statement on the tables' own columns, on the session's connection and in its
    transaction, after flushing pending ORM changes as the session would (autoflush). The
    session's ORM execution layer gives such a statement nothing more (no entity to load)
    but costs more CPU than the driver does, about 100 µs a statement on PostgreSQL, on a
    path that sends a dozen. Statements on mapped classes go through ``session().execute``."""
    current = session()
    if current.autoflush:
        current.flush()
    return current.connection().execute(statement, params)


def init_app(app: Flask) -> None:
    app.teardown_appcontext(_close_session)


def session() -> Session:
    """The session of the current request, CLI command or job (opened on first use)."""
    if "db_session" not in g:
        g.db_session = wiring().sessions()
    return g.db_session


def engine() -> Engine:
    return wiring().engine


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def is_unique_violation(exc: IntegrityError) -> bool:
    """PostgreSQL's SQLSTATE 23505, or SQLite's "UNIQUE constraint failed"."""
    return (getattr(exc.orig, "sqlstate", None) == "23505"
            or str(exc.orig).startswith("UNIQUE constraint failed"))
