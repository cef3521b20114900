from marshmallow import Schema, fields, validate

from backend.clients.models import SCOPES
from backend.clients.services import PUBLIC_KEY_LENGTH
from backend.schemas import name_of
from backend.teams.schemas import Slug

SHOWN_ONCE = ("shown once: give it to the client's operator over a secure channel; "
              "only its argon2 hash is kept")


class ClientIn(Schema):
    name = fields.String(required=True, validate=name_of(200))
    care_team = fields.String(required=True, validate=Slug, metadata={
        "description": "slug of the care team whose patients the client sees and writes"})
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True,
                         validate=validate.Length(min=1, max=len(SCOPES)))
    public_key = fields.String(allow_none=True, validate=validate.Length(
        max=PUBLIC_KEY_LENGTH), metadata={
        "description": "a JWKS or a PEM public key (RSA 2048+ for RS384, EC P-384 for "
                       "ES384): the client then signs JWT assertions; without it, the "
                       "client gets a secret"})


class ClientOut(Schema):
    id = fields.UUID()
    name = fields.String()
    care_team = fields.String(attribute="care_team.slug")
    scopes = fields.List(fields.String())
    auth_method = fields.String(metadata={"description": "secret or jwt (signed assertion)"})
    active = fields.Boolean()
    created_by = fields.UUID()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class ClientCreatedOut(Schema):
    """A ``NewClient``: the client, and what its operator configures (shown once)."""

    client = fields.Nested(ClientOut)
    client_id = fields.UUID(attribute="client.id")
    client_secret = fields.String(attribute="secret", allow_none=True, metadata={
        "description": SHOWN_ONCE + " (null: the client signs JWT assertions)"})
    token_url = fields.String()
