"""One JSON error shape, no stack trace, 503 when the database or Redis is away."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from backend.app import create_app
from tests.helpers import Caller


def _assert_error_shape(response, code):
    assert response.status_code == code
    assert response.is_json
    assert response.json["code"] == code
    assert isinstance(response.json["status"], str)
    assert isinstance(response.json["message"], str) and response.json["message"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_route_and_method(client):
    _assert_error_shape(client.get("/api/v1/nothing-here"), 404)
    _assert_error_shape(client.delete("/api/v1/auth/login"), 405)


def test_malformed_json_is_a_clear_4xx(client):
    response = client.post("/api/v1/auth/login", data="{not json",
                           headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    _assert_error_shape(response, response.status_code)


def test_database_down_is_a_503_without_details(app_config, monkeypatch):
    monkeypatch.setenv("SUIVI_TESTING", "1")
    # Nothing listens on port 1: every query fails to connect.
    app = create_app({**app_config,
                      "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = Caller(app, "sst_sometoken").get("/api/v1/patients")
    _assert_error_shape(response, 503)
    assert response.headers["Retry-After"]
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_readiness_reports_database_and_redis(app, app_config, monkeypatch):
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "redis": "ok"}
    monkeypatch.setenv("SUIVI_TESTING", "1")
    broken = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "redis": "unavailable"}
    assert broken.test_client().get("/healthz").status_code == 200


def test_openapi_and_offline_swagger_ui(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    for path in ("/api/v1/auth/login", "/api/v1/patients", "/api/v1/patients/{patient_id}",
                 "/api/v1/patient/activate", "/api/v1/me", "/api/v1/audit"):
        assert path in paths
    assert paths["/api/v1/auth/login"]["post"]["security"] == []
    assert spec.json["security"] == [{"bearerAuth": []}]
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/static/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert client.get("/api/docs/static/swagger-ui-bundle.js").status_code == 200


def test_only_a_unique_key_race_is_a_retryable_conflict(app, clock):
    """A unique violation is two requests racing (409, retry); a foreign key refused is a
    bug that a retry would repeat forever (500). Real refusals of the real database."""
    from backend import db
    from backend.db import is_unique_violation
    from backend.teams.models import CareTeam, TeamMembership

    def refusal(row) -> IntegrityError:
        with pytest.raises(IntegrityError) as refused, session.begin_nested():
            session.add(row)
            session.flush()
        return refused.value

    with app.app_context():
        session = db.session()
        session.add(CareTeam(slug="ward", name="Ward", created_at=clock.now()))
        session.flush()
        twin = CareTeam(slug="ward", name="Ward again", created_at=clock.now())
        orphan = TeamMembership(team_id=uuid.uuid4(), staff_id=uuid.uuid4(),
                                created_at=clock.now())
        assert is_unique_violation(refusal(twin))
        assert not is_unique_violation(refusal(orphan))
        session.rollback()


def test_a_database_error_carries_no_value_of_the_statement(app, clock):
    """An unexpected error is logged with its message; SQLAlchemy's would list the
    statement's values (a patient's name, a reading of theirs): not in the log."""
    from backend import db
    from backend.teams.models import CareTeam

    with app.app_context():
        session = db.session()
        session.add(CareTeam(slug="ward", name="Ward", created_at=clock.now()))
        session.flush()
        with pytest.raises(IntegrityError) as refused, session.begin_nested():
            session.add(CareTeam(slug="ward", name="Hélène Fabre, 39.8 °C",
                                 created_at=clock.now()))
            session.flush()
        session.rollback()
    assert "INSERT INTO care_teams" in str(refused.value)
    assert "Hélène" not in str(refused.value) and "39.8" not in str(refused.value)
