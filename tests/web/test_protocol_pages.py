"""The protocols as a surgeon reads them, in the browser and in words."""

from __future__ import annotations

from markupsafe import escape
from playwright.sync_api import expect

from tests.web.conftest import ARTIFACTS
from tests.web.support import accessible, fits, shoot, sign_in
from tests.web.test_audit_pages import _web


def test_the_list_says_which_versions_patients_follow(world, app):
    nurse = world.staff("nurse")
    world.patient_device(nurse)  # enrolled on ambulatory-general, latest version
    html = _web(app, world.staff("surgeon")).get("/web/protocols").get_data(as_text=True)
    assert "Chirurgie ambulatoire générale" in html
    assert "v2 : 1" in html


def test_each_rule_reads_in_words_with_its_thresholds_and_source(world, app):
    web = _web(app, world.staff("surgeon"))
    html = web.get("/web/protocols/ambulatory-general").get_data(as_text=True)
    assert "Température ≥ 38,5 °C" in html                      # fever
    assert "Cause : infection" in html                           # one alert per cause
    assert "Rougeur de la cicatrice : oui" in html               # an answer
    assert "J+8 → J+14" in html and "J+30" in html               # the schedule by day
    assert "Serlin" in html                                      # sources are shown
    heart = web.get("/web/protocols/heart-failure").get_data(as_text=True)
    assert "Poids : hausse &gt; 2 kg en 3 jours" in heart        # a trend
    colorectal = web.get("/web/protocols/colorectal-eras").get_data(as_text=True)
    assert "2 jours de suite" in colorectal                      # persistence
    assert "non reçu 2 h après l&#39;heure prévue" in colorectal  # missing data
    english = _web(app, world.staff("surgeon"))
    english.set_cookie("suivi_lang", "en")
    assert "Temperature ≥ 38.5 °C" in english.get(
        "/web/protocols/ambulatory-general?version=1").get_data(as_text=True)


def test_an_unknown_protocol_or_version_goes_back_to_the_list(world, app):
    web = _web(app, world.staff("nurse"))
    for path in ("/web/protocols/nope", "/web/protocols/heart-failure?version=99"):
        response = web.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/web/protocols")
    assert web.get("/web/protocols/heart-failure?version=abc").status_code == 200
    # Digits other than 0-9, or more than an SQL integer holds, name no version either.
    for version in ("²", "١", "99999999999999999999"):
        assert web.get(f"/web/protocols/heart-failure?version={version}").status_code == 200


def test_a_surgeon_reads_a_protocol_in_the_browser(world, app, clock, live_server, page,
                                                    axe_source):
    sign_in(page, live_server, clock, world.staff("surgeon"))
    page.get_by_role("link", name="Protocoles").click()
    page.get_by_role("link", name="Insuffisance cardiaque").click()
    expect(page.locator("#rules")).to_be_visible()
    accessible(page, axe_source)
    fits(page)
    shoot(page, "protocol")
    page.screenshot(path=str(ARTIFACTS / "protocol-top.png"))  # what a screen shows first
    page.locator("#rule-weight-gain-3d").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "protocol-rules.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    fits(page)


def test_the_schedule_says_which_days_leave_a_question_out(world, app, clock, live_server,
                                                           page):
    from tests.helpers import WALKING_DAYS_1_2, shipped_protocol, with_item_days

    surgeon = world.staff("surgeon")
    published = surgeon.post("/api/v1/protocols", json=with_item_days(
        shipped_protocol(), "daily-postop", WALKING_DAYS_1_2))
    assert published.status_code == 201, published.json
    html = _web(app, surgeon).get("/web/protocols/ambulatory-general?version=3").get_data(
        as_text=True)
    without = "sans la question « Comment vous déplacez-vous ? »"
    # days 3, 4-6, 7 and 8-14 (QoR-15 on days 3 and 7); days 1 and 2 ask it
    assert html.count(without) == 4 and "J+4 → J+6" in html and "J+8 → J+14" in html
    # and, under the schedule, the days it is asked with the source that allows it
    assert "Questions posées certains jours seulement" in html
    assert ("« Comment vous déplacez-vous ? » (Suivi quotidien après l&#39;opération) : "
            "J+1 → J+2." in html)
    assert escape(WALKING_DAYS_1_2["source"]) in html
    english = _web(app, world.staff("surgeon"))
    english.set_cookie("suivi_lang", "en")
    assert "without the question « How are you getting about? »" in english.get(
        "/web/protocols/ambulatory-general?version=3").get_data(as_text=True)
    sign_in(page, live_server, clock, surgeon)
    page.goto(f"{live_server}/web/protocols/ambulatory-general?version=3")
    page.locator("#schedule").scroll_into_view_if_needed()
    fits(page)
    page.screenshot(path=str(ARTIFACTS / "protocol-schedule-item-days.png"))
