"""Signing in with the hospital's identity provider (OpenID Connect): the button on the
login page starts the flow, the callback signs in the staff account it maps to, or says
in words why not. The password + TOTP sign-in stays beside it."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for

from backend.errors import DomainError
from backend.http_errors import status_of
from backend.sso import services as sso
from backend.sso.provider import ProviderRefused
from backend.web.blueprint import bp
from backend.web.session import local_path, message_of
from backend.wiring import wiring

# In the session: where to go after signing in, and the ID token, kept only to end the
# provider's session at logout (id_token_hint).
NEXT = "sso_next"
ID_TOKEN = "sso_id_token"  # noqa: S105 (a session key)
NO_STORE = {"Cache-Control": "no-store"}  # what the back-channel logout spec asks


def identity_provider():
    return wiring().identity_provider


def _public(endpoint: str) -> str:
    """An address of this site as the provider must see it (registered with it)."""
    return current_app.config["SUIVI_PUBLIC_URL"] + url_for(endpoint)


@bp.get("/web/sso/start")
def sso_start():
    provider = identity_provider()
    if provider is None:
        abort(404)
    session[NEXT] = local_path(request.args.get("next"), url_for("web.queue"))
    try:
        return provider.start(_public("web.sso_callback"))
    except ProviderRefused as refusal:
        return _refused(refusal)


@bp.get("/web/sso/callback")
def sso_callback():
    provider = identity_provider()
    if provider is None:
        abort(404)
    try:
        identity = provider.finish()
    except ProviderRefused as refusal:
        return _refused(refusal)
    try:
        result = sso.sign_in(identity, request.remote_addr)
    except DomainError as error:
        return _refusal_page(message_of(error), status_of(error))
    target = session.pop(NEXT, None) or url_for("web.queue")
    if result.mfa_token:  # no second factor at the provider: the local one, as after a password
        session[ID_TOKEN] = identity.id_token
        return render_template("login.html", step="mfa", mfa_token=result.mfa_token,
                               next=target)
    session.clear()
    session["token"] = result.access_token
    session[ID_TOKEN] = identity.id_token
    return redirect(local_path(target, url_for("web.queue")))


# A logout token is a signed JWT of a few hundred bytes; anything much larger is not one.
LOGOUT_TOKEN_MAX = 8192


@bp.post("/web/sso/backchannel-logout")
def sso_backchannel_logout():
    """OpenID Connect Back-Channel Logout: the provider, server to server, says a session
    ended there; the staff sessions opened through it end here too (their next request
    goes back to the sign-in page). No cookie, no CSRF token: the signed logout token is
    the proof."""
    provider = identity_provider()
    if provider is None:
        abort(404)
    token = request.form.get("logout_token", "")
    try:
        if not token or len(token) > LOGOUT_TOKEN_MAX:
            raise ProviderRefused("no logout token")
        claims = provider.logout_claims(token)
    except ProviderRefused as refusal:
        try:
            sso.refused_logout(refusal.reason)
        except DomainError as error:
            # 400, as the specification says for a token that does not check out.
            return ({"error": "invalid_request", "error_description": message_of(error)},
                    400, NO_STORE)
    sso.logged_out_at_provider(claims)
    return "", 200, NO_STORE


def _refused(refusal: ProviderRefused):
    try:
        sso.refused_by_provider(refusal.reason, refusal.denied)
    except DomainError as error:
        return _refusal_page(message_of(error), status_of(error))
    raise AssertionError("refused_by_provider always raises")


def _refusal_page(message: str, status: int):
    session.pop(NEXT, None)
    return render_template("sso_refused.html", error=message), status


def end_session_url() -> str | None:
    """At logout after a sign-in through the provider: its end_session_endpoint."""
    provider, id_token = identity_provider(), session.pop(ID_TOKEN, None)
    if provider is None or id_token is None:
        return None
    return provider.end_session_url(id_token, _public("web.login"))
