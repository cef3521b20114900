"""Staff authentication: password, second factor, back-off and lockout, tokens."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

import pyotp
import segno
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import db
from backend.audit import services as audit
from backend.auth.models import AccessToken, RecoveryCode, StaffUser
from backend.auth.principal import STAFF_TOKEN_PREFIX
from backend.clock import now
from backend.errors import Conflict, Invalid, TooManyAttempts, Unauthenticated
from backend.security import (
    code_digest,
    hash_password,
    new_code,
    new_token,
    password_needs_rehash,
    token_hash,
    verify_password,
)

# Failures allowed before each further attempt must wait 2^(n - FREE_ATTEMPTS) seconds.
FREE_ATTEMPTS = 3
MAX_BACKOFF_SECONDS = 60
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "Suivi"


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser
    access_token: str | None = None
    mfa_token: str | None = None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="suivi-mfa")


def _check_backoff(user: StaffUser, action: str) -> None:
    current = now()
    if user.locked_until and user.locked_until > current:
        wait = int((user.locked_until - current).total_seconds()) + 1
        audit.record_refusal(action, actor=("staff", user.id), detail={"reason": "locked"})
        raise TooManyAttempts(f"Account temporarily locked after repeated failures; retry in "
                              f"{wait} s.", retry_after=wait)
    if user.failed_logins >= FREE_ATTEMPTS and user.last_failed_login_at:
        delay = min(2 ** (user.failed_logins - FREE_ATTEMPTS), MAX_BACKOFF_SECONDS)
        ready_at = user.last_failed_login_at + timedelta(seconds=delay)
        if ready_at > current:
            wait = int((ready_at - current).total_seconds()) + 1
            audit.record_refusal(action, actor=("staff", user.id), detail={"reason": "back-off"})
            raise TooManyAttempts(f"Too many failed attempts; retry in {wait} s.",
                                  retry_after=wait)


def _fail(user: StaffUser | None, action: str, message: str) -> NoReturn:
    """Refuse the attempt; its trace and the user's failure count outlive the rollback."""
    if user is None:
        audit.record_refusal(action, outcome="failure", actor=("anonymous", None))
    else:
        user_id, at = user.id, now()
        audit.record_refusal(action, outcome="failure", actor=("staff", user_id),
                             keep=lambda session: _count_failure(session, user_id, at))
    raise Unauthenticated(message)


def _count_failure(session: Session, user_id: uuid.UUID, at: datetime) -> None:
    user = session.get(StaffUser, user_id)
    user.failed_logins += 1
    user.last_failed_login_at = at
    if user.failed_logins >= current_app.config["SUIVI_LOCKOUT_THRESHOLD"]:
        user.locked_until = at + timedelta(seconds=current_app.config["SUIVI_LOCKOUT_SECONDS"])


def _succeed(user: StaffUser) -> str:
    user.failed_logins = 0
    user.locked_until = None
    user.last_failed_login_at = None
    return issue_access_token(user)


def issue_access_token(user: StaffUser) -> str:
    token = new_token(STAFF_TOKEN_PREFIX)
    current = now()
    ttl = timedelta(seconds=current_app.config["SUIVI_ACCESS_TOKEN_TTL"])
    db.session().add(AccessToken(staff_id=user.id, token_hash=token_hash(token),
                                 created_at=current, expires_at=current + ttl))
    return token


def login(email: str, password: str, address: str | None) -> LoginResult:
    """Check the password of ``email``, tried from ``address`` (throttled per address)."""
    audit.throttle_address("auth.login", address, account=email)
    session = db.session()
    user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is not None:
        _check_backoff(user, "auth.login")
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        _fail(user, "auth.login", "Wrong e-mail or password.")
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.mfa_enabled:
        expires = now().timestamp() + current_app.config["SUIVI_MFA_TOKEN_TTL"]
        mfa_token = _serializer().dumps({"uid": str(user.id), "exp": expires})
        audit.record("auth.password_ok", actor=("staff", user.id))
        return LoginResult(user=user, mfa_token=mfa_token)
    audit.record("auth.login", actor=("staff", user.id))
    return LoginResult(user=user, access_token=_succeed(user))


def verify_mfa(mfa_token: str, code: str, address: str | None) -> LoginResult:
    audit.throttle_address("auth.mfa", address, account=mfa_token)
    try:
        payload = _serializer().loads(mfa_token)
    except BadSignature:
        payload = None
    # Expiry is checked against the app's clock (not itsdangerous' own), like every deadline.
    if payload is None or payload.get("exp", 0) <= now().timestamp():
        audit.record_refusal("auth.mfa", outcome="failure",
                             detail={"reason": "bad or expired mfa_token"})
        raise Unauthenticated("The sign-in has expired; enter your password again.")
    user = db.session().get(StaffUser, uuid.UUID(payload["uid"]))
    if user is None or not user.active or not user.mfa_enabled:
        _fail(None, "auth.mfa", "The sign-in has expired; enter your password again.")
    _check_backoff(user, "auth.mfa")
    if not (_accept_totp(user, code) or _accept_recovery_code(user, code)):
        _fail(user, "auth.mfa", "Wrong code.")
    audit.record("auth.login", actor=("staff", user.id), detail={"mfa": True})
    return LoginResult(user=user, access_token=_succeed(user))


def _accept_totp(user: StaffUser, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6) or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    at = now()
    step = totp.timecode(at)
    # One step either side for phone clock drift; a step already used is refused (replay).
    for candidate in (step - 1, step, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                return False
            user.totp_last_step = candidate
            return True
    return False


def _accept_recovery_code(user: StaffUser, code: str) -> bool:
    row = db.session().scalar(select(RecoveryCode).where(
        RecoveryCode.staff_id == user.id, RecoveryCode.code_hash == code_digest(code),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = now()
    return True


def begin_totp_enrolment(user: StaffUser) -> dict[str, str]:
    if user.mfa_enabled:
        raise Conflict("A second factor is already enrolled; an administrator can reset it.")
    user.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)
    audit.record("auth.totp_enrolment_started", actor=("staff", user.id))
    return {"secret": user.totp_secret, "otpauth_uri": uri,
            "qr_svg": segno.make(uri, error="m").svg_data_uri(scale=4)}


def confirm_totp_enrolment(user: StaffUser, code: str) -> list[str]:
    if user.mfa_enabled:
        raise Conflict("A second factor is already enrolled.")
    if not user.totp_secret:
        raise Conflict("Start the enrolment first (POST /api/v1/auth/totp).")
    if not _accept_totp(user, code):
        audit.record_refusal("auth.totp_confirm", outcome="failure")
        wrong = Invalid("code", "wrong code; check the time on your phone.")
        wrong.errors = {"json": {"code": ["wrong code"]}}  # the field's reason, the hint aside
        raise wrong
    user.totp_confirmed_at = now()
    codes = [new_code(10) for _ in range(RECOVERY_CODE_COUNT)]
    db.session().add_all(RecoveryCode(staff_id=user.id, code_hash=code_digest(c)) for c in codes)
    audit.record("auth.totp_enrolled", actor=("staff", user.id))
    return codes


def reset_mfa(user: StaffUser) -> None:
    session = db.session()
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    for row in session.scalars(select(RecoveryCode).where(RecoveryCode.staff_id == user.id)):
        session.delete(row)
    revoke_tokens(user)


def revoke_tokens(user: StaffUser) -> None:
    db.session().execute(AccessToken.__table__.update()
                         .where(AccessToken.staff_id == user.id, AccessToken.revoked_at.is_(None))
                         .values(revoked_at=now()))


def logout(token: str) -> None:
    row = db.session().scalar(select(AccessToken)
                              .where(AccessToken.token_hash == token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now()
        audit.record("auth.logout")
