from marshmallow import Schema, fields, validate

from backend.limits import MESSAGES_PER_PAGE


class MessagesArgs(Schema):
    limit = fields.Integer(load_default=MESSAGES_PER_PAGE, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(min=1, max=500), metadata={
        "description": "The X-Next-Cursor header of the previous page: this page starts "
                       "right after it."})


class DeliveryReport(Schema):
    status = fields.String()
    at = fields.DateTime()


class PatientMessage(Schema):
    direction = fields.String(metadata={"description": "sent (to the patient) or received"})
    id = fields.UUID()
    at = fields.DateTime(metadata={"description": "written (sent) or received"})
    channel = fields.String(metadata={"description": "sms or push"})
    template = fields.String(allow_none=True, metadata={
        "description": "what was sent: task.reminder, task.form_link, enrollment.welcome..."})
    body = fields.String(allow_none=True, metadata={
        "description": "the text (secrets such as codes and links masked); a STOP, START "
                       "or HELP received has none, see action"})
    status = fields.String(metadata={
        "description": "pending, sending, sent, delivered, failed; received"})
    provider_status = fields.String(allow_none=True, metadata={
        "description": "the provider's latest report (Twilio: queued, sent, delivered, "
                       "undelivered, failed...)"})
    error_code = fields.String(allow_none=True, metadata={
        "description": "the provider's error code (Twilio ErrorCode)"})
    status_at = fields.DateTime(allow_none=True)
    reports = fields.List(fields.Nested(DeliveryReport), metadata={
        "description": "every delivery report received, oldest first"})
    sent_at = fields.DateTime(allow_none=True)
    attempt = fields.Integer(metadata={"description": "1 for the first send, 2 for the first "
                                                      "retry of a failed SMS..."})
    max_attempts = fields.Integer()
    retry_of = fields.UUID(allow_none=True, metadata={
        "description": "the first message of the retries' chain"})
    action = fields.String(allow_none=True, metadata={
        "description": "received: message, stop, start or help"})
