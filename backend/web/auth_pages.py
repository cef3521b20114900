"""Signing in (password, then TOTP), signing out, TOTP enrolment, the page language."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for

from backend.auth import services as auth
from backend.errors import DomainError
from backend.http_errors import status_of
from backend.security import token_hash
from backend.web import sso_pages
from backend.web.blueprint import bp
from backend.web.i18n import COOKIE, LANGUAGES, error_text
from backend.web.session import (
    FORM_EXPIRED,
    attempt,
    csrf_valid,
    local_path,
    login_required,
    message_of,
    principal,
)

# The session's mark of the enrolment it started (a hash of the pending secret).
PENDING_TOTP = "totp_pending"


@bp.get("/")
def home():
    return redirect(url_for("web.queue"))


@bp.route("/web/login", methods=["GET", "POST"])
def login():
    if request.method != "POST":  # GET, and HEAD as Flask gives it
        return render_template("login.html", step="password")
    # Login CSRF: another site's form must not sign this browser into its own account.
    if not csrf_valid():
        return render_template("login.html", step="password", error=error_text(FORM_EXPIRED, 400),
                               email=request.form.get("email", "")), 400
    try:
        result = auth.login(request.form.get("email", ""), request.form.get("password", ""),
                            request.remote_addr)
    except DomainError as error:
        return render_template("login.html", step="password", error=message_of(error),
                               email=request.form.get("email", "")), status_of(error)
    if result.mfa_token:
        return render_template("login.html", step="mfa", mfa_token=result.mfa_token)
    return _signed_in(result.access_token)


@bp.post("/web/mfa")
def mfa():
    if not csrf_valid():
        return render_template("login.html", step="password",
                               error=error_text(FORM_EXPIRED, 400)), 400
    try:
        result = auth.verify_mfa(request.form.get("mfa_token", ""), request.form.get("code", ""),
                                 request.remote_addr)
    except DomainError as error:
        return render_template("login.html", step="mfa", error=message_of(error),
                               mfa_token=request.form.get("mfa_token", "")), status_of(error)
    return _signed_in(result.access_token)


def _signed_in(token: str):
    id_token = session.get(sso_pages.ID_TOKEN)  # the second step after the provider's sign-in
    session.clear()
    session["token"] = token
    if id_token:
        session[sso_pages.ID_TOKEN] = id_token
    return redirect(local_path(request.args.get("next"), url_for("web.queue")))


@bp.post("/web/logout")
@login_required(patient_data=False)
def logout():
    auth.logout(session.pop("token"))
    return redirect(sso_pages.end_session_url() or url_for("web.login"))


@bp.route("/web/totp", methods=["GET", "POST"])
@login_required(patient_data=False)
def enrol_totp():
    """Enrolment: the enrolment code an administrator gave, then the QR code, then a first
    code from the app. Showing the page changes nothing: the pending secret stays until
    confirmed, or replaced by starting again (with the code again)."""
    user = principal().user
    if user.mfa_enabled:
        return redirect(url_for("web.queue"))
    if request.method == "POST" and request.form.get("step") == "start":
        attempt(lambda: _started(auth.begin_totp_enrolment(
            user, request.form.get("mfa_enrolment_code", "").strip() or None)))
        return redirect(url_for("web.enrol_totp"))
    if request.method == "POST":
        if attempt(lambda: session.update(
                recovery=auth.confirm_totp_enrolment(user, request.form.get("code", "")))):
            session.pop(PENDING_TOTP, None)
            return render_template("totp.html", recovery=session.pop("recovery"))
        return redirect(url_for("web.enrol_totp"))
    # Shown again only to the session that started it: another sign-in with the same
    # password sees the form asking for the enrolment code.
    pending = (user.totp_secret is not None
               and session.get(PENDING_TOTP) == token_hash(user.totp_secret))
    return render_template("totp.html", enrolment=auth.totp_enrolment(user) if pending else None)


def _started(enrolment: dict) -> None:
    session[PENDING_TOTP] = token_hash(enrolment["secret"])


@bp.get("/web/language/<code>")
def set_language(code: str):
    """The staff member's language for these pages, kept a year in this browser."""
    response = redirect(local_path(request.args.get("next"), url_for("web.queue")))
    if code in LANGUAGES:
        # Sent over HTTPS only where the pages are served so, as the session's cookie.
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
