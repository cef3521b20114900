"""The service's own indicators: are patients answering, are nurses drowned in false
alarms, how fast alerts are taken on, what happens to patients after discharge.

``indicators`` gives one row per week and one for the whole period, each with every
figure of ``backend.indicators.definitions``, plus the rules whose false-alarm share is
above ``SUIVI_FALSE_ALARM_FLAG_SHARE`` with their cases (also beside each rule on the
surgeon's protocol page: ``flagged_rules``).

Scoped like every staff read: a nurse or a surgeon counts the enrolments of their own
teams only (another team's patients are never in their figures), an administrator every
team. The read is audited without naming any patient: the figures are aggregates.

Small counts: a row computed on fewer than ``SUIVI_INDICATORS_MIN_PATIENTS`` active
patients is marked ``small_count``. Staff reading it already see each of these patients,
so the API and the page show its figures, with the mark; the CSV export, made to leave
the system, leaves them out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from backend import db
from backend.audit import services as audit
from backend.auth.principal import StaffPrincipal
from backend.clock import now
from backend.errors import Invalid
from backend.indicators import figures
from backend.indicators.periods import Period, period
from backend.protocols.models import ProtocolVersion
from backend.teams.models import CareTeam

# A rule is flagged only on at least this many alerts judged by a clinician in the
# period: one false alarm out of one says nothing about a rule.
FLAG_MIN_JUDGED = 5
# False alarms listed per flagged rule.
CASES_PER_RULE = 20


def scope_of(principal: StaffPrincipal, team: str | None,
             protocol: str | None) -> tuple[figures.Scope, list[CareTeam]]:
    """The enrolments whose figures ``principal`` may read, narrowed by the filters. A
    team the caller is not a member of is refused exactly like one that does not exist."""
    session = db.session()
    teams_query = select(CareTeam).order_by(CareTeam.slug)
    if principal.role != "admin":
        teams_query = teams_query.where(CareTeam.id.in_(principal.team_ids))
    if team:
        teams_query = teams_query.where(CareTeam.slug == team)
    teams = list(session.scalars(teams_query))
    if team and not teams:
        raise Invalid("team", f"no care team '{team}' among yours", location="query")
    if protocol and session.scalar(select(ProtocolVersion.id).where(
            ProtocolVersion.slug == protocol).limit(1)) is None:
        raise Invalid("protocol", f"no protocol '{protocol}'", location="query")
    everything = principal.role == "admin" and not team
    return figures.Scope(None if everything else frozenset(t.id for t in teams),
                         protocol or None), teams


def indicators(principal: StaffPrincipal, team: str | None = None,
               protocol: str | None = None, first: str | None = None,
               last: str | None = None) -> dict[str, Any]:
    current = now()
    scope, teams = scope_of(principal, team, protocol)
    weeks = period(first, last, current, ZoneInfo(current_app.config["SUIVI_DISPLAY_TIMEZONE"]),
                   None if first else figures.first_follow_up(scope))
    config = current_app.config
    minimum = config["SUIVI_INDICATORS_MIN_PATIENTS"]
    per_week, over_period = figures.enrolment_figures(scope, weeks.bounds, current)
    weekly = _rows(scope, weeks.bounds, current, minimum, per_week)
    total = _rows(scope, [(weeks.starts_at, weeks.ends_at)], current, minimum,
                  {0: over_period})[0]
    audit.record("indicators.read", detail={"weeks": len(weeks.weeks)})
    return {
        "from": weeks.weeks[0].label, "to": weeks.weeks[-1].label,
        "teams": [t.slug for t in teams], "protocol": protocol or None,
        "settings": {"false_alarm_flag_share": config["SUIVI_FALSE_ALARM_FLAG_SHARE"],
                     "false_alarm_flag_min_judged": FLAG_MIN_JUDGED,
                     "min_patients": minimum},
        "total": total,
        "weeks": [{"week": week.label, "start": week.start, **weekly[index]}
                  for index, week in enumerate(weeks.weeks)],
        "flagged_rules": _flagged(scope, weeks, total),
    }


def _rows(scope: figures.Scope, bounds: figures.Bounds, current: datetime, minimum: int,
          enrolments: dict[int, dict]) -> list[dict[str, Any]]:
    answers = figures.answer_figures(scope, bounds, current)
    opened = figures.alert_counts(scope, bounds)
    times = figures.response_times(scope, bounds, current)
    resolved = figures.resolutions(scope, bounds)
    messages = figures.message_figures(scope, bounds)
    rows = []
    for index in range(len(bounds)):
        base = enrolments[index]
        days = base["patient_days"]
        counted = opened[index]
        alerts = {"opened": counted["opened"],
                  "per_100_patient_days": _per_100(counted["opened"], days),
                  "messages_to_read": counted["messages_to_read"],
                  "by_rule": [{**row, "per_100_patient_days": _per_100(row["opened"], days)}
                              for row in counted["by_rule"]]}
        closing = resolved[index]
        sent = messages[index]
        rows.append({
            "small_count": 0 < base["patients_active"] < minimum,
            "patients_enrolled": base["patients_enrolled"],
            "patients_active": base["patients_active"], "patient_days": days,
            "answer_rate": answers.get(index) or figures.empty_answers(),
            "channels": base["channels"],
            "alerts": alerts,
            "response_times": times[index],
            "alert_outcomes": {"resolved": closing["resolved"],
                               "by_outcome": closing["by_outcome"]},
            "false_alarms": closing["false_alarms"],
            "messages": {"total": sent["total"], "by_status": sent["by_status"]},
            "patients_unreachable": sent["patients_unreachable"],
            "follow_up_outcomes": base["follow_up_outcomes"],
        })
    return rows


def flagged_rules(principal: StaffPrincipal, protocol: str) -> dict[str, dict]:
    """The rules of ``protocol`` flagged for their false alarms over the default period
    (the 12 weeks up to this one) on the caller's teams, by rule id, with their cases:
    what the surgeon's protocol page shows beside each rule."""
    current = now()
    scope, _teams = scope_of(principal, None, protocol)
    weeks = period(None, None, current, ZoneInfo(current_app.config["SUIVI_DISPLAY_TIMEZONE"]))
    resolved = figures.resolutions(scope, [(weeks.starts_at, weeks.ends_at)])[0]
    audit.record("indicators.read", detail={"weeks": len(weeks.weeks)})
    return {row["rule"]: {**row, "from": weeks.weeks[0].label}
            for row in _flagged(scope, weeks, {"false_alarms": resolved["false_alarms"]})}


def _per_100(count: int, patient_days: float) -> float | None:
    return round(count / patient_days * 100, 2) if patient_days else None


def _flagged(scope: figures.Scope, weeks: Period, total: dict[str, Any]) -> list[dict]:
    level = current_app.config["SUIVI_FALSE_ALARM_FLAG_SHARE"]
    flagged = [row for row in total["false_alarms"]
               if row["judged"] >= FLAG_MIN_JUDGED and row["share"] > level]
    cases = figures.false_alarm_cases(scope, [(weeks.starts_at, weeks.ends_at)],
                                      [row["rule"] for row in flagged], CASES_PER_RULE)
    return [{**row, "cases": cases[row["rule"]]} for row in flagged]


def filter_choices(principal: StaffPrincipal) -> tuple[list[CareTeam], list[ProtocolVersion]]:
    """The teams whose figures ``principal`` may read and the protocols (latest version
    of each): what the page's filters offer."""
    session = db.session()
    teams = select(CareTeam).order_by(CareTeam.name)
    if principal.role != "admin":
        teams = teams.where(CareTeam.id.in_(principal.team_ids))
    latest = {}
    for row in session.scalars(select(ProtocolVersion).order_by(ProtocolVersion.slug,
                                                                ProtocolVersion.version)):
        latest[row.slug] = row
    return list(session.scalars(teams)), list(latest.values())
