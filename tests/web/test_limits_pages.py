"""The pages refuse what the API refuses, with a message on the page and nothing changed:
a snooze length typed by hand, a note over the limit or disguised, a name that would
display as another, a teleconsultation length not offered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from backend.limits import NOTE_LENGTH
from tests.helpers import daily, submit
from tests.web.support import sign_in

SNOOZE_REFUSED = ("Durée de la mise en attente : choisissez une durée de la liste : 15 min, "
                  "30 min, 1 h, 2 h, 4 h.")


@pytest.fixture
def taken(world, app, clock):
    """A nurse and her patient's alert, acknowledged (so it may be snoozed)."""
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, family_name="Benali", given_name="Ahmed")
    submit(device, "daily-postop", daily(pain_now=8))
    (alert,) = nurse.get("/api/v1/alerts").json
    assert nurse.post(f"/api/v1/alerts/{alert['id']}/acknowledge").status_code == 200
    return {"nurse": nurse, "patient": patient, "alert_id": alert["id"]}


def _post(page, url: str, form: dict):
    """A form as a forged request would send it, with the page's CSRF token."""
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    return page.request.post(url, form={"csrf": csrf, **form})


def test_a_snooze_length_typed_by_hand_is_refused_with_a_message(taken, clock, live_server,
                                                                page):
    sign_in(page, live_server, clock, taken["nurse"])
    url = f"{live_server}/web/alerts/{taken['alert_id']}/snooze"
    for minutes in ("abc", "99999999999", "-15", "1e3", ""):
        refused = _post(page, url, {"minutes": minutes, "reason": "rappel prévu",
                                    "back": "/web/queue"})
        assert refused.status == 200, minutes  # the queue again, after the redirect
        assert SNOOZE_REFUSED in refused.text(), minutes
    alert = taken["nurse"].get(f"/api/v1/alerts/{taken['alert_id']}").json
    assert alert["snoozed_until"] is None
    assert [e for e in alert["events"] if e["kind"] == "snooze"] == []
    # The list's own choices still work.
    snoozed = _post(page, url, {"minutes": "30", "reason": "rappel prévu", "back": "/"})
    assert "Alerte mise en attente." in snoozed.text()


def test_a_note_over_the_limit_or_disguised_is_refused_and_not_stored(taken, clock,
                                                                     live_server, page):
    sign_in(page, live_server, clock, taken["nurse"])
    url = f"{live_server}/web/alerts/{taken['alert_id']}/note"
    long = _post(page, url, {"note": "x" * (NOTE_LENGTH + 1), "back": "/web/queue"})
    assert f"Note : entre 1 et {NOTE_LENGTH} caractères." in long.text()
    disguised = _post(page, url, {"note": "rappeler \u202eplus tard", "back": "/web/queue"})
    assert ("Note : ne doit pas contenir le caractère de contrôle bidirectionnel U+202E"
            in disguised.text())
    kept = _post(page, url, {"note": "Appelée.\r\nRappeler demain.", "back": "/web/queue"})
    assert "Note ajoutée." in kept.text()
    notes = [e for e in taken["nurse"].get(f"/api/v1/alerts/{taken['alert_id']}").json["events"]
             if e["kind"] == "note"]
    assert [n["detail"]["note"] for n in notes] == ["Appelée.\r\nRappeler demain."]


def test_the_enrolment_form_refuses_a_name_that_would_display_as_another(world, clock,
                                                                         live_server, page):
    nurse = world.staff("nurse")
    sign_in(page, live_server, clock, nurse)
    page.goto(f"{live_server}/web/enrol")
    page.get_by_label("Nom", exact=True).fill("Garnier")
    page.get_by_label("Prénom").fill("Ro\u202ees")
    page.get_by_label("Date de naissance").fill("1948-06-30")
    page.get_by_label("Protocole").select_option("hip-knee-arthroplasty")
    page.get_by_label("Date de l'opération").fill(f"{clock.now():%Y-%m-%d}")
    page.get_by_label("Le patient a reçu la notice d'information").check()
    page.get_by_role("button", name="Inclure et créer le code d'activation").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Prénom : ne doit pas contenir le caractère de contrôle bidirectionnel U+202E, qui "
        "change l'affichage du texte qui l'entoure.")
    assert nurse.get("/api/v1/patients").json == []


def test_a_teleconsultation_length_not_offered_is_refused(taken, clock, live_server, page):
    sign_in(page, live_server, clock, taken["nurse"])
    page.goto(f"{live_server}/web/patients/{taken['patient']['id']}")
    starts = clock.now() + timedelta(days=1)
    refused = _post(page, f"{live_server}/web/patients/{taken['patient']['id']}"
                          "/teleconsultations",
                    {"date": f"{starts:%Y-%m-%d}", "time": "10:00", "duration": "100000",
                     "reason": "contrôle"})
    assert "Durée : choisissez une durée de la liste : 10 min, 15 min, 20 min, 30 min, " \
           "45 min." in refused.text()
    far = _post(page, f"{live_server}/web/patients/{taken['patient']['id']}/teleconsultations",
                {"date": "0001-01-01", "time": "00:00", "duration": "20", "reason": "contrôle"})
    assert far.status == 200 and "Date du rendez-vous" in far.text()
    assert taken["nurse"].get(
        f"/api/v1/patients/{taken['patient']['id']}/teleconsultations").json == []
