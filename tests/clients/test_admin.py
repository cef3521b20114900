"""/api/v1/clients: administrators (with their second factor) create, list, read and
revoke integration clients; bad input names the field and stores nothing."""

from __future__ import annotations

import json
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from backend.clients.models import IntegrationClient
from tests.clients.support import WRITE, Signer, new_client
from tests.helpers import audit_events, count


def test_an_administrator_creates_lists_reads_and_revokes(world, app):
    admin = world.admin()
    made = new_client(world, scopes=(WRITE, "system/Patient.read"), name="DPI Hôpital")
    client_id = made["client_id"]
    listed = admin.get("/api/v1/clients").json
    assert [c["id"] for c in listed] == [client_id]
    assert "client_secret" not in listed[0] and "secret_hash" not in json.dumps(listed)
    one = admin.get(f"/api/v1/clients/{client_id}").json
    assert one["name"] == "DPI Hôpital" and one["scopes"] == [WRITE, "system/Patient.read"]
    assert one["created_by"] == admin.id and one["last_used_at"] is None
    revoked = admin.post(f"/api/v1/clients/{client_id}/revoke").json
    assert revoked["active"] is False and revoked["revoked_at"]
    assert admin.get(f"/api/v1/clients/{uuid.uuid4()}").status_code == 404
    actions = [e.action for e in audit_events(app, actor_id=uuid.UUID(admin.id))
               if e.action.startswith("client.")]
    assert actions == ["client.create", "client.list", "client.revoke"]


def test_only_administrators_manage_clients(world, app):
    nurse = world.staff("nurse")
    assert nurse.get("/api/v1/clients").status_code == 403
    made = nurse.post("/api/v1/clients", json={"name": "X", "care_team": "team-a",
                                               "scopes": [WRITE]})
    assert made.status_code == 403
    assert count(app, IntegrationClient) == 0
    assert audit_events(app, action="client.create", outcome="denied")


def _ec_pem(curve: ec.EllipticCurve) -> str:
    return ec.generate_private_key(curve).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_bad_input_names_the_field_and_stores_nothing(world, app):
    world.team("team-a")
    admin = world.admin()
    private_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    private_jwk = json.dumps(Signer("RSA").key.as_dict(private=True))
    for change, field in (({"scopes": ["system/*.write"]}, "scopes"),
                          ({"scopes": []}, "scopes"),
                          ({"care_team": "no-such-team"}, "care_team"),
                          ({"name": ""}, "name"),
                          ({"name": "x" * 201}, "name"),
                          ({"public_key": "not a key"}, "public_key"),
                          ({"public_key": private_pem}, "public_key"),
                          ({"public_key": private_jwk}, "public_key"),
                          ({"public_key": _ec_pem(ec.SECP256R1())}, "public_key"),
                          ({"public_key": "{" + "x" * 30_000}, "public_key"),
                          ({"surprise": 1}, "surprise")):
        body = {"name": "Passerelle", "care_team": "team-a", "scopes": [WRITE], **change}
        answer = admin.post("/api/v1/clients", json=body)
        assert answer.status_code == 422, (change, answer.json)
        assert field in answer.json["errors"]["json"], (change, answer.json)
    assert count(app, IntegrationClient) == 0
