from flask.views import MethodView
from marshmallow import Schema, fields, validate

from backend.api import Blueprint, page_response
from backend.audit import services as audit
from backend.auth.principal import current_staff, staff_required
from backend.patients.services import get_patient
from backend.schemas import NEXT_CURSOR_DOC, CursorPageArgs, Timestamp
from backend.timeline.services import cursor_of, timeline

blp = Blueprint("timeline", __name__, url_prefix="",
                description="Everything that happened to a patient, in time order.")


class TimelineArgs(CursorPageArgs):
    since = Timestamp()
    until = Timestamp()
    order = fields.String(load_default="desc", validate=validate.OneOf(["asc", "desc"]))


class TimelineEntry(Schema):
    at = fields.DateTime()
    kind = fields.String(metadata={"description": "submission, score, reading, alert.<step>, "
                                                  "message, teleconsultation"})
    id = fields.UUID()
    data = fields.Dict()


@blp.route("/patients/<uuid:patient_id>/timeline")
class Timeline(MethodView):
    @staff_required(action="timeline.read")
    @blp.arguments(TimelineArgs, location="query")
    @blp.response(200, TimelineEntry(many=True), headers=NEXT_CURSOR_DOC)
    def get(self, args, patient_id):
        """Answers, readings, scores, alerts, messages and teleconsultations, a page at a
        time: the next page is the one after the `X-Next-Cursor` header's cursor."""
        patient = get_patient(current_staff(), patient_id, "timeline.read")
        audit.record("timeline.read", patient_id=patient.id)
        return page_response(
            timeline(patient, args.get("since"), args.get("until"), args["limit"],
                     args["offset"], args["order"] == "desc", args.get("cursor")),
            args["limit"], cursor_of)
