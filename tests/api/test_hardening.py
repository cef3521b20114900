"""The edge of the HTTP API against hostile input: size and depth limits, text no
database can store, security headers, redirects that stay on this site, the client
address behind a proxy."""

from __future__ import annotations

import pytest

from backend.app import create_app
from tests.helpers import PASSWORD, World


def _login(client, body: str):
    return client.post("/api/v1/auth/login", data=body,
                       headers={"Content-Type": "application/json"})


def test_a_body_over_the_limit_is_refused_before_it_is_read(client):
    response = _login(client, '{"email": "' + "a" * (2 * 1024 * 1024) + '"}')
    assert response.status_code == 413
    assert response.json["code"] == 413 and response.json["message"]


def test_json_nested_a_thousand_deep_is_a_4xx_naming_the_limit(client):
    for depth in (40, 1000, 100_000):
        response = _login(client, "[" * depth + "]" * depth)
        assert response.status_code == 422, depth
        assert "nested deeper than 32 levels" in response.json["message"]


def test_a_lone_surrogate_is_refused_naming_the_field(app, clock):
    world = World(app, clock)
    nurse = world.staff("nurse")
    response = nurse.post("/api/v1/patients", data=(
        '{"given_name": "Jea\\ud800nne", "family_name": "Martin", "birth_date": "1950-04-02",'
        ' "language": "fr", "timezone": "Europe/Paris"}'),
        headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "given_name" in response.json["errors"]["json"]
    assert "lone surrogate" in response.json["message"]
    assert nurse.get("/api/v1/patients").json == []


def test_an_invalid_json_body_has_a_message_without_a_stray_colon(client):
    response = _login(client, "{not json")
    assert response.status_code == 400
    assert response.json["message"] == "Invalid JSON body."


def test_security_headers_on_api_and_pages(client, app, clock):
    for path in ("/api/v1/health", "/web/login", "/api/v1/nothing"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in headers  # served over http here
    nurse = World(app, clock).staff("nurse")
    assert nurse.get("/api/v1/patients").headers["Cache-Control"] == "no-store"


def test_hsts_when_the_public_address_is_https(app_config, monkeypatch):
    monkeypatch.setenv("SUIVI_TESTING", "1")
    secure = create_app({**app_config, "SUIVI_PUBLIC_URL": "https://suivi.hopital.test"})
    headers = secure.test_client().get("/api/v1/health").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(("public_url", "secure"), [
    ("https://suivi.hopital.test", True), ("http://127.0.0.1:5000", False)])
def test_the_language_cookie_travels_over_https_only_where_the_pages_are_served_so(
        app_config, monkeypatch, public_url, secure):
    monkeypatch.setenv("SUIVI_TESTING", "1")
    web = create_app({**app_config, "SUIVI_PUBLIC_URL": public_url})
    cookie = web.test_client().get("/web/language/en").headers["Set-Cookie"]
    assert cookie.startswith("suivi_lang=en;") and "HttpOnly" in cookie
    assert ("Secure" in cookie) is secure


@pytest.mark.parametrize("target", [
    "/%09/evil.example/", "/%0a/evil.example/", "//evil.example/", "/\\evil.example/",
    "%2F%2Fevil.example", "https://evil.example/", "javascript:alert(1)", "/web/queue%0d%0aX: y",
])
def test_redirects_stay_on_this_site(client, target):
    response = client.get(f"/web/language/en?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/web/queue"


def test_a_local_next_is_kept(client):
    response = client.get("/web/language/en?next=/web/patients")
    assert response.headers["Location"] == "/web/patients"


def test_sign_in_redirect_refuses_a_foreign_next(app, clock):
    world = World(app, clock)
    nurse = world.staff("nurse", enrol_mfa=False)
    client = app.test_client()
    page = client.get("/web/login")
    assert page.status_code == 200
    response = client.post("/web/login?next=/%09/evil.example/", data={
        "email": nurse.info["email"], "password": PASSWORD,
        "csrf": _csrf(client)})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def _csrf(client) -> str:
    with client.session_transaction() as session:
        return session.get("csrf", "")


def test_the_client_address_comes_from_the_proxy_only_when_configured(app_config,
                                                                      monkeypatch):
    from tests.helpers import audit_events

    monkeypatch.setenv("SUIVI_TESTING", "1")
    for hops, expected in ((0, "127.0.0.1"), (1, "203.0.113.9")):
        app = create_app({**app_config, "SUIVI_PROXY_HOPS": hops})
        app.test_client().post("/api/v1/auth/login", json={
            "email": f"nobody{hops}@hospital.test", "password": "wrong"},
            headers={"X-Forwarded-For": "203.0.113.9"})
        events = audit_events(app, action="auth.login")
        assert events and events[-1].ip == expected, hops
        app.extensions["suivi"].engine.dispose()


@pytest.mark.parametrize(("path", "query"), [
    ("/web/patients", {"q": "Mar\x00tin"}),
    ("/web/indicators", {"team": "\x00"}),
    ("/web/indicators.csv", {"protocol": "\x00"}),
    ("/web/audit", {"action": "\x00"}),
    ("/web/audit/export.csv", {"patient": "\x00"}),
])
def test_pages_refuse_a_query_string_no_database_compares(app, clock, path, query):
    web = app.test_client()
    with web.session_transaction() as session:
        session["token"] = World(app, clock).admin().token
    assert web.get(path, query_string=query).status_code == 400


def test_the_audit_pages_refuse_a_day_beyond_the_years_1900_to_2999(app, clock):
    web = app.test_client()
    with web.session_transaction() as session:
        session["token"] = World(app, clock).admin().token
    for query in ({"from": "0001-01-01"}, {"to": "9999-12-31"}):
        page = web.get("/web/audit", query_string=query)
        assert page.status_code == 200
        assert "entre les années 1900 et 2999" in page.get_data(as_text=True)
        assert web.get("/web/audit/export.csv", query_string=query).status_code == 422
