"""A surgeon writes the next version of a protocol: thresholds changed in a form, or the
YAML edited or uploaded; the loader's refusals shown field by field; a replay on a real
patient's last 14 days next to the current version; then publishing. The draft travels
in the form (nothing is stored before publishing, which validates it all again)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from backend.audit import services as audit
from backend.clock import now
from backend.errors import DomainError, Invalid, InvalidValues
from backend.protocols import drafts, services
from backend.protocols.content import protocol_of
from backend.protocols.dry_run import evaluate_sample
from backend.schemas import SQL_INT_MAX
from backend.text import whole_number
from backend.web.blueprint import bp
from backend.web.form_fields import answers_from, fields_of
from backend.web.i18n import _
from backend.web.rule_words import words
from backend.web.session import attempt, login_required, message_of, principal, role_required
from backend.web.threshold_text import shown_threshold, typed_threshold

surgeons_only = role_required(("surgeon",), "protocol.publish")


def _start(slug: str) -> tuple[Any, dict, Any]:
    row = services.get_version(slug, None)
    return row, drafts.next_version_of(row, row.version), protocol_of(row)


def _edit_page(slug: str, document: dict, status: int = 200, errors: dict | None = None,
               yaml_text: str | None = None):
    row, _start_document, protocol = _start(slug)
    return render_template(
        "protocol_new.html", row=row, protocol=protocol, document=document,
        yaml_text=yaml_text if yaml_text is not None else drafts.to_yaml(document),
        thresholds=protocol.thresholds(), typed=request.form, errors=errors or {},
        words=words), status


@bp.get("/web/protocols/<slug>/new")
@login_required()  # where publishing starts: enrol the second factor first, not after
@surgeons_only
def protocol_new(slug: str):
    try:
        _row, document, _protocol = _start(slug)
    except DomainError as error:
        flash(message_of(error), "error")
        return redirect(url_for("web.protocol_list"))
    return _edit_page(slug, document)[0]


def _document_from_form(slug: str) -> tuple[dict, str | None]:
    """The draft the form carries: thresholds changed on the current version, or YAML
    (typed or uploaded); returns it with the YAML text to show again."""
    form = request.form
    if form.get("mode") == "thresholds":
        row, document, protocol = _start(slug)
        current = {(t.rule_id, t.name): t.value for t in protocol.thresholds()}
        changes = {}
        for (rule_id, name), value in current.items():
            typed = form.get(f"t.{rule_id}.{name}")
            if typed is not None and typed.strip() != shown_threshold(value):
                changes[(rule_id, name)] = typed_threshold(typed, value)
        return drafts.with_thresholds(document, changes), None
    upload = request.files.get("file")
    text = upload.read(drafts.MAX_YAML_BYTES + 1).decode("utf-8", "replace") \
        if upload and upload.filename else form.get("yaml", "")
    return drafts.from_yaml(text), text


@bp.post("/web/protocols/<slug>/draft")
@login_required()  # replays a patient of the team: a second factor
@surgeons_only
def protocol_draft(slug: str):
    yaml_text = None
    try:
        document, yaml_text = _document_from_form(slug)
        if document.get("slug") != slug:
            raise Invalid("slug", f"must stay '{slug}' (a new protocol is another file)")
        draft = drafts.check(document)
    except InvalidValues as refusal:
        return _edit_page(slug, _start(slug)[1], 422, refusal.errors,
                          yaml_text if yaml_text is not None else request.form.get("yaml"))
    except DomainError as refusal:
        return _edit_page(slug, _start(slug)[1], 422,
                          {getattr(refusal, "field", None) or "protocol": [message_of(refusal)]},
                          yaml_text if yaml_text is not None else request.form.get("yaml"))
    return _review(slug, document, draft)


def _review(slug: str, document: dict, draft: Any, samples: dict | None = None,
            sample_of: str | None = None):
    """The checked draft: thresholds changed, the replay on the patient chosen in the
    form (if any), the sample tried (if any), and the publish button."""
    row, _document, current = _start(slug)
    candidates = services.enrolled_patients(principal(), slug)
    chosen = _chosen_patient(candidates)
    replays = None
    if chosen is not None:
        patient, enrollment = chosen
        replays = {"patient": patient,
                   "current": drafts.replay(current, patient, enrollment),
                   "draft": drafts.replay(draft, patient, enrollment)}
    before = {(t.rule_id, t.name): t.value for t in current.thresholds()}
    changed = [(info, before.get((info.rule_id, info.name))) for info in draft.thresholds()
               if before.get((info.rule_id, info.name)) != info.value]
    return render_template("protocol_review.html", row=row, draft=draft, current=current,
                           yaml_text=drafts.to_yaml(document), changed=changed,
                           candidates=candidates, chosen=chosen, replays=replays,
                           words=words, sample_forms=_sample_forms(draft),
                           samples=samples, sample_of=sample_of, typed=request.form)


def _sample_forms(draft: Any) -> list[tuple[Any, list]]:
    """Each questionnaire of the draft with its fields, to type a sample answer into."""
    return [(questionnaire, fields_of(questionnaire))
            for questionnaire in draft.questionnaires.values()]


@bp.post("/web/protocols/<slug>/sample")
@login_required()  # its review replays a patient of the team: a second factor
@surgeons_only
def protocol_sample(slug: str):
    """The draft and the current version side by side on one answer typed by the surgeon
    (only the items answered count as asked), as if the patient sent it now."""
    try:
        document = drafts.from_yaml(request.form.get("yaml", ""))
        draft = drafts.check(document)
        if document.get("slug") != slug:
            raise Invalid("slug", f"must stay '{slug}'")
    except DomainError as refusal:
        flash(message_of(refusal), "error")
        return redirect(url_for("web.protocol_new", slug=slug))
    questionnaire = draft.questionnaires.get(request.form.get("questionnaire", ""))
    if questionnaire is None:
        flash(_("Choisissez un questionnaire de ce protocole."), "error")
        return _review(slug, document, draft), 422
    answers = answers_from(fields_of(questionnaire), request.form)
    sample = {"now": now(), "readings": [], "overrides": [], "submissions": [
        {"questionnaire": questionnaire.slug, "submitted_at": now(), "answers": answers,
         "asked": set(answers)}]}
    _row, _document, current = _start(slug)
    try:
        samples = {"current": (evaluate_sample(current, sample)
                               if questionnaire.slug in current.questionnaires else None),
                   "draft": evaluate_sample(draft, sample)}
    except DomainError as refusal:
        flash(message_of(refusal), "error")
        return _review(slug, document, draft, sample_of=questionnaire.slug), 422
    audit.record("protocol.dry_run", object_type="protocol", object_id=slug,
                 detail={"version": draft.version, "sample": questionnaire.slug})
    return _review(slug, document, draft, samples, questionnaire.slug)


def _chosen_patient(candidates: list) -> tuple | None:
    wanted = request.form.get("patient_id", "")
    try:
        wanted_id = uuid.UUID(wanted) if wanted else None
    except ValueError:
        return None
    return next(((p, e) for p, e in candidates if p.id == wanted_id), None)


@bp.post("/web/protocols/<slug>/publish")
@login_required()  # a second factor, as over the API (protocols/routes.py)
@surgeons_only
def protocol_publish(slug: str):
    try:
        document = drafts.from_yaml(request.form.get("yaml", ""))
        if document.get("slug") != slug:
            raise Invalid("slug", f"must stay '{slug}'")
        row = services.publish(principal(), document)
    except DomainError as refusal:
        flash(message_of(refusal), "error")
        return redirect(url_for("web.protocol_new", slug=slug))
    flash(_("Version {v} publiée : les patients suivis gardent la leur.", v=row.version), "ok")
    return redirect(url_for("web.protocol_page", slug=slug, version=row.version))



@bp.post("/web/protocols/<slug>/move")
@login_required()
@role_required(("surgeon",), "enrollment.move")
def protocol_move(slug: str):
    """Move one patient, or every patient of the surgeon's teams on an older version, to
    the version shown (overrides the new version cannot apply are ended and listed)."""
    version = whole_number(request.form.get("version", ""), SQL_INT_MAX)
    wanted = request.form.get("patient_id", "")
    moved, ended = 0, []

    def run() -> None:
        nonlocal moved
        target = services.get_version(slug, -1 if version is None else version)
        for patient, enrollment in services.enrolled_patients(principal(), slug):
            if enrollment.protocol_version_id == target.id or (
                    wanted and str(patient.id) != wanted):
                continue
            ended.extend(f"{patient.family_name.upper()} {item}"
                         for item in services.move(patient, enrollment, target.version))
            moved += 1

    if attempt(run):
        flash(_("{n} patient(s) passé(s) à la version {v}.", n=moved, v=version) + (
            " " + _("Seuils propres au patient arrêtés : {list}.", list=", ".join(ended))
            if ended else ""), "ok")
    return redirect(url_for("web.protocol_page", slug=slug, version=version,
                            _anchor="patients"))
