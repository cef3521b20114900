"""The administrators' pages: staff accounts (create, role, teams, deactivate, reset the
second factor, who has not enrolled one) and care teams (members, on-call phone, day
hours), over the same services and schemas as the API's administration routes."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from backend.auth.services import EnrolmentCode
from backend.errors import DomainError, Invalid
from backend.teams import services as teams
from backend.teams.schemas import StaffIn, TeamIn, TeamPatch
from backend.web.blueprint import bp
from backend.web.i18n import _
from backend.web.session import (
    admin_required,
    attempt,
    form_args,
    login_required,
    message_of,
    principal,
)
from backend.web.triage_pages import uuid_or_none

ROLE_CHOICES = ("nurse", "surgeon", "admin")


def _staff_page(created: dict | None = None, status: int = 200, form: dict | None = None,
                error: str | None = None):
    accounts = teams.list_staff()
    memberships = teams.memberships()
    missing = [user for user in accounts if user.active and not user.mfa_enabled]
    only_missing = request.args.get("mfa") == "missing"
    return render_template(
        "staff.html", accounts=missing if only_missing else accounts, missing=missing,
        only_missing=only_missing, memberships=memberships, all_teams=teams.list_teams(),
        roles=ROLE_CHOICES, created=created, form=form or {}, error=error,
        me=principal().user.id), status


@bp.get("/web/staff")
@login_required()
@admin_required("staff.list")
def staff_list():
    return _staff_page()


@bp.post("/web/staff")
@login_required()
@admin_required("staff.create")
def create_staff():
    form = request.form
    typed = {"email": form.get("email", "").strip(), "display_name":
             form.get("display_name", "").strip(), "role": form.get("role", ""),
             "password": form.get("password", ""), "teams": form.getlist("teams"),
             **({"phone": form["phone"].strip()} if form.get("phone", "").strip() else {})}
    try:
        made = teams.create_staff(**form_args(StaffIn(), typed))
    except DomainError as error:
        typed.pop("password")
        return _staff_page(status=422, form=typed, error=message_of(error))
    return _staff_page(created=_shown_once(made.user.display_name, made.enrolment))


def _shown_once(name: str, enrolment: EnrolmentCode) -> dict:
    """The enrolment code as the page shows it, once (never in a cookie or a redirect)."""
    return {"name": name, "code": enrolment.code, "expires_at": enrolment.expires_at}


@bp.post("/web/staff/<uuid:staff_id>/reset-mfa")
@login_required()
@admin_required("staff.reset_mfa")
def reset_staff_mfa(staff_id: uuid.UUID):
    try:
        user = teams.get_staff(staff_id)
        enrolment = teams.reset_mfa(user)
    except DomainError as error:
        return _staff_page(status=404, error=message_of(error))
    return _staff_page(created=_shown_once(user.display_name, enrolment))


@bp.post("/web/staff/<uuid:staff_id>/active")
@login_required()
@admin_required("staff.update")
def set_staff_active(staff_id: uuid.UUID):
    active = request.form.get("active") == "1"

    def run() -> None:
        teams.update_staff(principal().user.id, teams.get_staff(staff_id), {"active": active})

    attempt(run, _("Compte réactivé.") if active else
            _("Compte désactivé : ses connexions en cours sont révoquées."))
    return redirect(url_for("web.staff_list"))


@bp.post("/web/staff/<uuid:staff_id>/role")
@login_required()
@admin_required("staff.update")
def set_staff_role(staff_id: uuid.UUID):
    role = request.form.get("role", "")

    def run() -> None:
        if role not in ROLE_CHOICES:
            raise Invalid("role", "choose a role from the list", location="form")
        teams.update_staff(principal().user.id, teams.get_staff(staff_id), {"role": role})

    attempt(run, _("Rôle modifié."))
    return redirect(url_for("web.staff_list"))


@bp.post("/web/staff/<uuid:staff_id>/rpps")
@login_required()
@admin_required("staff.update")
def set_staff_rpps(staff_id: uuid.UUID):
    """The RPPS number single sign-on maps to (empty: none)."""
    rpps = request.form.get("rpps", "").strip() or None
    attempt(lambda: teams.update_staff(principal().user.id, teams.get_staff(staff_id),
                                       {"rpps": rpps}),
            _("Numéro RPPS enregistré."))
    return redirect(url_for("web.staff_list"))


# -- care teams ----------------------------------------------------------------------------
@bp.get("/web/teams")
@login_required()
@admin_required("team.list")
def team_list():
    rows = teams.list_teams()
    return render_template("teams.html", teams=rows, members=teams.members_of(rows),
                           accounts=[u for u in teams.list_staff() if u.active])


@bp.post("/web/teams")
@login_required()
@admin_required("team.create")
def create_team():
    form = request.form
    typed = {"slug": form.get("slug", "").strip(), "name": form.get("name", "").strip(),
             **({"on_call_phone": form["on_call_phone"].strip()}
                if form.get("on_call_phone", "").strip() else {})}
    attempt(lambda: teams.create_team(**form_args(TeamIn(), typed)), _("Équipe créée."))
    return redirect(url_for("web.team_list"))


@bp.post("/web/teams/<slug>")
@login_required()
@admin_required("team.update")
def update_team(slug: str):
    form = request.form
    typed = {"on_call_phone": form.get("on_call_phone", "").strip() or None,
             **{name: form[name].strip() for name in ("name", "day_start", "day_end")
                if form.get(name, "").strip()}}
    attempt(lambda: teams.update_team(teams.team_by_slug(slug), form_args(TeamPatch(), typed)),
            _("Équipe modifiée."))
    return redirect(url_for("web.team_list", _anchor=f"team-{slug}"))


@bp.post("/web/teams/<slug>/members")
@login_required()
@admin_required("team.add_member")
def change_member(slug: str):
    staff_id = uuid_or_none(request.form.get("staff_id", ""))
    add = request.form.get("member") == "1"

    def run() -> None:
        if staff_id is None:
            raise Invalid("staff_id", "choose an account from the list", location="form")
        teams.set_membership(teams.team_by_slug(slug), staff_id, member=add)

    attempt(run, _("Membre ajouté.") if add else _("Membre retiré."))
    return redirect(url_for("web.team_list", _anchor=f"team-{slug}"))
