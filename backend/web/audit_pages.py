"""The audit viewer, for administrators: the trail searched by patient, actor, action,
outcome and dates, newest first, a page at a time (keyset cursor), and the same search
exported as CSV. Every search and export is itself in the trail."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, render_template, request, url_for

from backend.audit import services as audit
from backend.audit.models import OUTCOMES, AuditEvent
from backend.auth.principal import StaffPrincipal
from backend.clients import services as clients
from backend.clock import now
from backend.errors import DomainError, Invalid
from backend.patients import services as patients
from backend.schemas import FIRST_YEAR, LAST_YEAR, YEARS_MESSAGE
from backend.teams import services as teams
from backend.text import spreadsheet_csv
from backend.web import labels
from backend.web.blueprint import bp, display_zone
from backend.web.i18n import _
from backend.web.session import admin_required, login_required, message_of, principal

PAGE = 50
# An export is a file taken out of the hospital's system: bounded, and audited with its
# filters and size. Narrow the dates for more.
EXPORT_MOST = 10_000
# Actions an administrator or a DPO looks for most; any other is typed in full.
COMMON_ACTIONS = (
    "patient.read", "patient.list", "patient.create", "patient.update", "patient.phone_shared",
    "enrollment.create", "submission.create", "reading.create", "alert.read", "alert.acknowledge",
    "alert.resolve", "alert.snooze", "alert.assign", "override.set", "auth.login",
    "auth.mfa", "auth.logout", "staff.create", "staff.update", "staff.reset_mfa",
    "audit.search", "audit.export", "webhook.sms",
)


def _local_day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, "Not a valid date.", location="query") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(field, YEARS_MESSAGE, location="query")
    return day


def _filters(caller: StaffPrincipal) -> tuple[dict[str, Any], list, dict[str, str]]:
    """The search as the API takes it, the patients to choose from when the name typed
    matches several, and the form's values to show again."""
    args = request.args
    form = {name: args.get(name, "").strip()[:200] for name in
            ("patient", "actor", "action", "outcome", "from", "to")}
    filters: dict[str, Any] = {}
    choices: list = []
    if form["patient"]:
        try:
            filters["patient_id"] = uuid.UUID(form["patient"])
        except ValueError:
            found = patients.list_patients(caller, form["patient"], 20, 0)
            if len(found) == 1:
                filters["patient_id"] = found[0].id
            else:
                choices = found
                if not found:
                    raise Invalid("patient", "no patient matches this name or IPP",
                                  location="query") from None
    if form["actor"]:
        try:
            filters["actor_id"] = uuid.UUID(form["actor"])
        except ValueError:
            raise Invalid("actor", "choose an account from the list", location="query") from None
    if form["action"]:
        filters["action"] = form["action"][:64]
    if form["outcome"]:
        if form["outcome"] not in OUTCOMES:
            raise Invalid("outcome", "choose an outcome from the list", location="query")
        filters["outcome"] = form["outcome"]
    zone = display_zone()
    start, end = _local_day(form["from"], "from"), _local_day(form["to"], "to")
    if start:
        filters["since"] = datetime.combine(start, time(), zone)
    if end:
        filters["until"] = datetime.combine(end + timedelta(days=1), time(), zone)
    return filters, choices, form


def _names(events: list[AuditEvent]) -> tuple[dict, dict]:
    """Who acted (staff accounts and integration clients, patients) and which patients
    the rows name."""
    staff_ids = {e.actor_id for e in events if e.actor_type == "staff" and e.actor_id}
    client_ids = {e.actor_id for e in events if e.actor_type == "client" and e.actor_id}
    patient_ids = {e.patient_id for e in events if e.patient_id} | {
        e.actor_id for e in events if e.actor_type == "patient" and e.actor_id}
    systems = {client_id: _("Client d'intégration : {name}", name=name)
               for client_id, name in clients.names_of(client_ids).items()}
    return {**teams.staff_names(staff_ids), **systems}, patients.names_of(patient_ids)


@bp.get("/web/audit")
@login_required()
@admin_required("audit.search")
def audit_trail():
    caller = principal()
    accounts = teams.list_staff()
    events: list[AuditEvent] = []
    choices: list = []
    error = None
    form = {name: request.args.get(name, "")[:200] for name in
            ("patient", "actor", "action", "outcome", "from", "to")}
    next_cursor = None
    try:
        filters, choices, form = _filters(caller)
        if not choices:
            events = audit.search(filters, PAGE + 1, 0, request.args.get("cursor") or None)
            if len(events) > PAGE:
                events = events[:PAGE]
                next_cursor = audit.cursor_of(events[-1])
    except DomainError as refusal:
        error = message_of(refusal)
    staff, named = _names(events)
    audit.record_reads("audit.search", [e.patient_id for e in events if e.patient_id])
    query = {name: value for name, value in form.items() if value}
    return render_template(
        "audit.html", events=events, form=form, accounts=accounts, choices=choices,
        error=error, staff=staff, named=named, outcomes=OUTCOMES, actions=COMMON_ACTIONS,
        next_url=url_for("web.audit_trail", **query, cursor=next_cursor) if next_cursor
        else None, export_url=url_for("web.audit_export", **query),
        first_url=url_for("web.audit_trail", **query) if request.args.get("cursor") else None)


def _actor_name(event: AuditEvent, staff: dict, named: dict) -> str | None:
    """Who acted, by name: an account or an integration client, or the patient."""
    if event.actor_type in ("staff", "client"):
        return staff.get(event.actor_id)
    return named.get(event.actor_id) if event.actor_type == "patient" else None


@bp.get("/web/audit/export.csv")
@login_required()
@admin_required("audit.search")
def audit_export():
    try:
        filters, choices, _form = _filters(principal())
        if choices:
            raise Invalid("patient", "several patients match: choose one", location="query")
    except DomainError as refusal:
        return Response(message_of(refusal), status=422, mimetype="text/plain")
    events = audit.export(filters, EXPORT_MOST)
    staff, named = _names(events)
    header = ("at_utc", "actor_type", "actor_id", "actor", "action", "outcome",
              "patient_id", "patient", "object_type", "object_id", "ip", "detail")
    rows = [(event.at.isoformat(), event.actor_type, event.actor_id,
             _actor_name(event, staff, named), event.action, event.outcome,
             event.patient_id, named.get(event.patient_id), event.object_type,
             event.object_id, event.ip, labels.detail_text(event.detail))
            for event in events]
    stamp = now().astimezone(display_zone()).strftime("%Y%m%d-%H%M")
    return Response(spreadsheet_csv([header, *rows]), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="suivi-audit-{stamp}.csv"'})

