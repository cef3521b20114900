"""The nurse's queue by patient, and every step on an alert or on all of a patient's."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for

from backend.alerts import services as alerts
from backend.alerts import triage
from backend.alerts.schemas import NoteIn, ResolveIn, SnoozeIn
from backend.clock import now
from backend.errors import Invalid
from backend.teams.services import clinicians_of
from backend.web import labels
from backend.web.blueprint import bp
from backend.web.i18n import _
from backend.web.session import (
    attempt,
    care_required,
    form_args,
    local_path,
    login_required,
    principal,
)

SNOOZE_MINUTES = (15, 30, 60, 120, 240)
STEPS = ("acknowledge", "assign", "note", "snooze", "resolve")


def _queue_context() -> dict:
    severity = [s for s in request.args.getlist("severity") if s in ("high", "medium", "low")]
    rows = triage.triage(principal(), {"severity": severity})
    teams = {alert.care_team_id for row in rows for alert in row.alerts}
    overdue_high = sum(a.severity == "high" and a.status == "open" and a.due_by <= row.at
                       for row in rows for a in row.alerts)
    held = request.args.get("open", "")
    title = _("File d'alertes")
    if overdue_high:
        title = _("{n} urgente(s) en retard · ", n=overdue_high) + title
    return {"rows": rows, "severity": severity, "now": now(), "held": held,
            "colleagues": clinicians_of(teams), "snooze_minutes": SNOOZE_MINUTES,
            "page_title": title, "overdue_high": overdue_high}


@bp.get("/web/queue")
@login_required()
def queue():
    return render_template("triage.html", **_queue_context())


@bp.get("/web/queue/list")
@login_required()
def queue_list():
    """The list region alone, for the page's own refresh (see static/triage.js)."""
    return render_template("_triage_list.html", **_queue_context())


def _back(patient_id: uuid.UUID | None = None) -> str:
    default = url_for("web.queue")
    target = local_path(request.form.get("back"), default)
    if patient_id and target.split("?")[0] == default:
        # Back to the queue with this patient still open, where the nurse was.
        target = url_for("web.queue", open=patient_id, _anchor=f"patient-{patient_id}")
    return target


def _step_args(step: str) -> dict:
    """The form of ``step`` as the API's body of the same step, loaded by its schema."""
    form = request.form
    if step == "resolve":
        note = form.get("note", "").strip()
        return form_args(ResolveIn(), {"outcome": form.get("outcome", ""),
                                       **({"note": note} if note else {})})
    if step == "snooze":
        minutes = number_in(form.get("minutes"), SNOOZE_MINUTES)
        if minutes is None:
            raise Invalid("minutes", "choose a duration from the list: " + ", ".join(
                labels.duration(choice) for choice in SNOOZE_MINUTES), location="form")
        return form_args(SnoozeIn(), {
            "until": (now() + timedelta(minutes=minutes)).isoformat(),
            "reason": form.get("reason", "").strip() or _("Rappel prévu")})
    if step == "note":
        note = form.get("note", "").strip()
        return form_args(NoteIn(), {"note": note} if note else {})
    if step == "assign":
        staff = form.get("staff_id", "")
        staff_id = principal().user.id if staff == "me" else uuid_or_none(staff)
        if staff_id is None:
            raise Invalid("staff_id", "Missing data for required field.")
        return {"staff_id": staff_id}
    return {}


def number_in(value: str | None, choices: tuple[int, ...]) -> int | None:
    """A number chosen in a form's list; None for anything else (typed by hand)."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number in choices else None


def uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


DONE = {"acknowledge": "Alerte prise en charge.", "assign": "Alerte assignée.",
        "note": "Note ajoutée.", "snooze": "Alerte mise en attente.",
        "resolve": "Alerte clôturée."}


@bp.post("/web/alerts/<uuid:alert_id>/<any(acknowledge, assign, note, snooze, resolve):step>")
@login_required()
@care_required("alert.{step}")
def alert_step(alert_id: uuid.UUID, step: str):
    found: dict = {}

    def run() -> None:
        alert = alerts.get_alert(principal(), alert_id, f"alert.{step}")
        found["patient_id"] = alert.patient_id
        args = _step_args(step)
        alerts.act(principal(), alert, step, **args)

    attempt(run, _(DONE[step]))
    return redirect(_back(found.get("patient_id")))


@bp.post("/web/patients/<uuid:patient_id>/alerts/<any(acknowledge, resolve):step>")
@login_required()
@care_required("alert.bulk_{step}")
def patient_alerts_step(patient_id: uuid.UUID, step: str):
    done: list = []

    def run() -> None:
        args = _step_args(step) if step == "resolve" else {}
        done.extend(triage.act_on_patient(principal(), patient_id, step, **args)[1])

    if attempt(run):
        message = (_("{n} alerte(s) prise(s) en charge.", n=len(done)) if step == "acknowledge"
                   else _("{n} alerte(s) clôturée(s).", n=len(done)))
        flash(message, "ok")
    return redirect(_back(patient_id))
