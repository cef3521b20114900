"""A surgeon writes, checks, replays and publishes the next version of a protocol."""

from __future__ import annotations

import html as entities
import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect

from backend.protocols.models import ProtocolVersion
from tests.helpers import audit_events, count, daily, submit
from tests.web.conftest import ARTIFACTS
from tests.web.support import accessible, fits, shoot, sign_in
from tests.web.test_audit_pages import _web


def _csrf(client, slug="ambulatory-general") -> str:
    client.get(f"/web/protocols/{slug}/new")
    with client.session_transaction() as session:
        return session["csrf"]


def _feverish_patient(world, clock, nurse):
    """Three days of 38.2 °C: below the fever rule's 38.5 °C, above 38.0 °C."""
    patient, device = world.patient_device(
        nurse, family_name="Berger", surgery_date=clock.now().date() - timedelta(days=4))
    for _ in range(3):
        clock.advance(hours=24)
        assert submit(device, "daily-postop", daily(temperature=38.2)).status_code == 201
    return patient


def test_only_surgeons_write_a_version(world, app):
    nurse = _web(app, world.staff("nurse"))
    assert nurse.get("/web/protocols/ambulatory-general/new").status_code == 403
    with nurse.session_transaction() as session:
        session["csrf"] = "x"
    assert nurse.post("/web/protocols/ambulatory-general/publish",
                      data={"csrf": "x", "yaml": "slug: x"}).status_code == 403
    assert audit_events(app, action="protocol.publish", outcome="denied")


def test_a_surgeon_without_second_factor_is_sent_to_enrol_it_first(world, app):
    web = _web(app, world.staff("surgeon", enrol_mfa=False))
    for method, path in (("get", "new"), ("post", "draft"), ("post", "sample"),
                         ("post", "publish")):
        with web.session_transaction() as session:
            session["csrf"] = "x"
        answer = getattr(web, method)(f"/web/protocols/ambulatory-general/{path}",
                                      data={"csrf": "x", "yaml": "slug: ambulatory-general"})
        assert answer.status_code == 302, path
        assert answer.headers["Location"].endswith("/web/totp"), path
    assert count(app, ProtocolVersion, slug="ambulatory-general") == 2


def test_a_threshold_is_checked_replayed_on_a_patient_and_published(world, app, clock):
    surgeon = world.staff("surgeon")
    patient = _feverish_patient(world, clock, world.staff("nurse"))
    web = _web(app, world.renew(surgeon))  # signed in again after those days
    review = web.post("/web/protocols/ambulatory-general/draft", data={
        "csrf": _csrf(web), "mode": "thresholds", "t.fever.value": "38,0",
        "patient_id": patient["id"]})
    html = review.get_data(as_text=True)
    assert review.status_code == 200, html[:500]
    assert "version 3 vérifiée" in html
    assert re.search(r"<code>value</code> : 38.5 → <strong>38.0</strong>", html)
    # Replayed: the current version raised nothing on 38.2 °C; the draft raises fever.
    current, draft = html.split("Version en cours (2)")[1].split("Nouvelle version (3)")
    assert "Aucune alerte." in current and "3 fois" in draft
    replayed = audit_events(app, action="protocol.dry_run", patient_id=uuid.UUID(patient["id"]))
    # The enrolment, not the protocol, beside the patient: its name tells the condition.
    assert replayed and {(e.object_type, "ambulatory" in repr(e.detail))
                         for e in replayed} == {("enrollment", False)}
    yaml_text = re.search(r'<textarea name="yaml" hidden aria-hidden="true">(.*?)</textarea>',
                          html, re.S).group(1)
    published = web.post("/web/protocols/ambulatory-general/publish", data={
        "csrf": _csrf(web), "yaml": entities.unescape(yaml_text)})
    assert published.status_code == 302
    assert count(app, ProtocolVersion, slug="ambulatory-general") == 3
    versions = web.get(published.headers["Location"]).get_data(as_text=True)
    assert "Version 3 publiée" in versions and "Température ≥ 38 °C" in versions


def test_refusals_name_the_field_and_publish_nothing(world, app):
    web = _web(app, world.staff("surgeon"))
    for data, words in (
            ({"mode": "thresholds", "t.fever.value": "trente-huit"}, "rules.fever"),
            ({"mode": "yaml", "yaml": "slug: [unclosed"}, "line 1"),
            ({"mode": "yaml", "yaml": "a: &x [1]\nb: *x"}, "aliases"),
            ({"mode": "yaml", "yaml": "slug: other-protocol\nversion: 9"}, "slug"),
            ({"mode": "yaml", "yaml": "- just\n- a list"}, "mapping")):
        page = web.post("/web/protocols/ambulatory-general/draft",
                        data={"csrf": _csrf(web), **data})
        assert page.status_code == 422, data
        assert words in page.get_data(as_text=True), data
    assert count(app, ProtocolVersion, slug="ambulatory-general") == 2


def test_a_surgeon_edits_a_threshold_sees_an_error_replays_and_publishes(
        world, app, clock, live_server, page, axe_source):
    surgeon = world.staff("surgeon")
    _feverish_patient(world, clock, world.staff("nurse"))
    sign_in(page, live_server, clock, surgeon)
    page.goto(f"{live_server}/web/protocols/ambulatory-general")
    page.get_by_role("link", name="Écrire une nouvelle version").click()
    field = page.get_by_label("Seuil value de Fièvre")
    field.fill("38,O")  # a letter O typed for a zero
    page.get_by_role("button", name="Vérifier cette version").click()
    expect(page.get_by_role("alert")).to_contain_text("rules.fever")
    accessible(page, axe_source)
    page.get_by_label("Seuil value de Fièvre").fill("38,0")
    page.get_by_role("button", name="Vérifier cette version").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 3 vérifiée")
    page.get_by_role("button", name="Rejouer").click()
    expect(page.locator(".replay")).to_contain_text("Fièvre")
    daily_form = page.locator("details", has=page.locator(
        "input[name=questionnaire][value=daily-postop]"))
    daily_form.locator("summary").click()
    daily_form.get_by_label("Température", exact=False).first.fill("38,2")
    daily_form.get_by_role("button", name="Évaluer cette réponse").click()
    expect(page.locator("#sample-results")).to_contain_text("Fièvre")
    accessible(page, axe_source)
    fits(page)
    shoot(page, "protocol-review")
    page.locator("section", has=page.locator("#sample")).screenshot(
        path=str(ARTIFACTS / "protocol-sample.png"))
    page.get_by_role("button", name="Publier la version 3").click()
    expect(page.get_by_role("status")).to_contain_text("Version 3 publiée")
    expect(page.locator(".versions")).to_contain_text("v3")
    page.screenshot(path=str(ARTIFACTS / "protocol-published.png"))


def test_patients_are_moved_to_a_new_version_only_when_asked(world, app, clock):
    nurse = world.staff("nurse")
    surgeon = world.staff("surgeon")
    patient, _device = world.patient_device(nurse, family_name="Roussel")
    web = _web(app, surgeon)
    document = drafts_yaml(app, version=3)
    assert web.post("/web/protocols/ambulatory-general/publish",
                    data={"csrf": _csrf(web), "yaml": document}).status_code == 302
    page = web.get("/web/protocols/ambulatory-general").get_data(as_text=True)
    assert "ROUSSEL Jeanne — v2" in page and "Passer à la v3" in page
    moved = web.post("/web/protocols/ambulatory-general/move", data={
        "csrf": _csrf(web), "version": "3", "patient_id": patient["id"]},
        follow_redirects=True).get_data(as_text=True)
    assert "1 patient(s) passé(s) à la version 3." in moved
    assert "ROUSSEL Jeanne — v3" in moved
    assert audit_events(app, action="enrollment.move", patient_id=uuid.UUID(patient["id"]))
    # A nurse may read the page, not move anyone.
    refused = _web(app, nurse)
    with refused.session_transaction() as session:
        session["csrf"] = "x"
    assert refused.post("/web/protocols/ambulatory-general/move", data={
        "csrf": "x", "version": "3"}).status_code == 403


def drafts_yaml(app, version: int) -> str:
    from backend.protocols import drafts, services

    with app.app_context():
        row = services.get_version("ambulatory-general", None)
        return drafts.to_yaml(drafts.next_version_of(row, version - 1))


def _checked_draft(web, fever: str) -> str:
    """The YAML of a checked draft with the fever threshold at ``fever``."""
    review = web.post("/web/protocols/ambulatory-general/draft", data={
        "csrf": _csrf(web), "mode": "thresholds", "t.fever.value": fever})
    assert review.status_code == 200
    return entities.unescape(re.search(
        r'<textarea name="yaml" hidden aria-hidden="true">(.*?)</textarea>',
        review.get_data(as_text=True), re.S).group(1))


def test_a_typed_answer_is_tried_on_both_versions_and_stores_nothing(world, app):
    from backend.intake.models import Submission

    web = _web(app, world.staff("surgeon"))
    yaml_text = _checked_draft(web, "38,0")
    page = web.post("/web/protocols/ambulatory-general/sample", data={
        "csrf": _csrf(web), "yaml": yaml_text, "questionnaire": "daily-postop",
        "temperature": "38,2", "pain_now": "3"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:300]
    current, draft = html.split('id="sample-results"')[1].split("Nouvelle version (3)")
    current = current.split("Version en cours (2)")[1]
    # Only the items typed are asked; the temperature the answer carries is read by the
    # fever rule: 38.2 °C is below v2's 38.5 and above the draft's 38.0.
    assert "Aucune alerte." in current and "Fièvre" not in current
    assert "Fièvre" in draft.split("</div>")[0]
    assert 'value="38,2"' in html  # the sample stays in the form
    assert count(app, Submission) == 0 and count(app, ProtocolVersion,
                                                 slug="ambulatory-general") == 2
    assert audit_events(app, action="protocol.dry_run")

    refused = web.post("/web/protocols/ambulatory-general/sample", data={
        "csrf": _csrf(web), "yaml": yaml_text, "questionnaire": "daily-postop",
        "temperature": "385"})
    assert refused.status_code == 422
    assert "temperature" in refused.get_data(as_text=True)
    assert count(app, Submission) == 0
