"""Staff authentication: password, second factor, back-off and lockout, tokens.

A second factor is enrolled once per account with a single-use enrolment code that an
administrator issued (account created, second factor reset): the password alone never
enrols one. Each code or token a person presents is spent by one conditional UPDATE, so
of two concurrent requests presenting the same one, only one gets through.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, Protocol

import pyotp
import segno
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from backend import db
from backend.audit import services as audit
from backend.auth.models import (
    AccessToken,
    LoginFailure,
    RecoveryCode,
    StaffUser,
    email_index,
    normal_email,
)
from backend.auth.principal import STAFF_TOKEN_PREFIX
from backend.clock import now
from backend.errors import Conflict, Invalid, TooManyAttempts, Unauthenticated
from backend.security import (
    code_digest,
    hash_password,
    keyed_digest,
    new_code,
    new_token,
    password_needs_rehash,
    token_hash,
    verify_password,
)
from backend.text import ascii_digits

# Failures allowed before each further attempt must wait 2^(n - FREE_ATTEMPTS) seconds.
FREE_ATTEMPTS = 3
MAX_BACKOFF_SECONDS = 60
# Failures older than this are forgotten, by an account and by an e-mail without one alike.
FAILURE_MEMORY = timedelta(days=1)
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "Suivi"
SIGN_IN_EXPIRED = "The sign-in has expired; enter your password again."


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser
    access_token: str | None = None
    mfa_token: str | None = None


@dataclass(frozen=True)
class EnrolmentCode:
    """What lets its holder enrol a second factor once; shown once to the administrator
    who issued it, who hands it over out of band."""

    code: str
    expires_at: datetime


class _Attempts(Protocol):
    """What the back-off reads: an account's failures, or those of an unknown e-mail."""

    failed_logins: int
    last_failed_login_at: datetime | None
    locked_until: datetime | None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="suivi-mfa")


def _check_backoff(attempts: _Attempts | None, action: str, actor: audit.Actor) -> None:
    if attempts is None:
        return
    current = now()
    if attempts.locked_until and attempts.locked_until > current:
        wait = int((attempts.locked_until - current).total_seconds()) + 1
        audit.record_refusal(action, actor=actor, detail={"reason": "locked"})
        raise TooManyAttempts(f"Account temporarily locked after repeated failures; retry in "
                              f"{wait} s.", retry_after=wait)
    if attempts.failed_logins >= FREE_ATTEMPTS and attempts.last_failed_login_at:
        delay = min(2 ** (attempts.failed_logins - FREE_ATTEMPTS), MAX_BACKOFF_SECONDS)
        ready_at = attempts.last_failed_login_at + timedelta(seconds=delay)
        if ready_at > current:
            wait = int((ready_at - current).total_seconds()) + 1
            audit.record_refusal(action, actor=actor, detail={"reason": "back-off"})
            raise TooManyAttempts(f"Too many failed attempts; retry in {wait} s.",
                                  retry_after=wait)


def _fail(user: StaffUser | None, action: str, message: str,
          email: str | None = None) -> NoReturn:
    """Refuse the attempt; its trace and the failure count (the account's, or that of the
    unknown ``email``) outlive the rollback."""
    at = now()
    if user is None:
        digest = _email_digest(email) if email else None
        audit.record_refusal(action, outcome="failure", actor=("anonymous", None),
                             keep=None if digest is None else
                             lambda session: _count_unknown_failure(session, digest, at))
    else:
        user_id = user.id
        audit.record_refusal(action, outcome="failure", actor=("staff", user_id),
                             keep=lambda session: _count_failure(session, user_id, at))
    raise Unauthenticated(message)


def _note_failure(attempts: _Attempts, at: datetime) -> None:
    if attempts.last_failed_login_at and at - attempts.last_failed_login_at > FAILURE_MEMORY:
        attempts.failed_logins = 0
    attempts.failed_logins += 1
    attempts.last_failed_login_at = at
    if attempts.failed_logins >= current_app.config["SUIVI_LOCKOUT_THRESHOLD"]:
        attempts.locked_until = at + timedelta(seconds=current_app.config["SUIVI_LOCKOUT_SECONDS"])


def _count_failure(session: Session, user_id: uuid.UUID, at: datetime) -> None:
    _note_failure(session.get(StaffUser, user_id), at)


def _email_digest(email: str) -> str:
    return keyed_digest(normal_email(email))


def _failures_of_unknown(email: str) -> LoginFailure | None:
    return db.session().scalar(select(LoginFailure)
                               .where(LoginFailure.email_digest == _email_digest(email)))


def _count_unknown_failure(session: Session, digest: str, at: datetime) -> None:
    # What an account would have forgotten by now goes: the table stays small.
    session.execute(delete(LoginFailure).where(
        LoginFailure.last_failed_login_at < at - FAILURE_MEMORY,
        or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until < at)))
    db.insert_if_absent(LoginFailure, {"id": uuid.uuid4(), "email_digest": digest,
                                       "failed_logins": 0, "last_failed_login_at": at},
                        unique=["email_digest"])
    _note_failure(session.scalar(select(LoginFailure)
                                 .where(LoginFailure.email_digest == digest)), at)


@dataclass(frozen=True)
class ProviderSession:
    """A sign-in through the identity provider: the staff session lasts no longer than
    its ID token (``until``) and ends with the provider's session ``sid`` (back-channel
    logout)."""

    until: datetime | None = None
    sid: str | None = None
    mfa: bool = False  # the provider reported a second factor


def _succeed(user: StaffUser, provider: ProviderSession | None = None) -> str:
    user.failed_logins = 0
    user.locked_until = None
    user.last_failed_login_at = None
    return issue_access_token(user, provider)


def issue_access_token(user: StaffUser, provider: ProviderSession | None = None) -> str:
    token = new_token(STAFF_TOKEN_PREFIX)
    current = now()
    expires = current + timedelta(seconds=current_app.config["SUIVI_ACCESS_TOKEN_TTL"])
    provider = provider or ProviderSession()
    if provider.until is not None:
        expires = min(expires, provider.until)
    db.session().add(AccessToken(staff_id=user.id, token_hash=token_hash(token),
                                 created_at=current, expires_at=expires,
                                 provider_mfa=provider.mfa, provider_until=provider.until,
                                 provider_sid=provider.sid))
    return token


def login(email: str, password: str, address: str | None) -> LoginResult:
    """Check the password of ``email``, tried from ``address`` (throttled per address).

    An e-mail without an account backs off and locks exactly as an account does, so
    neither the answers nor their timing tell whether it has one."""
    audit.throttle_address("auth.login", address, account=email)
    session = db.session()
    email = normal_email(email)
    user = session.scalar(select(StaffUser).where(StaffUser.email_index == email_index(email)))
    if user is not None:
        _check_backoff(user, "auth.login", ("staff", user.id))
    else:
        _check_backoff(_failures_of_unknown(email), "auth.login", ("anonymous", None))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        _fail(user, "auth.login", "Wrong e-mail or password.", email=email)
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return first_factor_passed(user)


def first_factor_passed(user: StaffUser, *, via: str = "password",
                        provider: ProviderSession | None = None) -> LoginResult:
    """``user`` proved who they are (password, or the identity provider ``via="oidc"``):
    an access token, or the second step when a local second factor is enrolled and the
    provider did not report one."""
    provider_mfa = bool(provider and provider.mfa)
    detail = None if via == "password" else {"via": via, "provider_mfa": provider_mfa}
    if user.mfa_enabled and not provider_mfa:
        expires = now().timestamp() + current_app.config["SUIVI_MFA_TOKEN_TTL"]
        # ``n``: the token is good only while the account's serial still says so; ``p``:
        # the provider's session, which the sign-in keeps after the second step.
        payload = {"uid": str(user.id), "exp": expires, "n": user.mfa_token_serial}
        if provider is not None:
            payload["p"] = [provider.until.timestamp() if provider.until else None,
                            provider.sid]
        mfa_token = _serializer().dumps(payload)
        audit.record(f"auth.{via}_ok", actor=("staff", user.id), detail=detail)
        return LoginResult(user=user, mfa_token=mfa_token)
    audit.record("auth.login", actor=("staff", user.id), detail=detail)
    return LoginResult(user=user, access_token=_succeed(user, provider))


def _provider_of(payload: dict[str, Any]) -> ProviderSession | None:
    """The provider's session an mfa_token carries (None after a password)."""
    if not payload.get("p"):
        return None
    until, sid = payload["p"]
    return ProviderSession(until=datetime.fromtimestamp(until, UTC) if until else None,
                           sid=sid)


def _expired_sign_in(reason: str) -> NoReturn:
    audit.record_refusal("auth.mfa", outcome="failure", detail={"reason": reason})
    raise Unauthenticated(SIGN_IN_EXPIRED)


def verify_mfa(mfa_token: str, code: str, address: str | None) -> LoginResult:
    """The second step: a TOTP or recovery code for ``mfa_token``, which then serves no more."""
    audit.throttle_address("auth.mfa", address, account=mfa_token)
    try:
        payload = _serializer().loads(mfa_token)
    except BadSignature:
        payload = None
    # Expiry is checked against the app's clock (not itsdangerous' own), like every deadline.
    if payload is None or payload.get("exp", 0) <= now().timestamp():
        _expired_sign_in("bad or expired mfa_token")
    user = db.session().get(StaffUser, uuid.UUID(payload["uid"]))
    if user is None or not user.active or not user.mfa_enabled:
        _fail(None, "auth.mfa", SIGN_IN_EXPIRED)
    if payload.get("n") != user.mfa_token_serial:
        _expired_sign_in("mfa_token already used")
    _check_backoff(user, "auth.mfa", ("staff", user.id))
    if not (_accept_totp(user, code) or _accept_recovery_code(user, code)):
        _fail(user, "auth.mfa", "Wrong code.")
    if not _spend_mfa_token(user, payload["n"]):
        _expired_sign_in("mfa_token already used")  # by a concurrent request
    audit.record("auth.login", actor=("staff", user.id), detail={"mfa": True})
    return LoginResult(user=user, access_token=_succeed(user, _provider_of(payload)))


def _spend_mfa_token(user: StaffUser, serial: int) -> bool:
    result = db.session().execute(
        update(StaffUser).where(StaffUser.id == user.id, StaffUser.mfa_token_serial == serial)
        .values(mfa_token_serial=serial + 1).execution_options(synchronize_session="fetch"))
    return result.rowcount == 1


def _end_pending_sign_ins(user: StaffUser) -> None:
    """Every mfa_token issued so far stops working."""
    user.mfa_token_serial = StaffUser.mfa_token_serial + 1


def _accept_totp(user: StaffUser, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if not (ascii_digits(code) and len(code) == 6) or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    step = totp.timecode(now())
    # One step either side for phone clock drift; a step already used is refused (replay).
    for candidate in (step - 1, step, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return _claim_totp_step(user, candidate)
    return False


def _claim_totp_step(user: StaffUser, step: int) -> bool:
    # Checked and marked in one statement: of two requests with the same code, the second
    # waits for the first's row lock and then finds the step taken.
    result = db.session().execute(
        update(StaffUser).where(StaffUser.id == user.id, or_(
            StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session="fetch"))
    return result.rowcount == 1


def _accept_recovery_code(user: StaffUser, code: str) -> bool:
    result = db.session().execute(
        update(RecoveryCode).where(RecoveryCode.staff_id == user.id,
                                   RecoveryCode.code_hash == code_digest(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=now()).execution_options(synchronize_session=False))
    return result.rowcount > 0


# -- enrolment of the second factor -----------------------------------------------------
def issue_mfa_enrolment_code(user: StaffUser) -> EnrolmentCode:
    """A new code with which ``user`` can enrol a second factor once; an earlier one
    stops working."""
    code = new_code(10)
    expires_at = now() + timedelta(seconds=current_app.config["SUIVI_MFA_ENROLMENT_CODE_TTL"])
    user.mfa_enrolment_code_hash = code_digest(code)
    user.mfa_enrolment_expires_at = expires_at
    return EnrolmentCode(code=code, expires_at=expires_at)


def _enrolment_code_required() -> bool:
    return not current_app.config["SUIVI_DEMO"]  # demo staff may even skip the second factor


def _check_enrolment_code(user: StaffUser, code: str | None) -> None:
    if not code:
        if not _enrolment_code_required():
            return
        raise Invalid("mfa_enrolment_code", "required: the enrolment code an administrator "
                                            "gave you")
    _check_backoff(user, "auth.totp_enrolment", ("staff", user.id))
    live = (user.mfa_enrolment_code_hash is not None and user.mfa_enrolment_expires_at
            and user.mfa_enrolment_expires_at > now())
    if not (live and secrets.compare_digest(code_digest(code), user.mfa_enrolment_code_hash)):
        user_id, at = user.id, now()
        audit.record_refusal("auth.totp_enrolment", outcome="failure", actor=("staff", user_id),
                             keep=lambda session: _count_failure(session, user_id, at))
        raise Invalid("mfa_enrolment_code", "wrong, used or expired: ask an administrator "
                                            "for a new one")


def begin_totp_enrolment(user: StaffUser, enrolment_code: str | None) -> dict[str, str]:
    """A new pending TOTP secret for ``user`` (replacing one not yet confirmed), for the
    holder of the account's enrolment code."""
    if user.mfa_enabled:
        raise Conflict("A second factor is already enrolled; an administrator can reset it.")
    _check_enrolment_code(user, enrolment_code)
    user.totp_secret = pyotp.random_base32()
    audit.record("auth.totp_enrolment_started", actor=("staff", user.id))
    return totp_enrolment(user)


def totp_enrolment(user: StaffUser) -> dict[str, str]:
    """The pending secret of ``user`` as an authenticator app reads it."""
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)
    return {"secret": user.totp_secret, "otpauth_uri": uri,
            "qr_svg": segno.make(uri, error="m").svg_data_uri(scale=4)}


def confirm_totp_enrolment(user: StaffUser, code: str) -> list[str]:
    """Turn the pending secret on with a first code from it; the enrolment code is spent.
    Returns the recovery codes, shown once."""
    if user.mfa_enabled:
        raise Conflict("A second factor is already enrolled.")
    if not user.totp_secret:
        raise Conflict("Start the enrolment first (POST /api/v1/auth/totp).")
    # A wrong first code counts as a failed sign-in: whoever holds the password alone
    # (the pending secret waits for days) must not be able to try every code.
    audit.throttle_address("auth.totp_confirm", account=str(user.id))
    _check_backoff(user, "auth.totp_confirm", ("staff", user.id))
    if not _accept_totp(user, code):
        user_id, at = user.id, now()
        audit.record_refusal("auth.totp_confirm", outcome="failure", actor=("staff", user_id),
                             keep=lambda session: _count_failure(session, user_id, at))
        wrong = Invalid("code", "wrong code; check the time on your phone.")
        wrong.errors = {"json": {"code": ["wrong code"]}}  # the field's reason, the hint aside
        raise wrong
    if not _claim_enrolment(user):
        audit.record_refusal("auth.totp_confirm", detail={"reason": "enrolment code spent"})
        raise Conflict("This enrolment is over (confirmed elsewhere, or its code expired); "
                       "ask an administrator for a new enrolment code.")
    codes = [new_code(10) for _ in range(RECOVERY_CODE_COUNT)]
    db.session().add_all(RecoveryCode(staff_id=user.id, code_hash=code_digest(c)) for c in codes)
    audit.record("auth.totp_enrolled", actor=("staff", user.id))
    return codes


def _claim_enrolment(user: StaffUser) -> bool:
    current = now()
    condition = and_(StaffUser.id == user.id, StaffUser.totp_confirmed_at.is_(None))
    if _enrolment_code_required():
        condition = and_(condition, StaffUser.mfa_enrolment_code_hash.is_not(None),
                         StaffUser.mfa_enrolment_expires_at > current)
    result = db.session().execute(
        update(StaffUser).where(condition)
        .values(totp_confirmed_at=current, mfa_enrolment_code_hash=None,
                mfa_enrolment_expires_at=None)
        .execution_options(synchronize_session="fetch"))
    return result.rowcount == 1


def reset_mfa(user: StaffUser) -> EnrolmentCode:
    """Remove the second factor of ``user`` (tokens and pending sign-ins end); returns the
    enrolment code for the new one."""
    session = db.session()
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == user.id))
    revoke_tokens(user)
    _end_pending_sign_ins(user)
    return issue_mfa_enrolment_code(user)


def change_password(user: StaffUser, password: str) -> None:
    """A new password: whoever signed in with the old one is signed out."""
    user.password_hash = hash_password(password)
    revoke_tokens(user)
    _end_pending_sign_ins(user)


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
