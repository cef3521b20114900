"""Staff sign-in through the hospital's identity provider (OpenID Connect).

The provider says who the person is; Suivi decides whether they have an account: the
configured claim (e-mail or RPPS) finds an EXISTING active staff account, and the
provider's subject is bound to it at the first sign-in (later ones must bring the same).
No account is ever created here. Each success and refusal is audited, without a token
or a claim's value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NoReturn

from flask import current_app
from sqlalchemy import select, update

from backend import db
from backend.audit import services as audit
from backend.auth import services as auth
from backend.auth.models import AccessToken, StaffUser, email_index
from backend.clock import now
from backend.errors import Forbidden, Invalid, Unauthenticated
from backend.sso.identity import Identity

ACTION = "auth.oidc"
RPPS = re.compile(r"\d{11}")
NO_ACCOUNT = "No Suivi account matches this identity: ask your administrator."
DEACTIVATED = "This Suivi account is deactivated: ask your administrator."
OTHER_SUBJECT = ("This Suivi account is tied to another identity at the provider: ask your "
                 "administrator.")
NOT_SIGNED_IN = "The identity provider did not sign you in."
PROVIDER_FAILED = "The sign-in with the identity provider failed; please try again."


def normal_rpps(value: str | None) -> str | None:
    """An RPPS number (11 digits). Pro Santé Connect's national identifier is the RPPS
    after a leading 8 (type of identifier): that 8 is dropped."""
    value = (value or "").strip()
    if len(value) == 12 and value.startswith("8"):
        value = value[1:]
    return value if RPPS.fullmatch(value) else None


def check_rpps(value: str | None) -> str | None:
    """An RPPS set by an administrator: 11 digits, or empty for none."""
    if value is None or not value.strip():
        return None
    if not RPPS.fullmatch(value.strip()):
        raise Invalid("rpps", "an RPPS number is 11 digits")
    return value.strip()


def provider_mfa(identity: Identity, config: Mapping[str, Any]) -> bool:
    """The provider reports a second factor: an ``acr`` among SUIVI_OIDC_MFA_ACR, or an
    ``amr`` among SUIVI_OIDC_MFA_AMR."""
    return ((identity.acr is not None and identity.acr in config["SUIVI_OIDC_MFA_ACR"])
            or any(method in config["SUIVI_OIDC_MFA_AMR"] for method in identity.amr))


def _refuse(reason: str, message: str, user: StaffUser | None = None,
            error: type[Forbidden] | type[Unauthenticated] = Forbidden) -> NoReturn:
    actor = ("staff", user.id) if user is not None else ("anonymous", None)
    audit.record_refusal(ACTION, actor=actor, detail={"reason": reason})
    raise error(message)


def refused_by_provider(reason: str, denied: bool) -> NoReturn:
    """The flow ended without an identity (the person said no, a state mismatch...)."""
    _refuse(reason, NOT_SIGNED_IN if denied else PROVIDER_FAILED, error=Unauthenticated)


def _account_by_claim(identity: Identity, config: Mapping[str, Any]) -> StaffUser | None:
    session = db.session()
    if config["SUIVI_OIDC_CLAIM"] == "rpps":
        rpps = normal_rpps(str(identity.claims.get(config["SUIVI_OIDC_RPPS_CLAIM"]) or ""))
        return session.scalar(select(StaffUser).where(StaffUser.rpps == rpps)) if rpps else None
    email = identity.claims.get("email")
    if not isinstance(email, str) or identity.claims.get("email_verified") is False:
        return None
    return session.scalar(select(StaffUser).where(StaffUser.email_index == email_index(email)))


def sign_in(identity: Identity, address: str | None) -> auth.LoginResult:
    """The staff account of ``identity``, signed in (or at its local second step)."""
    audit.throttle_address(ACTION, address)
    config = current_app.config
    user = db.session().scalar(select(StaffUser)
                               .where(StaffUser.oidc_subject == identity.subject))
    if user is None:
        user = _account_by_claim(identity, config)
        if user is None:
            _refuse("no staff account for this identity", NO_ACCOUNT)
        if user.oidc_subject is not None:
            _refuse("account bound to another subject", OTHER_SUBJECT, user)
    if not user.active:
        _refuse("account deactivated", DEACTIVATED, user)
    if user.oidc_subject is None:
        user.oidc_subject = identity.subject
        audit.record("auth.oidc_bound", actor=("staff", user.id),
                     object_type="staff_user", object_id=user.id)
    return auth.first_factor_passed(user, via="oidc", provider=auth.ProviderSession(
        until=identity.expires_at, sid=identity.sid, mfa=provider_mfa(identity, config)))


def logged_out_at_provider(claims: Mapping[str, Any]) -> int:
    """The provider ended a session (back-channel logout, its token checked): every staff
    session opened through it ends now; by its ``sid`` when the token names one, else
    every session of the subject's account opened through the provider. How many ended."""
    user = None
    if claims.get("sub"):
        user = db.session().scalar(select(StaffUser)
                                   .where(StaffUser.oidc_subject == str(claims["sub"])))
    where = [AccessToken.revoked_at.is_(None), AccessToken.provider_until.is_not(None)]
    if claims.get("sid"):
        where.append(AccessToken.provider_sid == str(claims["sid"]))
    if user is not None:
        where.append(AccessToken.staff_id == user.id)
    elif not claims.get("sid"):
        return _logout_done(0, None)  # a subject without an account here: nothing to end
    ended = db.session().execute(update(AccessToken).where(*where).values(revoked_at=now())
                                 .execution_options(synchronize_session=False)).rowcount
    return _logout_done(ended, user)


def _logout_done(ended: int, user: StaffUser | None) -> int:
    audit.record(f"{ACTION}.logout", actor=("staff", user.id) if user else None,
                 detail={"sessions_ended": ended})
    return ended


def refused_logout(reason: str) -> NoReturn:
    """A back-channel logout whose token did not check out: audited, refused."""
    audit.record_refusal(f"{ACTION}.logout", outcome="failure", detail={"reason": reason})
    raise Invalid("logout_token", "The logout token is not valid.")
