"""Provider callbacks (not part of the JSON API: Twilio posts forms and reads TwiML)."""

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from backend.webhooks import services

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/twilio/sms")
def twilio_sms():
    services.verify_signature("webhook.sms")
    reply = services.inbound_sms(request.form)
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), mimetype="application/xml")


@bp.post("/twilio/status")
def twilio_status():
    services.verify_signature("webhook.status")
    services.delivery_status(request.form)
    return Response(status=204)
