from marshmallow import Schema, fields

from backend.schemas import LangArgs

__all__ = ["LangArgs", "QuestionnaireOut", "QuestionnaireSummaryOut"]


class QuestionnaireSummaryOut(Schema):
    slug = fields.String()
    version = fields.Integer()
    title = fields.String()


class QuestionnaireOut(Schema):
    slug = fields.String()
    version = fields.Integer()
    title = fields.String()
    description = fields.String(allow_none=True)
    source = fields.String()
    score = fields.String(allow_none=True)
    min_answers = fields.Integer()
    items = fields.List(fields.Dict(), metadata={
        "description": "items with link_id, type, text, bounds, unit, choices, enable_when; "
                       "a reading item's `unit` is the unit of a bare number answer and its "
                       "`units` the units the patient may choose (first shown first)"})
