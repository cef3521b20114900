"""POST /oauth/token: client credentials by secret, RFC 6749 refusals, revocation."""

from __future__ import annotations

import base64
import uuid

from backend.clients.models import ClientToken, IntegrationClient
from tests.clients.support import WRITE, client_caller, new_client, secret_token
from tests.helpers import audit_events, count


def test_a_secret_buys_a_short_lived_bearer_token_kept_hashed(world, app):
    client = new_client(world)
    assert client["client_secret"] and client["token_url"].endswith("/oauth/token")
    assert client["client"]["care_team"] == "team-a" and client["client"]["active"]
    answer = secret_token(app, client)
    assert answer.status_code == 200, answer.json
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json["token_type"] == "Bearer" and answer.json["expires_in"] == 900
    assert answer.json["scope"] == WRITE
    token = answer.json["access_token"]
    with app.app_context():
        from backend import db

        stored = db.session().query(ClientToken).one()
        assert token not in (stored.token_hash, str(stored.scopes))
        secret_hash = db.session().get(IntegrationClient,
                                       uuid.UUID(client["client_id"])).secret_hash
    assert secret_hash.startswith("$argon2") and client["client_secret"] not in secret_hash
    granted = audit_events(app, action="oauth.token", outcome="success")
    assert [(e.actor_type, str(e.actor_id)) for e in granted] == [("client", client["client_id"])]


def test_http_basic_authentication_works_too(world, app):
    client = new_client(world)
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode())
    answer = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                    headers={"Authorization": f"Basic {basic.decode()}"})
    assert answer.status_code == 200, answer.json
    wrong = base64.b64encode(f"{client['client_id']}:nope".encode())
    refused = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                     headers={"Authorization": f"Basic {wrong.decode()}"})
    assert refused.status_code == 401 and refused.json["error"] == "invalid_client"
    assert refused.headers["WWW-Authenticate"].startswith("Basic")


def test_wrong_secret_unknown_client_and_missing_credentials_are_invalid_client(world, app):
    client = new_client(world)
    for form in ({"client_id": client["client_id"], "client_secret": "scs_wrong"},
                 {"client_id": str(uuid.uuid4()), "client_secret": client["client_secret"]},
                 {"client_id": "not-a-uuid", "client_secret": "x"}, {}):
        answer = app.test_client().post("/oauth/token",
                                        data={"grant_type": "client_credentials", **form})
        assert answer.status_code == 401, (form, answer.json)
        assert answer.json["error"] == "invalid_client" and answer.json["error_description"]
        assert "access_token" not in answer.json
    assert count(app, ClientToken) == 0
    refused = audit_events(app, action="oauth.token", outcome="failure", actor_type="client")
    assert [str(e.actor_id) for e in refused] == [client["client_id"]]  # the wrong secret


def test_grant_type_and_encoding_are_checked(world, app):
    client = new_client(world)
    other = secret_token(app, client, grant_type="password")
    assert (other.status_code, other.json["error"]) == (400, "unsupported_grant_type")
    missing = app.test_client().post("/oauth/token", data={"client_id": client["client_id"]})
    assert (missing.status_code, missing.json["error"]) == (400, "invalid_request")
    as_json = app.test_client().post("/oauth/token", json={
        "grant_type": "client_credentials", "client_id": client["client_id"],
        "client_secret": client["client_secret"]})
    assert (as_json.status_code, as_json.json["error"]) == (400, "invalid_request")
    nul = secret_token(app, client, scope="system/Observation.write\x00")
    assert (nul.status_code, nul.json["error"]) == (400, "invalid_request")
    assert count(app, ClientToken) == 0


def test_scope_asked_must_be_granted(world, app):
    client = new_client(world, scopes=(WRITE, "system/*.read"))
    narrower = secret_token(app, client, scope="system/Patient.read")
    assert narrower.status_code == 200 and narrower.json["scope"] == "system/Patient.read"
    for scope in ("system/QuestionnaireResponse.write", "user/Patient.read", "system/*.write"):
        refused = secret_token(app, client, scope=f"{WRITE} {scope}")
        assert (refused.status_code, refused.json["error"]) == (400, "invalid_scope"), scope
    assert count(app, ClientToken) == 1


def test_revoking_a_client_ends_its_tokens_at_once(world, app, clock):
    admin = world.admin()
    client = new_client(world)
    caller = client_caller(app, client)
    assert caller.post(f"/api/v1/patients/{uuid.uuid4()}/readings", json=_reading(clock),
                       headers={"Idempotency-Key": "k"}).status_code == 404  # authenticated
    revoked = admin.post(f"/api/v1/clients/{client['client_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json["active"] is False
    assert caller.post(f"/api/v1/patients/{uuid.uuid4()}/readings", json=_reading(clock),
                       headers={"Idempotency-Key": "k"}).status_code == 401
    again = secret_token(app, client)
    assert (again.status_code, again.json["error"]) == (401, "invalid_client")
    assert "revoked" in again.json["error_description"]


def test_the_token_expires(world, app, clock):
    client = new_client(world)
    caller = client_caller(app, client)
    path = f"/api/v1/patients/{uuid.uuid4()}/readings"
    clock.advance(seconds=899)
    assert caller.post(path, json=_reading(clock),
                       headers={"Idempotency-Key": "k"}).status_code == 404
    clock.advance(seconds=2)
    assert caller.post(path, json=_reading(clock),
                       headers={"Idempotency-Key": "k"}).status_code == 401


def _reading(clock) -> dict:
    return {"readings": [{"type": "temperature", "value": 37.1, "unit": "Cel",
                          "measured_at": clock.now().isoformat()}]}


def test_failed_attempts_are_throttled_per_address(world, app):
    app.config["SUIVI_IP_FAILURE_LIMIT"] = 3
    client = new_client(world)
    for _ in range(3):
        wrong = app.test_client().post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": "scs_wrong"})
        assert wrong.status_code == 401
    blocked = secret_token(app, client)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]
