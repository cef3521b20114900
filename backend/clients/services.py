"""Integration clients: created and revoked by an administrator; access tokens for them
by OAuth2 client credentials (RFC 6749 section 4.4), the client authenticated by its
secret or by a signed JWT assertion (RFC 7523, as SMART Backend Services asks).

Signatures and claims are checked by joserfc (authlib's JOSE library), keys read by
cryptography: no cryptography of our own. A client's access token is opaque and kept as
a SHA-256 only, like a staff token; revoking a client ends its tokens at once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import current_app
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, KeySet, RSAKey
from sqlalchemy import delete, select, update

from backend import db
from backend.audit import services as audit
from backend.auth.principal import CLIENT_TOKEN_PREFIX, scope_grants
from backend.clients.models import SCOPES, ClientAssertion, ClientToken, IntegrationClient
from backend.clock import now
from backend.errors import DomainError, Invalid, NotFound
from backend.security import hash_password, new_token, token_hash, verify_password
from backend.teams import services as teams

TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path)
GRANT_TYPE = "client_credentials"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# What SMART Backend Services requires a server to accept.
ALGORITHMS = ("RS384", "ES384")
# An assertion may not be valid for longer than this (SMART: five minutes at most).
ASSERTION_LIFETIME = timedelta(minutes=5)
# Clocks of the hospital's servers drift a little.
CLOCK_LEEWAY_SECONDS = 30
SECRET_PREFIX = "scs"  # noqa: S105 (a prefix)
PUBLIC_KEY_LENGTH = 20_000  # a JWKS of a few RSA-4096 keys fits
KEYS_PER_CLIENT = 5
MIN_RSA_BITS = 2048
JTI_LENGTH = 255
SCOPE_PARAMETER_LENGTH = 1000
CLIENTS_LISTED = 500
# Expired tokens of a client are deleted when it gets a new one, after this.
EXPIRED_TOKENS_KEPT = timedelta(days=1)
ACTION = "oauth.token"


class OAuthRefusal(DomainError):
    """A token request refused, in RFC 6749's words (section 5.2): ``error`` is one of
    its codes, ``status`` 400, or 401 for ``invalid_client``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.status = status


@dataclass(frozen=True)
class NewClient:
    """A client just created, with its secret (None: it signs assertions), shown once."""

    client: IntegrationClient
    secret: str | None
    token_url: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


@dataclass(frozen=True)
class TokenRequest:
    """What the token endpoint received: the form's fields, and the client id and secret
    of an HTTP Basic header if there was one."""

    form: dict[str, str]
    basic: tuple[str, str] | None = None


# -- administration ----------------------------------------------------------------------
def public_keys(text: str) -> KeySet:
    """The public keys of a JWKS (JSON) or of one PEM public key; a private key, a key of
    another kind or too weak a key is refused, naming the field."""
    text = text.strip()
    if len(text) > PUBLIC_KEY_LENGTH:
        raise Invalid("public_key", f"at most {PUBLIC_KEY_LENGTH} characters")
    try:
        if text.startswith("{"):
            data = json.loads(text)
            keys = (KeySet.import_key_set(data) if isinstance(data, dict) and "keys" in data
                    else KeySet([JWKRegistry.import_key(data)]))
        else:
            keys = KeySet([_pem_key(text)])
    except (ValueError, TypeError, KeyError, JoseError):
        raise Invalid("public_key", "neither a JWKS nor a PEM public key (RSA or EC P-384)") \
            from None
    if not keys.keys or len(keys.keys) > KEYS_PER_CLIENT:
        raise Invalid("public_key", f"give 1 to {KEYS_PER_CLIENT} keys")
    for key in keys:
        _check_key(key)
    return keys


def _pem_key(text: str) -> RSAKey | ECKey:
    if "PRIVATE KEY" in text:
        raise Invalid("public_key", "this is a private key: register the public key only "
                                    "(the private key never leaves the client)")
    loaded = serialization.load_pem_public_key(text.encode())
    key_type = "RSA" if isinstance(loaded, rsa.RSAPublicKey) else "EC"
    return JWKRegistry.import_key(text, key_type)


def _check_key(key: Any) -> None:
    if key.is_private:
        raise Invalid("public_key", "this is a private key: register the public key only "
                                    "(the private key never leaves the client)")
    if isinstance(key, RSAKey):
        if key.public_key.key_size < MIN_RSA_BITS:
            raise Invalid("public_key", f"an RSA key needs {MIN_RSA_BITS} bits or more")
    elif isinstance(key, ECKey):
        if not isinstance(key.public_key.curve, ec.SECP384R1):
            raise Invalid("public_key", "an EC key must be on the P-384 curve (ES384)")
    else:
        raise Invalid("public_key", "only RSA (RS384) and EC P-384 (ES384) keys are accepted")


def check_scopes(scopes: Iterable[str], field: str = "scopes") -> list[str]:
    chosen = list(dict.fromkeys(scopes))
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown:
        raise Invalid(field, f"unknown scope {unknown[0]!r} (one of {', '.join(SCOPES)})")
    if not chosen:
        raise Invalid(field, "choose at least one scope")
    return chosen


def create_client(created_by: uuid.UUID, name: str, care_team: str, scopes: Iterable[str],
                  public_key: str | None = None) -> NewClient:
    """A client bound to ``care_team`` with ``scopes``; it signs assertions checked with
    ``public_key`` (JWKS or PEM), or, without one, gets a secret (returned once)."""
    name = name.strip()
    if not name:
        raise Invalid("name", "required")
    team = teams.team_by_slug(care_team, field="care_team")
    chosen = check_scopes(scopes)
    secret = None
    if public_key and public_key.strip():
        public_keys(public_key)
        method, key_text, secret_hash = "jwt", public_key.strip(), None
    else:
        secret = new_token(SECRET_PREFIX)
        method, key_text, secret_hash = "secret", None, hash_password(secret)
    client = IntegrationClient(name=name, care_team_id=team.id, scopes=chosen,
                               auth_method=method, secret_hash=secret_hash,
                               public_key=key_text, created_by=created_by, created_at=now())
    session = db.session()
    session.add(client)
    session.flush()
    audit.record("client.create", object_type="integration_client", object_id=client.id,
                 detail={"team": team.slug, "scopes": chosen, "auth_method": method})
    return NewClient(client=client, secret=secret, token_url=token_url())


def list_clients() -> list[IntegrationClient]:
    clients = list(db.session().scalars(select(IntegrationClient).order_by(
        IntegrationClient.created_at.desc(), IntegrationClient.id).limit(CLIENTS_LISTED)))
    audit.record("client.list")
    return clients


def names_of(client_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of clients, by id (one query), for the audit trail's readers."""
    ids = set(client_ids)
    if not ids:
        return {}
    rows = db.session().execute(select(IntegrationClient.id, IntegrationClient.name)
                                .where(IntegrationClient.id.in_(ids)))
    return {client_id: name for client_id, name in rows}


def get_client(client_id: uuid.UUID) -> IntegrationClient:
    client = db.session().get(IntegrationClient, client_id)
    if client is None:
        raise NotFound("No such integration client.")
    return client


def revoke_client(client: IntegrationClient) -> IntegrationClient:
    """The client can no longer get tokens, and the tokens it has stop working now."""
    current = now()
    if client.revoked_at is None:
        client.revoked_at = current
    db.session().execute(update(ClientToken).where(ClientToken.client_id == client.id,
                                                   ClientToken.revoked_at.is_(None))
                         .values(revoked_at=current))
    audit.record("client.revoke", object_type="integration_client", object_id=client.id)
    return client


# -- the token endpoint --------------------------------------------------------------------
def token_url() -> str:
    """The audience a client's assertion must name: this endpoint's public address."""
    return current_app.config["SUIVI_PUBLIC_URL"] + TOKEN_PATH


def issue_token(request: TokenRequest, address: str | None) -> IssuedToken:
    """An access token for the client the request authenticates, with the scopes it asks
    for (all those granted when it names none); refused with an ``OAuthRefusal``."""
    form = request.form
    grant_type = form.get("grant_type")
    if not grant_type:
        _refuse(None, "invalid_request", "grant_type is required")
    if grant_type != GRANT_TYPE:
        _refuse(None, "unsupported_grant_type", f"only {GRANT_TYPE} is supported")
    assertion_type = form.get("client_assertion_type")
    claimed_id = (form.get("client_id") or (request.basic[0] if request.basic else "")
                  or _unverified_issuer(form.get("client_assertion")))
    audit.throttle_address(ACTION, address, account=claimed_id or "-")
    if assertion_type is not None or form.get("client_assertion") is not None:
        if assertion_type != ASSERTION_TYPE:
            _refuse(None, "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
        client, jti = _assertion_client(form.get("client_assertion") or "")
    else:
        client, jti = _secret_client(request), None
    scopes = _requested_scopes(client, form.get("scope"))
    if jti is not None:
        _spend_assertion(client, *jti)
    return _issue(client, scopes)


def _refuse(client: IntegrationClient | None, error: str, description: str,
            reason: str | None = None) -> NoReturn:
    """Refuse the request; the trail names the client when it is known. Failed
    authentications count against the address, like failed sign-ins."""
    status = 401 if error == "invalid_client" else 400
    actor = ("client", client.id) if client is not None else ("anonymous", None)
    audit.record_refusal(ACTION, outcome="failure" if status == 401 else "denied",
                         actor=actor, detail={"error": error, "reason": reason or description})
    raise OAuthRefusal(error, description, status)


def _client(client_id: str | None) -> IntegrationClient | None:
    try:
        identifier = uuid.UUID(str(client_id))
    except ValueError:
        return None
    return db.session().get(IntegrationClient, identifier)


def _check_active(client: IntegrationClient) -> None:
    if client.revoked_at is not None:
        _refuse(client, "invalid_client", "this client has been revoked", "revoked client")


def _secret_client(request: TokenRequest) -> IntegrationClient:
    form = request.form
    if request.basic is not None:
        client_id, secret = request.basic
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not secret:
        _refuse(None, "invalid_client", "client authentication failed", "no credentials")
    client = _client(client_id)
    known = client is not None and client.auth_method == "secret"
    # Checked against a dummy hash when the client is unknown: the timing tells nothing.
    if not verify_password(client.secret_hash if known else None, secret) or not known:
        _refuse(client, "invalid_client", "client authentication failed", "wrong secret")
    _check_active(client)
    return client


def _unverified_issuer(assertion: str | None) -> str:
    """The ``iss`` an assertion claims, read before its signature is checked: it names
    the key to check it with, nothing more."""
    if not assertion:
        return ""
    try:
        claims = json.loads(jws.extract_compact(assertion.encode()).payload)
    except (ValueError, TypeError, JoseError):
        return ""
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else ""


def _assertion_client(assertion: str) -> tuple[IntegrationClient, tuple[str, datetime]]:
    """The client whose key signed ``assertion`` (iss = sub = its id, aud = the token
    URL, expiring within five minutes), and the assertion's (jti, expiry)."""
    client = _client(_unverified_issuer(assertion))
    if client is None or client.auth_method != "jwt" or not client.public_key:
        _refuse(None, "invalid_client", "client authentication failed",
                "assertion of an unknown client")
    try:
        token = jwt.decode(assertion, public_keys(client.public_key),
                           algorithms=list(ALGORITHMS))
    except (JoseError, ValueError, Invalid):
        _refuse(client, "invalid_client", "the client_assertion's signature is not valid",
                "bad signature")
    current = now()
    client_id = str(client.id)
    essential = {"essential": True}
    try:
        jwt.JWTClaimsRegistry(
            now=int(current.timestamp()), leeway=CLOCK_LEEWAY_SECONDS,
            iss={**essential, "value": client_id}, sub={**essential, "value": client_id},
            aud={**essential, "value": token_url()}, exp=essential, jti=essential,
        ).validate(token.claims)
    except JoseError as error:
        _refuse(client, "invalid_client", f"client_assertion: {error.description}",
                f"assertion refused ({error.error})")
    expires = token.claims["exp"]
    if not isinstance(expires, int | float) or (
            expires > (current + ASSERTION_LIFETIME).timestamp() + CLOCK_LEEWAY_SECONDS):
        _refuse(client, "invalid_client", "client_assertion: exp must be at most 5 minutes "
                                          "ahead", "assertion lives too long")
    jti = token.claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > JTI_LENGTH:
        _refuse(client, "invalid_client", f"client_assertion: jti must be a string of 1 to "
                                          f"{JTI_LENGTH} characters", "bad jti")
    _check_active(client)
    return client, (jti, datetime.fromtimestamp(expires, current.tzinfo))


def _spend_assertion(client: IntegrationClient, jti: str, expires_at: datetime) -> None:
    """Keep the assertion's jti until it expires; one already kept is a replay."""
    session = db.session()
    session.execute(delete(ClientAssertion).where(ClientAssertion.expires_at < now()))
    spent = db.insert_if_absent(ClientAssertion, {
        "id": uuid.uuid4(), "client_id": client.id, "jti": jti,
        "expires_at": expires_at + timedelta(seconds=CLOCK_LEEWAY_SECONDS)},
        unique=["client_id", "jti"])
    if spent is None:
        _refuse(client, "invalid_client", "client_assertion already used (jti)",
                "assertion replayed")


def _requested_scopes(client: IntegrationClient, scope: str | None) -> list[str]:
    if scope is None or not scope.strip():
        return list(client.scopes)
    if len(scope) > SCOPE_PARAMETER_LENGTH:
        _refuse(client, "invalid_scope", f"scope: at most {SCOPE_PARAMETER_LENGTH} characters")
    asked = list(dict.fromkeys(scope.split()))
    for wanted in asked:
        if wanted not in SCOPES:
            _refuse(client, "invalid_scope", f"unknown scope {wanted!r}")
        if not scope_grants(client.scopes, wanted):
            _refuse(client, "invalid_scope", f"scope {wanted} is not granted to this client")
    return asked


def _issue(client: IntegrationClient, scopes: list[str]) -> IssuedToken:
    session = db.session()
    current = now()
    ttl = current_app.config["SUIVI_CLIENT_TOKEN_TTL"]
    token = new_token(CLIENT_TOKEN_PREFIX)
    session.execute(delete(ClientToken).where(
        ClientToken.client_id == client.id,
        ClientToken.expires_at < current - EXPIRED_TOKENS_KEPT))
    session.add(ClientToken(client_id=client.id, token_hash=token_hash(token), scopes=scopes,
                            created_at=current, expires_at=current + timedelta(seconds=ttl)))
    client.last_used_at = current
    audit.record(ACTION, actor=("client", client.id), object_type="integration_client",
                 object_id=client.id, detail={"scopes": scopes, "via": client.auth_method})
    return IssuedToken(access_token=token, expires_in=ttl, scope=" ".join(scopes))
