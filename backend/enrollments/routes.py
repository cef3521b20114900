from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth import patient_credentials as credentials
from backend.auth.models import CARE_ROLES
from backend.auth.principal import current_staff, staff_required
from backend.enrollments import channels, outcomes, services
from backend.enrollments.schemas import (
    ActivationOut,
    ActivationSmsIn,
    ActivationSmsOut,
    CarerIn,
    ChannelIn,
    DeviceOut,
    EnrollmentCreatedOut,
    EnrollmentIn,
    EnrollmentOut,
    OutcomeIn,
    OutcomeOut,
    ReminderTimeIn,
    reminder_time,
)
from backend.patients.services import get_patient
from backend.tasks import services as tasks
from backend.text import masked_phone

blp = Blueprint("enrollments", __name__, url_prefix="",
                description="Enrolment in a protocol and pairing of the patient app.")



def _activation(issued: credentials.IssuedCode) -> dict:
    return {"activation_code": issued.code, "activation_expires_at": issued.expires_at,
            "activation_qr_svg": issued.qr_svg}


@blp.route("/patients/<uuid:patient_id>/enrollments")
class Enrollments(MethodView):
    @staff_required(action="enrollment.list")
    @blp.response(200, EnrollmentOut(many=True))
    def get(self, patient_id):
        """The patient's enrolments."""
        patient = get_patient(current_staff(), patient_id, "enrollment.list")
        audit.record("enrollment.list", patient_id=patient.id)
        return services.enrollments_of(patient)

    @staff_required(*CARE_ROLES, action="enrollment.create")
    @blp.arguments(EnrollmentIn)
    @blp.response(201, EnrollmentCreatedOut)
    def post(self, args, patient_id):
        """Enrol the patient; the activation code for the app is returned once.

        One active enrolment per protocol (any version): a second one is a 409."""
        patient = get_patient(current_staff(), patient_id, "enrollment.create")
        enrollment, issued = services.enrol(
            current_staff(), patient, args["protocol"], args.get("protocol_version"),
            args["surgery_date"], args.get("care_team"), args.get("discharge_at"),
            args["channel"], args["carer_measures"], consent=args["consent"])
        return {"enrollment": enrollment, **_activation(issued)}


@blp.route("/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/channel")
class Channel(MethodView):
    @staff_required(*CARE_ROLES, action="enrollment.channel")
    @blp.arguments(ChannelIn)
    @blp.response(200, EnrollmentOut)
    def put(self, args, patient_id, enrollment_id):
        """How the patient answers from now on; moving to sms or web sends the welcome
        SMS (a 422 naming ``channel`` when no SMS can reach the patient)."""
        patient = get_patient(current_staff(), patient_id, "enrollment.channel")
        return channels.change_channel(patient, services.get_enrollment(
            patient, enrollment_id), args["channel"])


@blp.route("/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/outcome")
class Outcome(MethodView):
    @staff_required(*CARE_ROLES, action="enrollment.outcome")
    @blp.arguments(OutcomeIn)
    @blp.response(200, OutcomeOut)
    def put(self, args, patient_id, enrollment_id):
        """The outcome of the follow-up: the most serious of a readmission, an emergency
        visit or an unplanned consultation within 30 days of discharge, with its day, or
        none. Recording it again corrects it."""
        patient = get_patient(current_staff(), patient_id, "enrollment.outcome")
        return outcomes.record_outcome(current_staff(), patient, services.get_enrollment(
            patient, enrollment_id), args["kind"], args["date"])


@blp.route("/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/carer")
class Carer(MethodView):
    @staff_required(*CARE_ROLES, action="enrollment.carer")
    @blp.arguments(CarerIn)
    @blp.response(200, EnrollmentOut)
    def put(self, args, patient_id, enrollment_id):
        """Whether a carer or visiting nurse measures breathing rate and consciousness:
        only then are they asked of the patient and required for a NEWS2 set."""
        patient = get_patient(current_staff(), patient_id, "enrollment.carer")
        return services.set_carer_measures(patient, services.get_enrollment(
            patient, enrollment_id), args["carer_measures"])


@blp.route("/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/reminder-time")
class ReminderTime(MethodView):
    @staff_required(*CARE_ROLES, action="enrollment.reminder_time")
    @blp.arguments(ReminderTimeIn)
    @blp.response(200, EnrollmentOut)
    def put(self, args, patient_id, enrollment_id):
        """The patient's own reminder time (for a patient without the app, set by the
        ward): tasks due later that day are reminded then; null: at the due times."""
        patient = get_patient(current_staff(), patient_id, "enrollment.reminder_time")
        enrollment = services.get_enrollment(patient, enrollment_id)
        tasks.set_reminder_time(patient, enrollment, reminder_time(args))
        return enrollment


@blp.route("/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/activation-code")
class NewActivationCode(MethodView):
    @staff_required(*CARE_ROLES, action="enrollment.activation_code")
    @blp.response(201, ActivationOut)
    def post(self, patient_id, enrollment_id):
        """A new activation code (lost code or new phone); earlier unused codes stop working."""
        patient = get_patient(current_staff(), patient_id, "enrollment.activation_code")
        return _activation(services.new_activation_code(
            patient, services.get_enrollment(patient, enrollment_id)))


@blp.route("/patients/<uuid:patient_id>/enrollments/<uuid:enrollment_id>/activation-code/sms")
class ActivationCodeBySms(MethodView):
    @staff_required(*CARE_ROLES, action="enrollment.activation_sms")
    @blp.arguments(ActivationSmsIn)
    @blp.response(202, ActivationSmsOut)
    def post(self, args, patient_id, enrollment_id):
        """Send the activation code just issued to the patient's phone by SMS (once per
        code; the SMS holds no health data)."""
        patient = get_patient(current_staff(), patient_id, "enrollment.activation_sms")
        row = services.send_activation_sms(patient, services.get_enrollment(
            patient, enrollment_id), args["activation_code"])
        return {"sent_to": masked_phone(patient.phone),
                "activation_expires_at": row.expires_at}


@blp.route("/patients/<uuid:patient_id>/devices")
class Devices(MethodView):
    @staff_required(action="device.list")
    @blp.response(200, DeviceOut(many=True))
    def get(self, patient_id):
        """The patient's paired devices."""
        patient = get_patient(current_staff(), patient_id, "device.list")
        audit.record("device.list", patient_id=patient.id)
        return credentials.devices_of(patient.id)


@blp.route("/patients/<uuid:patient_id>/devices/<uuid:device_id>")
class Device(MethodView):
    @staff_required(*CARE_ROLES, action="device.revoke")
    @blp.response(204)
    def delete(self, patient_id, device_id):
        """Revoke a device token (lost or stolen phone)."""
        patient = get_patient(current_staff(), patient_id, "device.revoke")
        credentials.revoke_device(patient.id, device_id)

