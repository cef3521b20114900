"""A staff session opened through the identity provider lives no longer than the
provider's: it ends when the ID token expires, and when the person signs out at the
provider (OpenID Connect Back-Channel Logout, the real provider's signed logout token)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from backend import db
from backend.auth.models import AccessToken
from tests.helpers import audit_events
from tests.sso.conftest import choose, logout_at_provider, through_provider

NURSE_EMAIL = "nurse.sso@example.org"
LOGOUT = "/web/sso/backchannel-logout"


@pytest.fixture
def nurse(world):
    return world.staff("nurse", email=NURSE_EMAIL, enrol_mfa=True)


@pytest.fixture
def real_time(world):
    """The app's clock at the provider's time: its ID tokens' expiry is real time."""
    world.clock.set(datetime.now(UTC).replace(microsecond=0))
    return world.clock


def _signed_in(client) -> bool:
    return client.get("/web/queue").status_code == 200


def _sign_in(client, issuer: str, browser: requests.Session | None = None) -> None:
    choose(issuer, acr="eidas2", amr=("pwd", "otp"))
    response = client.get(through_provider(client, issuer, browser=browser))
    assert response.status_code == 302 and response.headers["Location"] == "/web/queue"


def _tokens(app, provider: bool = True) -> list[AccessToken]:
    """The staff tokens opened through the provider (or the others)."""
    opened = (AccessToken.provider_until.is_not(None) if provider
              else AccessToken.provider_until.is_(None))
    with app.app_context():
        return list(db.session().scalars(select(AccessToken).where(opened)
                                         .order_by(AccessToken.created_at)))


def test_the_session_ends_when_the_provider_id_token_does(app, client, nurse, real_time,
                                                          oidc_provider):
    _sign_in(client, oidc_provider)
    [token] = _tokens(app)
    # The test provider's ID tokens last an hour (oidc-provider's default).
    assert token.provider_until is not None and token.provider_sid
    assert abs(token.provider_until - (real_time.now() + timedelta(hours=1))) < timedelta(
        minutes=1)
    until = token.provider_until
    # A nurse at work: a page every 10 minutes keeps the session sliding...
    while real_time.now() + timedelta(minutes=10) < until:
        real_time.advance(minutes=10)
        assert _signed_in(client)
    # ...but never past the provider's token: then she signs in again.
    real_time.set(until + timedelta(seconds=1))
    assert not _signed_in(client)
    assert client.get("/web/queue").headers["Location"].startswith("/web/login")


def test_a_password_session_still_slides_past_an_hour(app, world, real_time):
    nurse = world.staff("nurse")
    for _ in range(8):  # 80 minutes of work
        real_time.advance(minutes=10)
        assert nurse.get("/api/v1/alerts").status_code == 200
    assert _tokens(app) == []  # no provider behind a password


def test_signing_out_at_the_provider_ends_the_suivi_session(app, client, nurse, world,
                                                            oidc_provider, logout_receiver):
    colleague = world.staff("nurse")  # signed in with a password: not the provider's
    browser = requests.Session()
    _sign_in(client, oidc_provider, browser)
    assert _signed_in(client)
    already = len(logout_receiver.received)
    logout_at_provider(browser, oidc_provider)
    logout_token = logout_receiver.wait_for_token(already + 1)

    answer = app.test_client().post(LOGOUT, data={"logout_token": logout_token})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert not _signed_in(client)
    assert colleague.get("/api/v1/alerts").status_code == 200
    [event] = audit_events(app, action="auth.oidc.logout", outcome="success")
    assert event.detail == {"sessions_ended": 1} and str(event.actor_id) == str(nurse.id)
    # The provider may send it again: nothing more to end, still a success.
    again = app.test_client().post(LOGOUT, data={"logout_token": logout_token})
    assert again.status_code == 200
    assert audit_events(app, action="auth.oidc.logout", outcome="success")[-1].detail == {
        "sessions_ended": 0}


def _forged(issuer: str, **claims) -> str:
    """A logout token with every right claim, signed by a key that is not the provider's."""
    now = int(time.time())
    body = {"iss": issuer, "aud": "suivi", "iat": now, "exp": now + 120, "jti": "forged",
            "sub": "psc-nurse-1",
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}}, **claims}
    return jwt.encode({"alg": "RS256", "kid": "not-the-providers"}, body,
                      RSAKey.generate_key(2048))


@pytest.mark.parametrize("case", ["missing", "garbage", "forged", "id_token", "too_long"])
def test_a_logout_token_that_does_not_check_out_is_refused(app, client, nurse, oidc_provider,
                                                           case):
    _sign_in(client, oidc_provider)
    with client.session_transaction() as session:
        id_token = session["sso_id_token"]  # signed by the provider, but not a logout token
    data = {"missing": {}, "garbage": {"logout_token": "not.a.jwt"},
            "forged": {"logout_token": _forged(oidc_provider)},
            "id_token": {"logout_token": id_token},
            "too_long": {"logout_token": "e" * 9000}}[case]
    answer = app.test_client().post(LOGOUT, data=data)
    assert answer.status_code == 400, answer.data
    assert answer.json["error"] == "invalid_request"
    assert "logout_token" in str(answer.json) or "logout" in answer.json["error_description"]
    assert _signed_in(client)
    refusals = audit_events(app, action="auth.oidc.logout", outcome="failure")
    assert len(refusals) == 1 and "eyJ" not in str(refusals[0].detail)

