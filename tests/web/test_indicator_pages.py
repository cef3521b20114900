"""The indicators page and the 30-day outcome on the patient page, in a real browser:
the figures of the hand-computed history (tests/indicators_history.py), keyboard and
axe-core, a tablet's width, the CSV from the page."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.indicators_history import build
from tests.web.support import accessible, fits, shoot, sign_in

PERIOD = "from=2026-W48&to=2026-W49"


@pytest.fixture
def history(world, app):
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    return build(world)


def test_signed_out_the_page_sends_to_sign_in(live_server, page):
    answer = page.goto(f"{live_server}/web/indicators")
    assert answer.status == 200
    assert "/web/login" in page.url


def test_a_nurse_reads_her_teams_figures(live_server, page, clock, history, axe_source):
    sign_in(page, live_server, clock, history.nurse)
    page.get_by_role("link", name="Indicateurs").click()
    expect(page.get_by_role("heading", name="Indicateurs du service")).to_be_visible()
    page.goto(f"{live_server}/web/indicators?{PERIOD}")
    summary = page.locator(".ind-summary")
    expect(summary.get_by_text("Patients suivis")).to_be_visible()
    expect(summary).to_contain_text("25")  # patient-days of team A
    expect(summary).to_contain_text("71 %")  # 5 answered of 7 due
    expect(page.locator("svg.ind-chart")).to_have_count(3)
    weeks = page.get_by_role("table").first
    expect(weeks.get_by_role("row")).to_have_count(3)  # the header and two weeks
    expect(weeks).to_contain_text("petit effectif")  # week 48: 2 patients
    accessible(page, axe_source)
    # The filters by keyboard: the team's list, then "Afficher".
    page.get_by_label("Équipe").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Protocole")).to_be_focused()
    csv_link = page.get_by_role("link", name="Exporter en CSV")
    answer = page.request.get(live_server + csv_link.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(answer.text())))
    assert {line["teams"] for line in lines} == {"team-a"}
    # Another team, asked for by hand in the address: refused in words, never shown.
    page.goto(f"{live_server}/web/indicators?team=team-b&{PERIOD}")
    expect(page.get_by_role("alert")).to_have_text(
        "Équipe : aucune de vos équipes n'est « team-b ».")
    expect(page.get_by_text("équipes : team-a.")).to_be_visible()


def test_on_a_tablet_in_english(live_server, browser, clock, history, axe_source):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, locale="en-GB")
    page = context.new_page()
    try:
        sign_in_en = page.goto(f"{live_server}/web/language/en?next=/web/login")
        assert sign_in_en.ok
        page.goto(f"{live_server}/web/language/fr?next=/web/login")
        sign_in(page, live_server, clock, history.admin)
        page.goto(f"{live_server}/web/language/en?next=/web/indicators?{PERIOD}")
        expect(page.get_by_role("heading", name="Service indicators")).to_be_visible()
        # The administrator counts every team: P4 of team B too.
        expect(page.locator(".ind-summary")).to_contain_text("27")
        fits(page)
        accessible(page, axe_source)
        shoot(page, "indicators-tablet-en")
    finally:
        context.close()


def test_the_outcome_is_recorded_on_the_patient_page(live_server, page, clock, history,
                                                     axe_source):
    sign_in(page, live_server, clock, history.nurse)
    page.goto(f"{live_server}/web/patients/{history.patients['P3']['id']}")
    section = page.locator("#outcome")
    expect(section).to_contain_text("Non renseigné")
    section.get_by_label("Événement le plus grave dans les 30 jours").select_option(
        "emergency_visit")
    section.get_by_role("button", name="Enregistrer le devenir").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Date de l'événement : à renseigner pour cet événement.")
    expect(page.locator("#outcome")).to_contain_text("Non renseigné")  # nothing stored
    section = page.locator("#outcome")
    section.get_by_label("Événement le plus grave dans les 30 jours").select_option(
        "emergency_visit")
    section.get_by_label("Date de l'événement (sauf « aucun »)").fill("2026-12-02")
    section.get_by_role("button", name="Enregistrer le devenir").click()
    expect(page.get_by_text("Devenir à 30 jours enregistré.")).to_be_visible()
    expect(page.locator("#outcome")).to_contain_text("Passage aux urgences, le 02/12/2026")
    accessible(page, axe_source)


def test_the_page_with_the_demo_like_figures_for_the_readme(live_server, page, clock, history,
                                                            axe_source):
    sign_in(page, live_server, clock, history.surgeon)
    page.goto(f"{live_server}/web/indicators?{PERIOD}")
    expect(page.locator("svg.ind-chart").first).to_be_visible()
    shoot(page, "indicators")


def test_on_a_phone_nothing_scrolls_sideways(live_server, phone, clock, history):
    sign_in(phone, live_server, clock, history.nurse)
    phone.goto(f"{live_server}/web/indicators?{PERIOD}")
    expect(phone.locator("svg.ind-chart").first).to_be_visible()
    fits(phone)


def test_the_surgeon_sees_the_rule_flagged_on_the_protocol_page(live_server, page, clock,
                                                                history, axe_source,
                                                                monkeypatch):
    from backend.indicators import services

    monkeypatch.setattr(services, "FLAG_MIN_JUDGED", 3)
    sign_in(page, live_server, clock, history.surgeon)
    page.goto(f"{live_server}/web/protocols/ambulatory-general")
    fever = page.locator("#rule-fever")
    # Team A's fever alerts: a1 and a5 false alarms, a2 a call (b1 is team B's).
    expect(fever.locator(".false-alarms")).to_contain_text(
        "2 fausses alertes sur 3 (67 %) depuis la semaine 2026-W38, dans vos équipes.")
    fever.get_by_text("Les cas (2)").click()
    expect(fever.locator(".false-alarms li")).to_have_count(2)
    expect(page.locator("#rule-pain .false-alarms")).to_have_count(0)  # 1 judged only
    accessible(page, axe_source)
    fever.get_by_role("link", name="Voir les indicateurs").click()
    expect(page.get_by_role("heading", name="Indicateurs du service")).to_be_visible()
