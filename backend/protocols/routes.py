from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth.models import CARE_ROLES
from backend.auth.principal import current_staff, staff_required
from backend.enrollments.schemas import EnrollmentOut
from backend.enrollments.services import active_enrollment, get_enrollment
from backend.patients.services import get_patient
from backend.protocols import services
from backend.protocols.dry_run import dry_run
from backend.protocols.openapi import REQUEST_BODY
from backend.protocols.schemas import (
    DryRunIn,
    DryRunOut,
    MoveIn,
    OverrideIn,
    OverrideOut,
    ProtocolArgs,
    ProtocolOut,
    ProtocolSummaryOut,
    ProtocolUpload,
    Spo2ScaleIn,
)

blp = Blueprint("protocols", __name__, url_prefix="",
                description="Versioned follow-up protocols, dry runs and per-patient overrides.")


@blp.route("/protocols")
class Protocols(MethodView):
    @staff_required(action="protocol.list", patient_data=False)
    @blp.response(200, ProtocolSummaryOut(many=True))
    def get(self):
        """Every protocol, latest version."""
        return services.latest_versions()

    # A protocol decides which answers raise an alert, for every patient enrolled on it
    # from then on: like patient data, it needs a confirmed second factor.
    @staff_required("surgeon", action="protocol.publish")
    @blp.arguments(ProtocolUpload)
    @blp.doc(requestBody=REQUEST_BODY)
    @blp.response(201, ProtocolOut)
    def post(self, args):
        """Publish a new protocol version: a protocol file (the YAML of
        questionnaires/protocols as JSON; its schema: questionnaires/schemas/
        protocol.schema.json). Errors come back field by field."""
        row = services.publish(current_staff(), args)
        return {**services.describe(row, "fr"), "versions": [
            v.version for v in services.versions(row.slug)]}


@blp.route("/protocols/<slug>")
class Protocol(MethodView):
    @staff_required(action="protocol.read", patient_data=False)
    @blp.arguments(ProtocolArgs, location="query")
    @blp.response(200, ProtocolOut)
    def get(self, args, slug):
        """One protocol version (latest by default) with the list of its versions."""
        row = services.get_version(slug, args.get("version"))
        return {**services.describe(row, args["lang"]),
                "versions": [v.version for v in services.versions(slug)]}


@blp.route("/protocols/<slug>/dry-run")
class DryRun(MethodView):
    @staff_required(*CARE_ROLES, action="protocol.dry_run", patient_data=False)
    @blp.arguments(DryRunIn)
    @blp.response(200, DryRunOut)
    def post(self, args, slug):
        """Evaluate sample answers and readings; nothing is stored."""
        return dry_run(services.get_version(slug, args.get("version")), args)


@blp.route("/patients/<uuid:patient_id>/threshold-overrides")
class Overrides(MethodView):
    @staff_required(action="override.list")
    @blp.response(200, OverrideOut(many=True))
    def get(self, patient_id):
        """Thresholds changed for this patient (active enrolment)."""
        patient = get_patient(current_staff(), patient_id, "override.list")
        audit.record("override.list", patient_id=patient.id)
        return services.current_overrides(active_enrollment(patient).id)

    @staff_required("surgeon", action="override.set")
    @blp.arguments(OverrideIn)
    @blp.response(201, OverrideOut)
    def post(self, args, patient_id):
        """Override one threshold for this patient (surgeon; a reason is required)."""
        patient = get_patient(current_staff(), patient_id, "override.set")
        return services.set_override(current_staff(), patient, **args)


@blp.route("/patients/<uuid:patient_id>/threshold-overrides/<uuid:override_id>")
class Override(MethodView):
    @staff_required("surgeon", action="override.remove")
    @blp.response(204)
    def delete(self, patient_id, override_id):
        """Return to the protocol's threshold."""
        patient = get_patient(current_staff(), patient_id, "override.remove")
        services.remove_override(current_staff(), patient, override_id)


@blp.route("/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/spo2-scale")
class Spo2Scale(MethodView):
    @staff_required("surgeon", action="enrollment.spo2_scale")
    @blp.arguments(Spo2ScaleIn)
    @blp.response(200, EnrollmentOut)
    def put(self, args, patient_id, enrollment_id):
        """Choose the NEWS2 SpO2 scale for this patient (surgeon, with a reason, audited)."""
        patient = get_patient(current_staff(), patient_id, "enrollment.spo2_scale")
        enrollment = get_enrollment(patient, enrollment_id)
        return services.set_spo2_scale(patient, enrollment, args["spo2_scale"], args["reason"])


@blp.route("/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/protocol-version")
class MoveEnrollment(MethodView):
    @staff_required("surgeon", action="enrollment.move")
    @blp.arguments(MoveIn)
    @blp.response(200, EnrollmentOut)
    def post(self, args, patient_id, enrollment_id):
        """Move an enrolment to another version of its protocol (explicit, audited)."""
        patient = get_patient(current_staff(), patient_id, "enrollment.move")
        enrollment = get_enrollment(patient, enrollment_id)
        return services.move_enrollment(patient, enrollment, args["protocol_version"])
