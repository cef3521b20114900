"""The administrators' audit viewer: a refused access found by the patient's name, the
filters, the pages, the CSV export, and who may open it."""

from __future__ import annotations

import csv
import io
import uuid

from playwright.sync_api import expect

from backend import cursor as cursors
from backend.text import FORMULA_START
from tests.helpers import CALENDAR_ENDS, audit_events, spreadsheet_pieces
from tests.web.support import accessible, fits, shoot, sign_in


def _web(app, caller):
    """A browser-less client signed in to the pages with ``caller``'s token."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["token"] = caller.token
    return client


def _refused_access(world):
    """A nurse of team B tries to open a team A patient (refused, audited)."""
    nurse_a = world.staff("nurse")
    patient = world.patient(nurse_a, family_name="Fabre", given_name="Hélène")
    nurse_b = world.staff("nurse", teams=("team-b",))
    assert nurse_b.get(f"/api/v1/patients/{patient['id']}").status_code == 404
    return patient, nurse_b


def test_a_refused_access_is_found_by_the_patients_name(world, app):
    patient, intruder = _refused_access(world)
    admin = _web(app, world.admin())
    page = admin.get("/web/audit?patient=fabre&outcome=denied")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "FABRE Hélène" in html and "patient.read" in html
    assert "Nurse (nurse)" in html  # who tried, by name and role
    assert "not in the caller&#39;s teams" in html
    # The search itself is in the trail, naming the patient.
    assert audit_events(app, action="audit.search", patient_id=uuid.UUID(patient["id"]))


def test_who_may_open_the_audit_viewer(world, app, client):
    anonymous = client.get("/web/audit")
    assert anonymous.status_code == 302 and "/web/login" in anonymous.headers["Location"]
    nurse = world.staff("nurse")
    refused = _web(app, nurse).get("/web/audit")
    assert refused.status_code == 403
    assert "réservée aux administrateurs" in refused.get_data(as_text=True)
    assert audit_events(app, action="audit.search", outcome="denied", actor_id=uuid.UUID(nurse.id))
    assert _web(app, nurse).get("/web/audit/export.csv").status_code == 403
    # The navigation shows the viewer to administrators only.
    assert "/web/audit" not in _web(app, nurse).get("/web/patients").get_data(as_text=True)
    assert "/web/audit" in _web(app, world.admin()).get("/web/patients").get_data(as_text=True)


def test_bad_filters_say_which_field_and_never_fail(world, app):
    admin = _web(app, world.admin())
    for query, words in (("from=2026-13-45", "Du : date invalide"),
                         ("patient=nobody-by-that-name", "aucun patient ne correspond"),
                         ("cursor=not-a-cursor", "Page"),
                         *((f"cursor={cursors.encode(end, str(uuid.uuid4()))}", "Page")
                           for end in CALENDAR_ENDS),
                         ("outcome=maybe", "choisissez un résultat"),
                         ("actor=someone", "choisissez un compte")):
        page = admin.get(f"/web/audit?{query}")
        assert page.status_code == 200, query
        assert words in page.get_data(as_text=True), query


def test_several_patients_of_that_name_are_offered_to_choose(world, app):
    nurse = world.staff("nurse")
    for given in ("Anne", "Marc"):
        world.patient(nurse, family_name="Girard", given_name=given)
    html = _web(app, world.admin()).get("/web/audit?patient=girard").get_data(as_text=True)
    assert "Plusieurs patients correspondent" in html
    assert "Anne" in html and "Marc" in html


def test_pages_follow_each_other_without_repeating_a_row(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, family_name="Lambert")
    for _ in range(60):
        nurse.get(f"/api/v1/patients/{patient['id']}")
    admin = _web(app, world.admin())
    first = admin.get(f"/web/audit?patient={patient['id']}&action=patient.read")
    html = first.get_data(as_text=True)
    assert html.count("<tr class=\"success\">") == 50
    assert "Plus anciens" in html
    next_url = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = admin.get(next_url.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("<tr class=\"success\">") == 10
    assert "Les plus récents" in second


def test_the_csv_export_is_bounded_audited_and_safe_in_a_spreadsheet(world, app):
    nurse = world.staff("nurse")
    patient = world.patient(nurse, family_name="=HYPERLINK(\"x\")", given_name="Eve")
    nurse.get(f"/api/v1/patients/{patient['id']}")
    response = _web(app, world.admin()).get(f"/web/audit/export.csv?patient={patient['id']}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["action"] for row in rows} >= {"patient.create", "patient.read"}
    assert all(not row["patient"].startswith("=") for row in rows)
    assert rows[0]["patient"].startswith("'=")
    exported = audit_events(app, action="audit.export", patient_id=uuid.UUID(patient["id"]))
    assert exported and exported[-1].detail["rows"] == len(rows)


def test_the_csv_export_runs_nothing_in_a_french_spreadsheet(world, app):
    """Excel in a French locale splits an unquoted cell on ";": no piece of a name may
    start a formula there, nor with a reader that splits on any separator."""
    nurse = world.staff("nurse")
    patient = world.patient(nurse, family_name="Hack;=1+2;@SUM(3+4)", given_name="Eve")
    response = _web(app, world.admin()).get(f"/web/audit/export.csv?patient={patient['id']}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    pieces = spreadsheet_pieces(text)
    assert {"HACK;'=1+2;'@SUM(3+4) Eve", "'=1+2", "'@SUM(3+4) Eve"} <= set(pieces)
    assert not [piece for piece in pieces if piece.startswith(FORMULA_START)]


def test_an_administrator_finds_a_refused_access_in_the_browser(world, app, clock,
                                                                 live_server, page,
                                                                 axe_source):
    _refused_access(world)
    sign_in(page, live_server, clock, world.admin())
    page.get_by_role("link", name="Journal d'audit").click()
    page.get_by_label("Patient").fill("Fabre")
    page.get_by_label("Résultat").select_option("denied")
    page.get_by_role("button", name="Rechercher").click()
    row = page.locator("table.audit tbody tr").first
    expect(row).to_contain_text("FABRE Hélène")
    expect(row).to_contain_text("refusé")
    accessible(page, axe_source)
    fits(page)
    shoot(page, "audit")
    page.set_viewport_size({"width": 390, "height": 844})
    fits(page)
    shoot(page, "audit-phone")
