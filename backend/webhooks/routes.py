"""Provider callbacks (not part of the JSON API: Twilio posts forms and reads TwiML)."""

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from backend.api import abort
from backend.webhooks import services

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

STATUS_FIELDS = ("MessageSid", "MessageStatus")


def _verify_signature(action: str) -> None:
    query = request.query_string.decode()
    services.verify_signature(action, request.path + (f"?{query}" if query else ""),
                              request.form, request.headers.get("X-Twilio-Signature"))


@bp.post("/twilio/sms")
def twilio_sms():
    _verify_signature("webhook.sms")
    reply = services.inbound_sms(request.form)
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), mimetype="application/xml")


@bp.post("/twilio/status")
def twilio_status():
    _verify_signature("webhook.status")
    missing = [name for name in STATUS_FIELDS if not services.field(request.form, name)]
    if missing:
        abort(422, "MessageSid and MessageStatus are required",
              errors={"form": {name: ["required"] for name in missing}})
    services.delivery_status(request.form, request.args.get("reference"))
    return Response(status=204)
