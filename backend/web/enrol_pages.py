"""Enrolling a patient: the record and the protocol in one form, then the app's
activation code (shown once, with its QR code) and sending it by SMS."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime

from flask import flash, redirect, render_template, request, session, url_for
from sqlalchemy import select

from backend import db
from backend.auth import patient_credentials as credentials
from backend.consents import notices
from backend.enrollments import channels
from backend.enrollments import services as enrollments
from backend.enrollments.schemas import ChannelIn, EnrollmentIn, ReminderTimeIn, reminder_time
from backend.patients import services as patients
from backend.patients.schemas import PatientIn, PatientPatch
from backend.protocols.services import latest_versions
from backend.tasks import services as tasks
from backend.teams.models import CareTeam
from backend.text import masked_phone
from backend.web.blueprint import bp, display_zone
from backend.web.i18n import _
from backend.web.session import attempt, care_required, form_args, login_required, principal

PATIENT_FIELDS = ("given_name", "family_name", "birth_date", "sex", "phone", "language",
                  "hospital_id", "ins_nir", "ins_status", "care_team")
# The discharge date goes to the enrolment when the enrolment takes one.
HAS_DISCHARGE = "discharge_at" in EnrollmentIn().fields


def _teams() -> list[CareTeam]:
    return list(db.session().scalars(select(CareTeam).where(
        CareTeam.id.in_(principal().team_ids)).order_by(CareTeam.name)))


def _create(form: dict) -> tuple:
    """Patient and enrolment in the request's one transaction: a refused enrolment
    leaves no patient behind."""
    fields = {name: form[name].strip() for name in PATIENT_FIELDS if form.get(name, "").strip()}
    follow = {"protocol": form.get("protocol", ""), "surgery_date": form.get("surgery_date", ""),
              "channel": form.get("channel") or "app",
              "carer_measures": form.get("carer_measures") == "true",
              "consent": {"notice_version": form.get("consent_notice_version", ""),
                          "given": form.get("consent_given") == "true",
                          "channel": form.get("consent_channel") or "in_person"}}
    if HAS_DISCHARGE and form.get("discharge_date"):
        typed = f"{form['discharge_date']}T{form.get('discharge_time') or '12:00'}"
        # On the ward's clock; a malformed value goes on as typed, and the schema refuses
        # it naming the field.
        with contextlib.suppress(ValueError):
            typed = datetime.fromisoformat(typed).replace(tzinfo=display_zone()).isoformat()
        follow["discharge_at"] = typed
    patient_args = form_args(PatientIn(), fields)
    follow_args = form_args(EnrollmentIn(), follow)
    patient = patients.create_patient(principal(), patient_args)
    extra = {"discharge_at": follow_args["discharge_at"]} if "discharge_at" in follow_args else {}
    enrollment, issued = enrollments.enrol(principal(), patient, follow_args["protocol"], None,
                                           follow_args["surgery_date"],
                                           patient_args.get("care_team"),
                                           channel=follow_args["channel"],
                                           carer_measures=follow_args["carer_measures"],
                                           consent=follow_args["consent"], **extra)
    return patient, enrollment, issued


def _remember(patient_id, enrollment_id, issued) -> None:
    # Shown once, on the next page only: the code leaves the session when displayed.
    session["activation"] = {"patient_id": str(patient_id), "enrollment_id": str(enrollment_id),
                             "code": issued.code, "expires_at": issued.expires_at.isoformat()}


@bp.route("/web/enrol", methods=["GET", "POST"])
@login_required()
@care_required("patient.create")
def enrol():
    form = request.form
    if request.method == "POST":
        created: list = []
        if attempt(lambda: created.extend(_create(form))):
            patient, enrollment, issued = created
            _remember(patient.id, enrollment.id, issued)
            return redirect(url_for("web.activation", patient_id=patient.id))
    return render_template("enrol.html", form=form, protocols=latest_versions(),
                           teams=_teams(), has_discharge=HAS_DISCHARGE,
                           notice=notices.current())


@bp.route("/web/patients/<uuid:patient_id>/activation", methods=["GET", "POST"])
@login_required()
@care_required("enrollment.activation_code")
def activation(patient_id: uuid.UUID):
    if request.method == "POST":  # a new code (lost, or the shown one expired)
        def issue() -> None:
            patient = patients.get_patient(principal(), patient_id,
                                           "enrollment.activation_code")
            enrollment = enrollments.active_enrollment(patient)
            _remember(patient.id, enrollment.id,
                      enrollments.new_activation_code(patient, enrollment))

        attempt(issue)
        return redirect(url_for("web.activation", patient_id=patient_id))
    patient = patients.get_patient(principal(), patient_id, "enrollment.activation_code")
    shown = session.pop("activation", None)
    if shown and shown["patient_id"] != str(patient.id):
        shown = None
    issued = shown and credentials.IssuedCode(shown["code"],
                                              datetime.fromisoformat(shown["expires_at"]))
    return render_template("activation.html", patient=patient, shown=shown, issued=issued)


@bp.post("/web/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/activation-sms")
@login_required()
@care_required("enrollment.activation_sms")
def activation_sms(patient_id: uuid.UUID, enrollment_id: uuid.UUID):
    def send() -> None:
        patient = patients.get_patient(principal(), patient_id, "enrollment.activation_sms")
        enrollment = enrollments.get_enrollment(patient, enrollment_id)
        enrollments.send_activation_sms(patient, enrollment, request.form.get("code", ""))
        flash(_("Code envoyé par SMS au {phone}.",
                phone=masked_phone(patient.phone)), "ok")

    attempt(send)
    return redirect(url_for("web.patient_page", patient_id=patient_id))




@bp.post("/web/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/channel")
@login_required()
@care_required("enrollment.channel")
def change_channel(patient_id: uuid.UUID, enrollment_id: uuid.UUID):
    def change() -> None:
        patient = patients.get_patient(principal(), patient_id, "enrollment.channel")
        enrollment = enrollments.get_enrollment(patient, enrollment_id)
        channels.change_channel(patient, enrollment,
                                form_args(ChannelIn(), {"channel": request.form.get(
                                    "channel", "")})["channel"])

    attempt(change, _("Canal de réponse modifié."))
    return redirect(url_for("web.patient_page", patient_id=patient_id, _anchor="channel"))


@bp.post("/web/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/reminder-time")
@login_required()
@care_required("enrollment.reminder_time")
def change_reminder_time(patient_id: uuid.UUID, enrollment_id: uuid.UUID):
    """The hour reminders come for a patient who asked the ward (empty: the due times)."""
    def change() -> None:
        patient = patients.get_patient(principal(), patient_id, "enrollment.reminder_time")
        enrollment = enrollments.get_enrollment(patient, enrollment_id)
        chosen = request.form.get("reminder_time", "").strip() or None
        tasks.set_reminder_time(patient, enrollment, reminder_time(
            form_args(ReminderTimeIn(), {"reminder_time": chosen})))

    attempt(change, _("Heure des rappels modifiée."))
    return redirect(url_for("web.patient_page", patient_id=patient_id, _anchor="reminders"))


@bp.post("/web/patients/<uuid:patient_id>/ins")
@login_required()
@care_required("patient.update")
def change_ins(patient_id: uuid.UUID):
    """The INS and the identity's status as identitovigilance has them now (a status
    raised once the INSi teleservice answered and an identity document was checked);
    an empty number removes it."""
    def change() -> None:
        patient = patients.get_patient(principal(), patient_id, "patient.update")
        nir = request.form.get("ins_nir", "").strip() or None
        status = (request.form.get("ins_status") or None) if nir else None
        patients.update_patient(patient, form_args(PatientPatch(), {
            "ins_nir": nir, "ins_status": status}))

    attempt(change, _("Identité nationale de santé modifiée."))
    return redirect(url_for("web.patient_page", patient_id=patient_id, _anchor="identity"))
