"""SMART Backend Services: the client signs a JWT assertion (RS384 or ES384) checked
with the public key the administrator registered; aud, exp and jti are enforced."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.clients.models import ClientToken
from tests.clients.support import (
    ASSERTION_TYPE,
    TOKEN_URL,
    WRITE,
    Signer,
    assertion_token,
    new_client,
)
from tests.helpers import audit_events, count


@pytest.mark.parametrize("kind, registered", [("EC", "pem"), ("RSA", "jwks")])
def test_a_signed_assertion_buys_a_token(world, app, clock, kind, registered):
    signer = Signer(kind)
    client = new_client(world, public_key=signer.public_pem if registered == "pem"
                        else signer.jwks())
    assert client["client_secret"] is None and client["client"]["auth_method"] == "jwt"
    answer = assertion_token(app, signer.assertion(client["client_id"], clock.now(),
                                                   kid="k1" if registered == "jwks" else None))
    assert answer.status_code == 200, answer.json
    assert answer.json["scope"] == WRITE and answer.json["access_token"].startswith("sct_")
    granted = audit_events(app, action="oauth.token", outcome="success")
    assert [(e.actor_type, e.detail["via"]) for e in granted] == [("client", "jwt")]


def _refused(app, assertion: str, words: str) -> None:
    answer = assertion_token(app, assertion)
    assert answer.status_code == 401, answer.json
    assert answer.json["error"] == "invalid_client"
    assert words in answer.json["error_description"], answer.json


def test_a_replayed_assertion_is_refused(world, app, clock):
    signer = Signer()
    client = new_client(world, public_key=signer.public_pem)
    assertion = signer.assertion(client["client_id"], clock.now())
    assert assertion_token(app, assertion).status_code == 200
    _refused(app, assertion, "already used")
    # A new jti is a new assertion.
    assert assertion_token(app, signer.assertion(client["client_id"],
                                                 clock.now())).status_code == 200
    refused = audit_events(app, action="oauth.token", outcome="failure", actor_type="client")
    assert [e.detail["reason"] for e in refused] == ["assertion replayed"]


def test_expired_too_long_wrong_audience_or_subject_are_refused(world, app, clock):
    signer = Signer()
    cid = new_client(world, public_key=signer.public_pem)["client_id"]
    _refused(app, signer.assertion(cid, clock.now() - timedelta(minutes=10)), "expired")
    _refused(app, signer.assertion(cid, clock.now(), lifetime=timedelta(minutes=30)),
             "at most 5 minutes")
    _refused(app, signer.assertion(cid, clock.now(), aud="https://elsewhere.test/token"),
             "aud")
    _refused(app, signer.assertion(cid, clock.now(), sub="someone-else"), "sub")
    assert count(app, ClientToken) == 0


def test_a_signature_by_another_key_is_refused(world, app, clock):
    signer, impostor = Signer(), Signer()
    cid = new_client(world, public_key=signer.public_pem)["client_id"]
    _refused(app, impostor.assertion(cid, clock.now()), "signature")
    # Only RS384 and ES384: an HMAC-signed assertion is refused whatever its secret.
    from joserfc import jwt
    from joserfc.jwk import OctKey

    forged = jwt.encode({"alg": "HS256"}, {"iss": cid, "sub": cid, "aud": TOKEN_URL,
                                           "exp": int(clock.now().timestamp()) + 60,
                                           "jti": "x"}, OctKey.import_key("a-shared-secret-" * 4))
    _refused(app, forged, "signature")


def test_a_secret_client_cannot_use_an_assertion_nor_the_reverse(world, app, clock):
    signer = Signer()
    with_secret = new_client(world)
    _refused(app, signer.assertion(with_secret["client_id"], clock.now()), "failed")
    with_key = new_client(world, public_key=signer.public_pem)
    answer = app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": with_key["client_id"],
        "client_secret": "anything"})
    assert (answer.status_code, answer.json["error"]) == (401, "invalid_client")


def test_a_revoked_client_assertion_is_refused(world, app, clock):
    signer = Signer()
    cid = new_client(world, public_key=signer.public_pem)["client_id"]
    assert world.admin().post(f"/api/v1/clients/{cid}/revoke").status_code == 200
    _refused(app, signer.assertion(cid, clock.now()), "revoked")


def test_a_wrong_assertion_type_is_invalid_request(world, app, clock):
    signer = Signer()
    cid = new_client(world, public_key=signer.public_pem)["client_id"]
    answer = app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_assertion_type": "urn:other",
        "client_assertion": signer.assertion(cid, clock.now())})
    assert (answer.status_code, answer.json["error"]) == (400, "invalid_request")
    assert ASSERTION_TYPE in answer.json["error_description"]
    garbage = assertion_token(app, "not.a.jwt")
    assert (garbage.status_code, garbage.json["error"]) == (401, "invalid_client")
