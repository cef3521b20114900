"""The patient list, the patient page (header, alerts, teleconsultations, charts,
timeline) and booking a teleconsultation."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for

from backend.alerts import services as alerts
from backend.alerts.triage import active_enrollments, postop_day
from backend.audit import services as audit
from backend.auth.models import CARE_ROLES
from backend.clock import now
from backend.consents import services as consents
from backend.delivery import services as delivery
from backend.enrollments import outcomes
from backend.enrollments import services as enrollments
from backend.enrollments.models import FOLLOW_UP_OUTCOMES
from backend.enrollments.schemas import OutcomeIn
from backend.errors import DomainError, Invalid
from backend.limits import MESSAGES_PER_PAGE
from backend.patients import services as patients
from backend.teams.services import clinicians_of
from backend.teleconsult import services as teleconsult
from backend.teleconsult.schemas import TeleconsultationIn
from backend.timeline.services import timeline
from backend.web import labels
from backend.web.blueprint import bp, display_zone
from backend.web.chart_data import patient_charts
from backend.web.i18n import _
from backend.web.override_pages import threshold_lines
from backend.web.session import (
    attempt,
    care_required,
    form_args,
    login_required,
    message_of,
    principal,
)
from backend.web.timeline_view import readable
from backend.web.triage_pages import SNOOZE_MINUTES, number_in, uuid_or_none

DURATIONS = (10, 15, 20, 30, 45)


@bp.get("/web/patients")
@login_required()
def patient_list():
    rows = patients.list_patients(principal(), request.args.get("q"), 200, 0)
    return render_template("patients.html", patients=rows, q=request.args.get("q", ""),
                           enrollments=active_enrollments([p.id for p in rows]), now=now())


@bp.get("/web/patients/<uuid:patient_id>")
@login_required()
def patient_page(patient_id: uuid.UUID):
    try:
        patient = patients.get_patient(principal(), patient_id, "patient.read")
    except DomainError as error:
        flash(message_of(error), "error")
        return redirect(url_for("web.patient_list"))
    audit.record("patient.read", patient_id=patient.id, object_type="patient",
                 object_id=patient.id)
    enrollment = active_enrollments([patient.id]).get(patient.id)
    current = now()
    open_alerts = alerts.queue(principal(), {"patient_id": patient.id, "include_snoozed": True},
                               50, 0)
    entries = timeline(patient, None, None, 200, 0, newest_first=True)
    sent_and_received, more = _messages(patient)
    latest = enrollments.latest_enrollment(patient)
    teams = {a.care_team_id for a in open_alerts} | {patient.care_team_id}
    colleagues = clinicians_of(teams)
    return render_template(
        "patient.html", patient=patient, enrollment=enrollment, alerts=open_alerts,
        now=current, colleagues=colleagues, snooze_minutes=SNOOZE_MINUTES,
        staff_names={m.id: m.display_name for ms in colleagues.values() for m in ms},
        postop_day=(postop_day(enrollment.surgery_date, patient.timezone, current)
                    if enrollment else None),
        consultations=teleconsult.of_patient(patient), durations=DURATIONS,
        charts=patient_charts(patient, enrollment) if enrollment else [],
        lines=readable(entries), back=request.path, messages=sent_and_received,
        messages_more=more, latest=latest,
        outcome=outcomes.outcome_of(latest) if latest else None,
        outcome_kinds=FOLLOW_UP_OUTCOMES,
        thresholds=threshold_lines(enrollment) if enrollment else [],
        may_override=principal().role == "surgeon",
        consents=consents.consents_of(patient),
        may_withdraw=principal().role in CARE_ROLES)


def _messages(patient) -> tuple[list[dict], str | None]:
    """A page of the patient's messages (after ``messages_after``, the cursor of the
    "older messages" link), and the cursor of the next page if there may be one."""
    try:
        rows = delivery.patient_messages(patient, MESSAGES_PER_PAGE,
                                         request.args.get("messages_after") or None)
    except Invalid:  # an edited link: the newest messages instead
        rows = delivery.patient_messages(patient, MESSAGES_PER_PAGE)
    return rows, (delivery.cursor_of(rows[-1]) if len(rows) == MESSAGES_PER_PAGE else None)


def _local_datetime(day: str, clock: str) -> str:
    """A date and time typed on the ward's clock, as ISO 8601 with its offset."""
    try:
        return datetime.fromisoformat(f"{day}T{clock}").replace(
            tzinfo=display_zone()).isoformat()
    except ValueError:
        raise Invalid("starts_at", "Not a valid datetime.", location="form") from None


@bp.post("/web/patients/<uuid:patient_id>/teleconsultations")
@login_required()
@care_required("teleconsultation.create")
def book_teleconsultation(patient_id: uuid.UUID):
    form = request.form

    def run() -> None:
        patient = patients.get_patient(principal(), patient_id, "teleconsultation.create")
        duration = number_in(form.get("duration") or "20", DURATIONS)
        if duration is None:
            raise Invalid("duration_minutes", "choose a duration from the list: " + ", ".join(
                labels.duration(choice) for choice in DURATIONS), location="form")
        alert_id = uuid_or_none(form.get("alert_id") or "")
        reason = form.get("reason", "").strip()
        args = form_args(TeleconsultationIn(), {
            "starts_at": _local_datetime(form.get("date", ""), form.get("time", "")),
            "duration_minutes": duration, **({"reason": reason} if reason else {}),
            **({"alert_id": str(alert_id)} if alert_id else {})})
        teleconsult.book(principal(), patient, **args)

    attempt(run, _("Téléconsultation réservée : le lien est envoyé au patient."))
    return redirect(url_for("web.patient_page", patient_id=patient_id,
                            _anchor="teleconsultations"))


@bp.post("/web/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/outcome")
@login_required()
@care_required("enrollment.outcome")
def record_outcome(patient_id: uuid.UUID, enrollment_id: uuid.UUID):
    form = request.form

    def record() -> None:
        patient = patients.get_patient(principal(), patient_id, "enrollment.outcome")
        enrollment = enrollments.get_enrollment(patient, enrollment_id)
        args = form_args(OutcomeIn(), {"kind": form.get("kind", ""),
                                       **({"date": form["date"]} if form.get("date") else {})})
        outcomes.record_outcome(principal(), patient, enrollment, args["kind"], args["date"])

    attempt(record, _("Devenir à 30 jours enregistré."))
    return redirect(url_for("web.patient_page", patient_id=patient_id, _anchor="outcome"))
