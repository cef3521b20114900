"""Per-patient thresholds on the patient page: each threshold of the patient's protocol
with the protocol's value and, where a surgeon set one, the patient's own value, its
reason, who set it and when. Surgeons set, replace and end them; the same checks as the
API (``services.set_override``) refuse a value the rule's item cannot take."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import redirect, request, url_for

from backend.enrollments.models import Enrollment
from backend.enrollments.services import active_enrollment
from backend.errors import Invalid
from backend.patients import services as patients
from backend.protocols import services
from backend.protocols.content import protocol_of
from backend.protocols.models import ThresholdOverride
from backend.protocols.schemas import OverrideIn
from backend.web.blueprint import bp
from backend.web.i18n import _
from backend.web.session import attempt, form_args, login_required, principal, role_required
from backend.web.threshold_text import shown_threshold, typed_threshold
from rules.protocol import ThresholdInfo

surgeons_only = role_required(("surgeon",), "override.set")


@dataclass
class ThresholdLine:
    info: ThresholdInfo
    protocol_value: str
    override: ThresholdOverride | None

    @property
    def own_value(self) -> str:
        return shown_threshold(self.override.value) if self.override else ""

    @property
    def key(self) -> str:
        return f"{self.info.rule_id}|{self.info.name}"


def threshold_lines(enrollment: Enrollment) -> list[ThresholdLine]:
    """Every threshold of the enrolment's protocol version, with the patient's override."""
    current = {(o.rule_id, o.threshold): o for o in services.current_overrides(enrollment.id)}
    return [ThresholdLine(info, shown_threshold(info.value),
                          current.get((info.rule_id, info.name)))
            for info in protocol_of(enrollment.protocol).thresholds()]


def _chosen(enrollment: Enrollment, key: str) -> ThresholdInfo:
    rule_id, _sep, name = key.partition("|")
    for info in protocol_of(enrollment.protocol).thresholds():
        if (info.rule_id, info.name) == (rule_id, name):
            return info
    raise Invalid("threshold", "choose a threshold from the list", location="form")


def _back(patient_id: uuid.UUID) -> Any:
    return redirect(url_for("web.patient_page", patient_id=patient_id, _anchor="overrides"))


@bp.post("/web/patients/<uuid:patient_id>/overrides")
@login_required()
@surgeons_only
def set_override(patient_id: uuid.UUID):
    form = request.form

    def run() -> None:
        patient = patients.get_patient(principal(), patient_id, "override.set")
        info = _chosen(active_enrollment(patient), form.get("threshold", ""))
        args = form_args(OverrideIn(), {
            "rule_id": info.rule_id, "threshold": info.name,
            "value": typed_threshold(form.get("value", ""), info.value),
            "reason": form.get("reason", "").strip()})
        services.set_override(principal(), patient, **args)

    attempt(run, _("Seuil propre au patient enregistré ; il s'applique dès la prochaine réponse."))
    return _back(patient_id)


@bp.post("/web/patients/<uuid:patient_id>/overrides/<uuid:override_id>/remove")
@login_required()
@surgeons_only
def remove_override(patient_id: uuid.UUID, override_id: uuid.UUID):
    def run() -> None:
        patient = patients.get_patient(principal(), patient_id, "override.remove")
        services.remove_override(principal(), patient, override_id)

    attempt(run, _("Seuil propre au patient arrêté : le seuil du protocole s'applique."))
    return _back(patient_id)
