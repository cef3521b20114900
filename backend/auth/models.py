from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from backend.crypto import SealedText, keyring
from backend.db import Base, UUIDPrimaryKey

ROLES = ("admin", "surgeon", "nurse")
# The roles that care for a team's patients (enrol them, act on their alerts): never an
# administrator, who manages accounts and teams and may only read.
CARE_ROLES = ("nurse", "surgeon")


class StaffUser(UUIDPrimaryKey, Base):
    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'surgeon', 'nurse')", name="role"),)

    # Sealed at rest; found by the keyed hash of the lower-cased address (``email_index``,
    # kept in step by ``_index_email``), which carries the uniqueness.
    email: Mapped[str] = mapped_column(SealedText())
    email_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(SealedText())
    active: Mapped[bool] = mapped_column(default=True)
    # TOTP: a pending secret during enrolment, confirmed once a first code is checked.
    totp_secret: Mapped[str | None] = mapped_column(SealedText())  # sealed at rest
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # refuses replay of a code already used
    # The first enrolment needs more than the password: a single-use code an administrator
    # issued (account created, second factor reset), handed over out of band; HMAC only.
    mfa_enrolment_code_hash: Mapped[str | None] = mapped_column(String(64))
    mfa_enrolment_expires_at: Mapped[datetime | None]
    # An mfa_token carries the value this had when the password was checked; the second
    # step, a password change and a reset move it on, so each token serves once.
    mfa_token_serial: Mapped[int] = mapped_column(default=0)
    failed_logins: Mapped[int] = mapped_column(default=0)
    # Single sign-on: the national professional number (11 digits), and the identity
    # provider's subject, bound at the first sign-in through it.
    rpps: Mapped[str | None] = mapped_column(String(11), unique=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    last_failed_login_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_confirmed_at is not None

    @validates("email")
    def _index_email(self, _key: str, email: str) -> str:
        self.email_index = email_index(email)
        return email


def normal_email(email: str) -> str:
    """A staff e-mail as it is stored and compared: trimmed, lower-cased."""
    return email.strip().lower()


def email_index(email: str) -> str:
    """The keyed hash a staff account is found by."""
    return keyring().index(normal_email(email))


class LoginFailure(UUIDPrimaryKey, Base):
    """Failed sign-ins with an e-mail that has no account, counted exactly as an account
    counts its own (``StaffUser.failed_logins``...), so the back-off and the lockout do
    not tell which e-mails have an account. Keyed by an HMAC of the e-mail."""

    __tablename__ = "login_failures"

    email_digest: Mapped[str] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int]
    last_failed_login_at: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]


class AccessToken(UUIDPrimaryKey, Base):
    """A staff bearer token: only its SHA-256 is stored, so a database leak yields no token."""

    __tablename__ = "access_tokens"

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                                index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Signed in through the identity provider, which reported a second factor.
    provider_mfa: Mapped[bool] = mapped_column(default=False)
    # Signed in through the identity provider: the session ends when its ID token does
    # (``provider_until``), or when the provider says its session ``provider_sid`` ended
    # (back-channel logout).
    provider_until: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(String(255), index=True)


class RecoveryCode(UUIDPrimaryKey, Base):
    __tablename__ = "recovery_codes"

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                                index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


# The patient app's credentials: a code given at enrolment, exchanged once for a device
# token.
class ActivationCode(UUIDPrimaryKey, Base):
    """A single-use, expiring code that pairs the patient's phone; stored hashed."""

    __tablename__ = "activation_codes"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollments.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # the retention purge's cut-off
    used_at: Mapped[datetime | None]


class DeviceToken(UUIDPrimaryKey, Base):
    """The patient app's bearer token (hash only), revocable by staff or the patient.

    It works until the follow-up of the enrolment it was paired for ends, plus a grace
    period for the app to send what it still holds (``backend.auth.principal``)."""

    __tablename__ = "device_tokens"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    # None only for a token paired before this link existed whose enrolment was not found:
    # such a token no longer works.
    enrollment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrollments.id"),
                                                            index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    push_token: Mapped[str | None] = mapped_column(String(4096))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
