"""Integration clients in tests: created by the administrator through the API, tokens
fetched from /oauth/token as a gateway would, keys made with cryptography."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from tests.helpers import Caller, World

TOKEN_URL = "http://127.0.0.1:5000/oauth/token"  # SUIVI_PUBLIC_URL's default + the path
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
WRITE = "system/Observation.write"


def new_client(world: World, team: str = "team-a", scopes: tuple[str, ...] = (WRITE,),
               public_key: str | None = None, name: str = "Passerelle tensiomètres") -> dict:
    world.team(team)
    body: dict[str, Any] = {"name": name, "care_team": team, "scopes": list(scopes)}
    if public_key is not None:
        body["public_key"] = public_key
    created = world.admin().post("/api/v1/clients", json=body)
    assert created.status_code == 201, created.json
    return created.json


def secret_token(app: Flask, client: dict, scope: str | None = None, **extra: str):
    form = {"grant_type": "client_credentials", "client_id": client["client_id"],
            "client_secret": client["client_secret"], **extra}
    if scope is not None:
        form["scope"] = scope
    return app.test_client().post("/oauth/token", data=form)


def client_caller(app: Flask, client: dict, scope: str | None = None) -> Caller:
    answer = secret_token(app, client, scope)
    assert answer.status_code == 200, answer.json
    return Caller(app, answer.json["access_token"])


class Signer:
    """A client's key pair: the public half as the administrator registers it, the
    private half signing assertions."""

    def __init__(self, kind: str = "EC") -> None:
        if kind == "EC":
            private = ec.generate_private_key(ec.SECP384R1())
            self.algorithm = "ES384"
            self.key = ECKey.import_key(_pem(private))
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.algorithm = "RS384"
            self.key = RSAKey.import_key(_pem(private))
        self.public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def jwks(self, kid: str = "k1") -> str:
        import json

        return json.dumps({"keys": [{**self.key.as_dict(private=False), "kid": kid,
                                     "alg": self.algorithm}]})

    def assertion(self, client_id: str, at: datetime, *, aud: str = TOKEN_URL,
                  lifetime: timedelta = timedelta(minutes=4), jti: str | None = None,
                  kid: str | None = None, **claims: Any) -> str:
        header = {"alg": self.algorithm, "typ": "JWT", **({"kid": kid} if kid else {})}
        payload = {"iss": client_id, "sub": client_id, "aud": aud,
                   "exp": int((at + lifetime).timestamp()),
                   "jti": jti or str(uuid.uuid4()), **claims}
        return jwt.encode(header, payload, self.key, algorithms=[self.algorithm])


def _pem(private: Any) -> bytes:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())


def assertion_token(app: Flask, assertion: str, scope: str | None = None):
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion}
    if scope is not None:
        form["scope"] = scope
    return app.test_client().post("/oauth/token", data=form)
