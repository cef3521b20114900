"""The patients' web form, opened from the link of an SMS (``/f/<token>``): one short
page of the questionnaire due, in the patient's language, that works without script;
the answers go through the submission service as the app's do, and the advice follows.

The token is the patient's only credential here: it never reaches a log (the access log
masks these paths, see backend/server.py) nor another site (Referrer-Policy), and no page
of it is kept in a cache."""

from __future__ import annotations

from flask import g, make_response, render_template, request
from werkzeug.wrappers import Response

from backend.audit import services as audit
from backend.consents import notices
from backend.errors import DomainError, InvalidValues
from backend.formlinks import services as links
from backend.http_errors import status_of
from backend.web.blueprint import bp
from backend.web.form_fields import answers_from, fields_of, problem_text
from backend.web.i18n import _
from backend.web.session import message_of
from rules.questionnaire import asked_answers

# Why a link does not open, as the patient reads it (nothing about them).
REFUSED_STATUS = {"unknown": 404, "used": 410, "answered": 410, "expired": 410}


def _page(template: str, status: int = 200, **context) -> Response:
    # "Mes données": what the patient agreed to and how to get a copy of their data.
    response = make_response(render_template(template, notice=notices.current(), **context),
                             status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _refused(opened: links.Opened, action: str) -> Response:
    links.refuse(opened, action)
    return _page("form_refused.html", REFUSED_STATUS[opened.refused], reason=opened.refused)


@bp.route("/f/<token>", methods=["GET", "POST"])
def form_link(token: str):
    opened = links.find(token)
    if opened.patient is not None:
        g.lang = opened.patient.language
    action = "form_link.submit" if request.method == "POST" else "form_link.open"
    audit.acting(action)  # answers refused on the page: the edge's row names the patient
    if opened.refused:
        return _refused(opened, action)
    questionnaire = links.questionnaire_of(opened.task)
    skipped = set(links.not_asked(opened.task))  # as the app: no carer, no breathing rate
    other_days = set(links.items_not_asked(opened.task))  # asked on other days only
    fields = [f for f in fields_of(questionnaire)
              if f.item.reading not in skipped and f.item.link_id not in other_days]
    if request.method != "POST":  # GET, and HEAD (a link scanner): a look, not an answer
        audit.record(action, patient_id=opened.patient.id, object_type="form_link",
                     object_id=opened.link.id)
        return _page("form.html", questionnaire=questionnaire, fields=fields, values={},
                     errors={}, token=token)
    # Every question is on the page: an answer to one whose condition the other answers
    # do not meet is dropped, as the app would have hidden the question.
    answers = asked_answers(questionnaire, answers_from(fields, request.form))
    try:
        result = links.answer(opened, answers)
    except InvalidValues as error:
        return _page("form.html", 422, questionnaire=questionnaire, fields=fields,
                     values=request.form, errors=_problems(fields, error), token=token)
    except DomainError as error:
        return _page("form_refused.html", status_of(error), reason="failed",
                     message=message_of(error))
    if result is None:  # posted twice: the first one went through
        return _refused(links.Opened(opened.link, opened.patient, opened.task, "used"), action)
    return _page("form_advice.html", result=result)


def _problems(fields, error: InvalidValues) -> dict[str, str]:
    """Each refused field's message, for the patient; "" keys a problem of the whole form."""
    refused = next(iter(error.errors.values()), {}).get("answers", {})
    problems = {}
    for f in fields:
        if f.name in refused:
            problems[f.name] = problem_text(f, " ".join(refused[f.name]))
    if "answers" in refused:
        problems[""] = _("Répondez à au moins une question.")
    elif not problems:
        problems[""] = _("Vos réponses n'ont pas pu être enregistrées : vérifiez-les.")
    return problems
