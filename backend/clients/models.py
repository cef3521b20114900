from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UUIDPrimaryKey
from backend.teams.models import CareTeam

# What a client may be granted, SMART Backend Services style: a closed list, so that a
# scope the routes do not know can never be granted by a typo.
SCOPES = ("system/Observation.write", "system/Observation.read", "system/Patient.read",
          "system/QuestionnaireResponse.write", "system/*.read")
AUTH_METHODS = ("secret", "jwt")


class IntegrationClient(UUIDPrimaryKey, Base):
    """A system of the hospital that calls Suivi on its own (a device gateway, the EHR),
    bound to one care team: it sees and writes that team's patients only.

    It authenticates with a secret (kept as an argon2 hash, shown once at creation) or
    with a JWT signed by its private key, checked with the public key registered here."""

    __tablename__ = "integration_clients"
    __table_args__ = (CheckConstraint("auth_method IN ('secret', 'jwt')", name="auth_method"),)

    name: Mapped[str] = mapped_column(String(200))
    care_team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("care_teams.id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    auth_method: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str | None] = mapped_column(String(255))
    # A JWKS (JSON) or a PEM public key, as the administrator registered it.
    public_key: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    care_team: Mapped[CareTeam] = relationship(lazy="joined", innerjoin=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ClientToken(UUIDPrimaryKey, Base):
    """A client's access token: only its SHA-256 is stored, like a staff token's."""

    __tablename__ = "client_tokens"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integration_clients.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ClientAssertion(UUIDPrimaryKey, Base):
    """The ``jti`` of each signed assertion a client used, kept until it expires: the same
    assertion presented again is a replay, refused."""

    __tablename__ = "client_assertions"
    __table_args__ = (UniqueConstraint("client_id", "jti"),)

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integration_clients.id", ondelete="CASCADE"))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(index=True)
