"""Signing in (password, then TOTP), signing out, TOTP enrolment, the page language."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for

from backend.auth import services as auth
from backend.errors import DomainError
from backend.http_errors import status_of
from backend.web.blueprint import bp
from backend.web.i18n import COOKIE, LANGUAGES
from backend.web.session import attempt, local_path, login_required, message_of, principal


@bp.get("/")
def home():
    return redirect(url_for("web.queue"))


@bp.route("/web/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", step="password")
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
    try:
        result = auth.verify_mfa(request.form.get("mfa_token", ""), request.form.get("code", ""),
                                 request.remote_addr)
    except DomainError as error:
        return render_template("login.html", step="mfa", error=message_of(error),
                               mfa_token=request.form.get("mfa_token", "")), status_of(error)
    return _signed_in(result.access_token)


def _signed_in(token: str):
    session.clear()
    session["token"] = token
    return redirect(local_path(request.args.get("next"), url_for("web.queue")))


@bp.post("/web/logout")
@login_required(patient_data=False)
def logout():
    auth.logout(session.pop("token"))
    return redirect(url_for("web.login"))


@bp.route("/web/totp", methods=["GET", "POST"])
@login_required(patient_data=False)
def enrol_totp():
    user = principal().user
    if request.method == "POST":
        if attempt(lambda: session.update(
                recovery=auth.confirm_totp_enrolment(user, request.form.get("code", "")))):
            return render_template("totp.html", recovery=session.pop("recovery"))
        return redirect(url_for("web.enrol_totp"))
    return render_template("totp.html", enrolment=auth.begin_totp_enrolment(user))


@bp.get("/web/language/<code>")
def set_language(code: str):
    """The staff member's language for these pages, kept a year in this browser."""
    response = redirect(local_path(request.args.get("next"), url_for("web.queue")))
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
    return response
