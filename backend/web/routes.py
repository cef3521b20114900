"""The nurses' dashboard: server-rendered, usable without any JavaScript build."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from backend import db
from backend.alerts import services as alerts
from backend.alerts.models import OUTCOMES, Alert
from backend.audit import services as audit
from backend.auth import services as auth
from backend.clock import now
from backend.patients import services as patients
from backend.protocols.content import protocol_of
from backend.submissions.models import Reading, Submission
from backend.timeline.services import timeline
from backend.web.charts import line_chart
from backend.web.session import attempt, csrf_token, login_required, message_of, principal

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/web/static")

CHARTED = (("temperature", "Température", "°C"), ("weight", "Poids", "kg"),
           ("systolic_bp", "Pression systolique", "mmHg"), ("heart_rate", "Pouls", "/min"),
           ("spo2", "SpO2", "%"))


@bp.app_template_filter("local")
def local_time(value, fmt: str = "%d/%m %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["SUIVI_DISPLAY_TIMEZONE"])).strftime(fmt)


@bp.app_context_processor
def _globals() -> dict:
    return {"csrf_token": csrf_token, "demo": current_app.config["SUIVI_DEMO"],
            "outcomes": OUTCOMES}


@bp.get("/")
def home():
    return redirect(url_for("web.queue"))


@bp.route("/web/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", step="password")
    try:
        result = auth.login(request.form.get("email", ""), request.form.get("password", ""))
    except HTTPException as error:
        return render_template("login.html", step="password", error=message_of(error),
                               email=request.form.get("email", "")), error.code
    if result.mfa_token:
        return render_template("login.html", step="mfa", mfa_token=result.mfa_token)
    return _signed_in(result.access_token)


@bp.post("/web/mfa")
def mfa():
    try:
        result = auth.verify_mfa(request.form.get("mfa_token", ""), request.form.get("code", ""))
    except HTTPException as error:
        return render_template("login.html", step="mfa", error=message_of(error),
                               mfa_token=request.form.get("mfa_token", "")), error.code
    return _signed_in(result.access_token)


def _signed_in(token: str):
    session.clear()
    session["token"] = token
    target = request.args.get("next") or ""
    # Only a local path: never an open redirect.
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("web.queue"))


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


@bp.get("/web/queue")
@login_required()
def queue():
    severity = request.args.getlist("severity")
    rows = alerts.queue(principal(), {"severity": severity or None}, limit=200, offset=0)
    return render_template("queue.html", alerts=rows, patients=_patients_of(rows),
                           severity=severity, now=now())


def _patients_of(rows: list[Alert]) -> dict:
    from backend.patients.models import Patient

    ids = {row.patient_id for row in rows}
    return {p.id: p for p in db.session().scalars(select(Patient).where(Patient.id.in_(ids)))}


@bp.post("/web/alerts/<uuid:alert_id>/<any(acknowledge, resolve, snooze, note):step>")
@login_required()
def alert_step(alert_id: uuid.UUID, step: str):
    def run() -> None:
        alert = alerts.get_alert(principal(), alert_id, f"alert.{step}")
        args: dict = {}
        if step == "resolve":
            args = {"outcome": request.form.get("outcome") or "other",
                    "note": request.form.get("note") or None}
        elif step == "snooze":
            args = {"until": now() + timedelta(minutes=int(request.form.get("minutes", 60))),
                    "reason": request.form.get("reason") or "rappel prévu"}
        elif step == "note":
            args = {"note": request.form.get("note", "").strip() or "—"}
        alerts.act(principal(), alert, step, **args)

    attempt(run, {"acknowledge": "Alerte prise en charge.", "resolve": "Alerte clôturée.",
                  "snooze": "Alerte mise en attente.", "note": "Note ajoutée."}[step])
    return redirect(request.form.get("back") or url_for("web.queue"))


@bp.get("/web/patients")
@login_required()
def patient_list():
    rows = patients.list_patients(principal(), request.args.get("q"), 200, 0)
    return render_template("patients.html", patients=rows, q=request.args.get("q", ""))


@bp.get("/web/patients/<uuid:patient_id>")
@login_required()
def patient_page(patient_id: uuid.UUID):
    try:
        patient = patients.get_patient(principal(), patient_id, "patient.read")
    except HTTPException as error:
        flash(message_of(error), "error")
        return redirect(url_for("web.patient_list"))
    audit.record("patient.read", patient_id=patient.id, object_type="patient",
                 object_id=patient.id)
    open_alerts = alerts.queue(principal(), {"patient_id": patient.id}, 50, 0)
    entries = timeline(patient, None, None, 200, 0, newest_first=True)
    return render_template("patient.html", patient=patient, alerts=open_alerts,
                           entries=entries, charts=_charts(patient))


def _charts(patient) -> list:
    from backend.enrollments.services import active_enrollment

    session = db.session()
    since = now() - timedelta(days=30)
    series: dict[str, list] = defaultdict(list)
    for row in session.scalars(select(Reading).where(
            Reading.patient_id == patient.id, Reading.measured_at >= since,
            Reading.numeric_value.is_not(None)).order_by(Reading.measured_at)):
        series[row.type].append((row.measured_at, Decimal(row.value)))
    for row in session.scalars(select(Submission).where(
            Submission.patient_id == patient.id, Submission.submitted_at >= since)
            .order_by(Submission.submitted_at)):
        if "pain_now" in row.answers:
            series["pain"].append((row.submitted_at, Decimal(str(row.answers["pain_now"]))))
    try:
        protocol = protocol_of(active_enrollment(patient).protocol)
        thresholds = protocol.thresholds()
    except HTTPException:
        thresholds = []
    charts = []
    for key, title, unit in (*CHARTED, ("pain", "Douleur (0–10)", "")):
        points = series.get(key, [])
        if len(points) < 2:
            continue
        subject = "answer daily-postop.pain_now" if key == "pain" else f"reading {key}"
        bands = sorted({(t.rule_id, Decimal(str(t.value)), t.op) for t in thresholds
                        if t.subject == subject and t.op in (">=", ">", "<", "<=")
                        and not isinstance(t.value, (list, tuple, frozenset))},
                       key=lambda band: band[1])
        charts.append(line_chart(title, unit, points, bands))
    return charts
