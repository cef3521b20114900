"""The patient's rights on the ward's pages: a printable copy of the patient's data
("export"), their consents and the withdrawal of one."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask import flash, redirect, render_template, url_for

from backend.audit import services as audit
from backend.consents import services as consents
from backend.errors import DomainError
from backend.patients import services as patients
from backend.rgpd import services as rgpd
from backend.web.blueprint import bp, local_time
from backend.web.i18n import _
from backend.web.session import attempt, care_required, login_required, message_of, principal
from backend.web.timeline_view import answer_lines


@bp.app_template_filter("iso_local")
def iso_local(value: str | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """An ISO 8601 timestamp of an export on the ward's clock."""
    return local_time(datetime.fromisoformat(value), fmt) if value else ""


@bp.app_template_filter("dmy")
def dmy(value: str | None) -> str:
    """An ISO 8601 date of an export as a French reader writes it: 02/04/1950."""
    return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y") if value else "—"


@bp.get("/web/patients/<uuid:patient_id>/export")
@login_required()
def patient_export(patient_id: uuid.UUID):
    """Everything Suivi holds about the patient, on one page to print or save for them
    (RGPD art. 15); the JSON is at /api/v1/patients/<id>/export."""
    try:
        patient = patients.get_patient(principal(), patient_id, "patient.export")
    except DomainError as error:
        flash(message_of(error), "error")
        return redirect(url_for("web.patient_list"))
    data = rgpd.export_of(patient)
    audit.record("patient.export", patient_id=patient.id, object_type="patient",
                 object_id=patient.id, detail={"format": "html"})
    return render_template("export.html", patient=patient, data=data,
                           answers=answer_lines(data["submissions"]))


@bp.post("/web/patients/<uuid:patient_id>/consents/<uuid:consent_id>/withdraw")
@login_required()
@care_required("consent.withdraw")
def withdraw_consent(patient_id: uuid.UUID, consent_id: uuid.UUID):
    def withdraw() -> None:
        patient = patients.get_patient(principal(), patient_id, "consent.withdraw")
        consents.withdraw(principal(), patient, consent_id)

    attempt(withdraw, _("Consentement retiré : le suivi est arrêté."))
    return redirect(url_for("web.patient_page", patient_id=patient_id, _anchor="rgpd"))
