"""Staff accounts and care teams (administration)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import db
from backend.audit import services as audit
from backend.auth import services as auth_services
from backend.auth.models import CARE_ROLES, ROLES, StaffUser, email_index, normal_email
from backend.clock import now
from backend.errors import Conflict, Invalid, NotFound
from backend.security import hash_password
from backend.sso.services import check_rpps
from backend.teams.models import CareTeam, TeamMembership

if TYPE_CHECKING:
    from backend.auth.principal import StaffPrincipal

MIN_PASSWORD_LENGTH = 12
DAY_START, DAY_END = time(8), time(18)


@dataclass(frozen=True)
class NewStaff:
    """An account just created, and the code with which its owner enrols a second factor
    (shown once to whoever created the account)."""

    user: StaffUser
    enrolment: auth_services.EnrolmentCode


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")


def team_by_slug(slug: str, field: str | None = None) -> CareTeam:
    """The team named ``slug``: unknown is Invalid on ``field`` of a body, else NotFound."""
    team = db.session().scalar(select(CareTeam).where(CareTeam.slug == slug))
    if team is None:
        if field:
            raise Invalid(field, f"unknown care team '{slug}'")
        raise NotFound(f"No care team '{slug}'.")
    return team


def create_team(slug: str, name: str, on_call_phone: str | None = None,
                day_start: time = DAY_START, day_end: time = DAY_END,
                timezone: str = "Europe/Paris", patient_phone: str | None = None) -> CareTeam:
    session = db.session()
    if session.scalar(select(CareTeam).where(CareTeam.slug == slug)):
        raise Conflict(f"a care team '{slug}' already exists", field="slug")
    _check_day_hours(day_start, day_end)
    team = CareTeam(slug=slug, name=name, on_call_phone=on_call_phone,
                    patient_phone=patient_phone, day_start=day_start, day_end=day_end,
                    timezone=timezone, created_at=now())
    session.add(team)
    session.flush()
    audit.record("team.create", object_type="care_team", object_id=team.id)
    return team


def update_team(team: CareTeam, changes: dict) -> CareTeam:
    _check_day_hours(changes.get("day_start", team.day_start),
                     changes.get("day_end", team.day_end))
    for name, value in changes.items():
        setattr(team, name, value)
    audit.record("team.update", object_type="care_team", object_id=team.id,
                 detail={"fields": sorted(changes)})
    return team


def _check_day_hours(start: time, end: time) -> None:
    # One stretch within a calendar day: a ward whose "day" crossed midnight would have
    # no night in which a low alert waits.
    if end <= start:
        raise Invalid("day_end", f"must be after day_start ({start:%H:%M})")


def day_hours(team: CareTeam, at: datetime) -> tuple[datetime, datetime]:
    """The team's day hours (UTC) on its local calendar day of ``at``."""
    zone = ZoneInfo(team.timezone)
    day = at.astimezone(zone).date()
    return (datetime.combine(day, team.day_start, zone).astimezone(UTC),
            datetime.combine(day, team.day_end, zone).astimezone(UTC))


def next_day_start(team: CareTeam, at: datetime) -> datetime | None:
    """None during the team's day hours; otherwise when they next begin."""
    start, end = day_hours(team, at)
    if start <= at < end:
        return None
    if at < start:
        return start
    zone = ZoneInfo(team.timezone)
    tomorrow = at.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, team.day_start, zone).astimezone(UTC)


def create_staff(email: str, role: str, display_name: str, password: str,
                 teams: Iterable[str] = (), phone: str | None = None) -> NewStaff:
    session = db.session()
    email = normal_email(email)
    if role not in ROLES:
        raise Invalid("role", f"must be one of {', '.join(ROLES)}")
    check_password_policy(password)
    if session.scalar(select(StaffUser).where(StaffUser.email_index == email_index(email))):
        raise Conflict("an account with this e-mail already exists", field="email")
    team_rows = [team_by_slug(slug, field="teams") for slug in teams]
    user = StaffUser(email=email, role=role, display_name=display_name, phone=phone,
                     password_hash=hash_password(password), created_at=now())
    enrolment = auth_services.issue_mfa_enrolment_code(user)
    session.add(user)
    session.flush()
    for team in team_rows:
        session.add(TeamMembership(team_id=team.id, staff_id=user.id, created_at=now()))
    audit.record("staff.create", object_type="staff_user", object_id=user.id,
                 detail={"role": role, "teams": list(teams)})
    return NewStaff(user=user, enrolment=enrolment)


def get_staff(staff_id: uuid.UUID) -> StaffUser:
    user = db.session().get(StaffUser, staff_id)
    if user is None:
        raise NotFound("No such staff account.")
    return user


def staff_by_email(email: str) -> StaffUser:
    user = db.session().scalar(select(StaffUser).where(
        StaffUser.email_index == email_index(email)))
    if user is None:
        raise NotFound(f"No staff account with the e-mail {email}.")
    return user


def update_staff(actor_id: uuid.UUID, user: StaffUser, changes: dict) -> StaffUser:
    """Change ``user``'s account as the administrator ``actor_id``, who cannot lock
    themselves out: their own account stays active and an administrator's (with no one
    else, no one could administer Suivi but from the server's command line)."""
    if "role" in changes and changes["role"] not in ROLES:
        raise Invalid("role", f"must be one of {', '.join(ROLES)}")
    if user.id == actor_id and changes.get("active") is False:
        raise Invalid("active", "you cannot deactivate your own account")
    if user.id == actor_id and changes.get("role", "admin") != "admin":
        raise Invalid("role", "you cannot take the administrator role from yourself")
    fields = sorted(changes)
    password = changes.pop("password", None)
    if password is not None:
        check_password_policy(password)
        auth_services.change_password(user, password)  # signs out the old password's holder
    if "rpps" in changes:
        _set_rpps(user, changes.pop("rpps"))
    for name, value in changes.items():
        setattr(user, name, value)
    if changes.get("active") is False:
        auth_services.revoke_tokens(user)
    audit.record("staff.update", object_type="staff_user", object_id=user.id,
                 detail={"fields": fields})
    return user


def _set_rpps(user: StaffUser, rpps: str | None) -> None:
    """The RPPS single sign-on maps to; a new one unbinds the provider's subject (the next
    sign-in through the provider binds that of the person now holding this number)."""
    rpps = check_rpps(rpps)
    if rpps == user.rpps:
        return
    if rpps is not None and db.session().scalar(
            select(StaffUser.id).where(StaffUser.rpps == rpps, StaffUser.id != user.id)):
        raise Conflict("another account has this RPPS number", field="rpps")
    user.rpps = rpps
    user.oidc_subject = None


def reset_mfa(user: StaffUser) -> auth_services.EnrolmentCode:
    """Remove the second factor of ``user``; returns the code for enrolling a new one."""
    enrolment = auth_services.reset_mfa(user)
    audit.record("staff.reset_mfa", object_type="staff_user", object_id=user.id)
    return enrolment


def set_membership(team: CareTeam, staff_id: uuid.UUID, member: bool) -> None:
    session = db.session()
    get_staff(staff_id)
    row = session.scalar(select(TeamMembership).where(TeamMembership.team_id == team.id,
                                                      TeamMembership.staff_id == staff_id))
    if member and row is None:
        session.add(TeamMembership(team_id=team.id, staff_id=staff_id, created_at=now()))
    elif not member and row is not None:
        session.delete(row)
    audit.record("team.add_member" if member else "team.remove_member",
                 object_type="care_team", object_id=team.id, detail={"staff_id": str(staff_id)})


def list_staff() -> list[StaffUser]:
    # By e-mail, in Python: the column is sealed, the database cannot sort it.
    return sorted(db.session().scalars(select(StaffUser)), key=lambda user: user.email)


def staff_names(staff_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each account's name with its role, as an audit row's reader needs it."""
    ids = list(staff_ids)
    if not ids:
        return {}
    return {row.id: f"{row.display_name} ({row.role})" for row in db.session().execute(
        select(StaffUser.id, StaffUser.display_name, StaffUser.role)
        .where(StaffUser.id.in_(ids)))}


def list_teams() -> list[CareTeam]:
    return list(db.session().scalars(select(CareTeam).order_by(CareTeam.slug)))


# Every care team as any staff member sees it in a list (to choose a team for an
# enrolment): the on-call number, sealed at rest and never shown to patients, only to the
# team's members and administrators once past their second factor.
TEAM_VIEW = ("id", "slug", "name", "on_call_phone", "patient_phone", "day_start", "day_end",
             "timezone")


def teams_seen_by(principal: StaffPrincipal) -> list[dict[str, Any]]:
    seen = []
    for team in list_teams():
        view = {name: getattr(team, name) for name in TEAM_VIEW}
        if not principal.has_second_factor or (principal.role != "admin"
                                               and team.id not in principal.team_ids):
            view["on_call_phone"] = None
        seen.append(view)
    return seen


def memberships() -> dict[uuid.UUID, list[CareTeam]]:
    """Every account's teams, in one query (the staff page lists them all)."""
    out: dict[uuid.UUID, list[CareTeam]] = {}
    for staff_id, team in db.session().execute(
            select(TeamMembership.staff_id, CareTeam).join(
                CareTeam, CareTeam.id == TeamMembership.team_id).order_by(CareTeam.slug)):
        out.setdefault(staff_id, []).append(team)
    return out


def members_of(team_rows: Iterable[CareTeam]) -> dict[uuid.UUID, list[StaffUser]]:
    """Each team's members, by name."""
    out: dict[uuid.UUID, list[StaffUser]] = {team.id: [] for team in team_rows}
    for team_id, user in db.session().execute(
            select(TeamMembership.team_id, StaffUser).join(
                StaffUser, StaffUser.id == TeamMembership.staff_id)
            .where(TeamMembership.team_id.in_(list(out)))
            .order_by(StaffUser.display_name, StaffUser.id)):
        out[team_id].append(user)
    return out


def team_ids_of(user: StaffUser) -> list[uuid.UUID]:
    return list(db.session().scalars(select(TeamMembership.team_id)
                                     .where(TeamMembership.staff_id == user.id)))


def clinicians_of(team_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[StaffUser]]:
    """The active nurses and surgeons of each team: who an alert may be assigned to."""
    out: dict[uuid.UUID, list[StaffUser]] = {}
    for team_id, user in db.session().execute(
            select(TeamMembership.team_id, StaffUser).join(
                StaffUser, StaffUser.id == TeamMembership.staff_id)
            .where(TeamMembership.team_id.in_(list(team_ids)), StaffUser.active.is_(True),
                   StaffUser.role.in_(CARE_ROLES))
            .order_by(StaffUser.display_name, StaffUser.id)):
        out.setdefault(team_id, []).append(user)
    return out
