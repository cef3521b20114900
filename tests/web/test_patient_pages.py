"""The patient page (header, charts with the patient's own thresholds, readable
timeline), booking a teleconsultation and enrolling a patient, in a real browser."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend import db
from backend.notifications.models import Message
from backend.outbox.models import OutboxEntry
from backend.teleconsult.models import Teleconsultation
from tests.helpers import Caller, audit_events, count, run_worker
from tests.web.support import accessible, fits, shoot, sign_in

WEIGHTS = (80.0, 80.4, 81.2, 82.0, 82.6)  # +2.6 kg in 3 days: the weight-gain rule fires


def _readings(device: Caller, clock, rows: list[tuple[str, float, str, int]]):
    body = {"readings": [{"type": kind, "value": value, "unit": unit,
                          "measured_at": (clock.now() - timedelta(hours=hours)).isoformat()}
                         for kind, value, unit, hours in rows]}
    response = device.post("/api/v1/me/readings", json=body,
                           headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.json
    return response


@pytest.fixture
def heart(world, app, clock):
    """A heart-failure patient, five days of morning weights, a low pressure under the
    surgeon's own limit for this patient (95 instead of 90 mm Hg)."""
    app.config["SUIVI_ACCESS_TOKEN_TTL"] = 12 * 3600
    nurse = world.staff("nurse")
    surgeon = world.staff("surgeon")
    patient, device = world.patient_device(
        nurse, protocol="heart-failure", family_name="Moreau", given_name="Paul",
        surgery_date=clock.now().date() - timedelta(days=5))
    override = surgeon.post(f"/api/v1/patients/{patient['id']}/threshold-overrides", json={
        "rule_id": "systolic-low", "threshold": "value", "value": 95,
        "reason": "hypotension mal tolérée sous traitement"})
    assert override.status_code == 201, override.json
    for days, weight in zip(range(4, -1, -1), WEIGHTS, strict=True):
        _readings(device, clock, [("weight", weight, "kg", days * 24)])
    _readings(device, clock, [("systolic_bp", 104, "mm[Hg]", 30), ("systolic_bp", 92, "mm[Hg]", 0),
                              ("temperature", 37.2, "Cel", 0)])
    return {"nurse": nurse, "patient": patient, "device": device}


def _label_sizes_and_overlaps(page) -> dict:
    return page.evaluate("""() => {
        const out = {smallest: 99, overlaps: []};
        for (const svg of document.querySelectorAll("svg.chart")) {
            const boxes = [];
            for (const text of svg.querySelectorAll("text")) {
                const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
                out.smallest = Math.min(out.smallest, size);
                boxes.push([text.textContent, text.getBoundingClientRect()]);
            }
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                const [a, ra] = boxes[i], [b, rb] = boxes[j];
                if (ra.left < rb.right && rb.left < ra.right
                    && ra.top < rb.bottom && rb.top < ra.bottom)
                    out.overlaps.push(svg.closest("figure").id + ": " + a + " / " + b);
            }
        }
        return out;
    }""")


def test_patient_page_header_charts_and_timeline(heart, clock, live_server, page, axe_source):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, clock, heart["nurse"])
    page.goto(f"{live_server}/web/patients/{heart['patient']['id']}")
    header = page.locator(".patient-header")
    expect(header.get_by_role("heading", name="MOREAU Paul")).to_be_visible()
    expect(header).to_contain_text("76 ans")
    expect(header).to_contain_text("Télésurveillance de l'insuffisance cardiaque")
    expect(header).to_contain_text("J+5")
    expect(header.get_by_role("link", name="+33612345678")).to_have_attribute(
        "href", "tel:+33612345678")

    weight = page.locator("#chart-weight")
    expect(weight.locator("polyline.trend")).to_have_count(1)
    expect(weight.locator("circle.dot.alert")).to_have_count(1)  # 82,6 kg: over the limit
    expect(weight.locator(".legend")).to_contain_text("Prise de poids sur 3 jours : limite du jour")
    pressure = page.locator("#chart-systolic_bp")
    expect(pressure.locator("line.band.own")).to_have_count(1)
    expect(pressure.locator(".legend")).to_contain_text(
        "Tension basse : < 95 mm Hg (seuil propre à ce patient)")
    expect(pressure.locator("circle.dot.alert")).to_have_count(1)
    expect(pressure.locator("circle.dot.alert title")).to_have_text(
        f"92 mm Hg — {(clock.now() + timedelta(hours=1)):%d/%m %H:%M}")  # Paris time

    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Poids 82,6 kg")
    expect(timeline).to_contain_text("Tension systolique 92 mm Hg")
    expect(timeline).to_contain_text("Température 37,2 °C")
    expect(timeline).to_contain_text("Alerte « Prise de poids sur 3 jours » ouverte")
    expect(page.locator(".alert-item", has_text="Tension basse")).to_contain_text(
        "Tension systolique 92 mm Hg (seuil < 95)")
    accessible(page, axe_source)
    shoot(page, "patient-1366")


def test_patient_page_on_a_phone(heart, clock, live_server, phone, axe_source):
    sign_in(phone, live_server, clock, heart["nurse"])
    phone.goto(f"{live_server}/web/patients/{heart['patient']['id']}")
    fits(phone)
    labels = _label_sizes_and_overlaps(phone)
    assert labels["smallest"] >= 12, labels
    assert labels["overlaps"] == [], labels["overlaps"]
    accessible(phone, axe_source)
    shoot(phone, "patient-390")


def test_book_a_teleconsultation(heart, app, clock, live_server, page):
    sign_in(page, live_server, clock, heart["nurse"])
    page.goto(f"{live_server}/web/patients/{heart['patient']['id']}")
    booking = page.locator("#teleconsultations")
    starts = clock.now() + timedelta(hours=3)  # 13:00 in Paris
    booking.get_by_label("Date").fill(f"{starts + timedelta(hours=1):%Y-%m-%d}")
    booking.get_by_label("Heure").fill(f"{starts + timedelta(hours=1):%H:%M}")
    booking.get_by_label("Motif").fill("Point sur le poids")
    booking.get_by_role("button", name="Réserver et envoyer le lien").click()
    expect(page.get_by_text("Téléconsultation réservée : le lien est envoyé au patient.")
           ).to_be_visible()
    listed = page.locator("ul.consultations li")
    expect(listed).to_contain_text("Point sur le poids")
    expect(listed.get_by_role("link", name="Rejoindre la visio")).to_be_visible()
    with app.app_context():
        booked = db.session().scalar(select(Teleconsultation))
        assert booked.starts_at == starts.replace(second=0)
    assert count(app, OutboxEntry, kind="teleconsult.invite") == 1

    booking.get_by_label("Date").fill(f"{clock.now() - timedelta(days=2):%Y-%m-%d}")
    booking.get_by_label("Heure").fill("10:00")
    booking.get_by_label("Motif").fill("Trop tard")
    booking.get_by_role("button", name="Réserver et envoyer le lien").click()
    expect(page.get_by_role("alert")).to_have_text("Date du rendez-vous : est dans le passé.")


def test_enrol_a_patient_read_the_code_and_send_it_by_sms(world, app, clock, redis,
                                                          live_server, page, axe_source):
    nurse = world.staff("nurse")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, clock, nurse)
    page.get_by_role("link", name="Inclure un patient").click()
    accessible(page, axe_source)
    shoot(page, "enrol-1366")
    page.get_by_label("Nom", exact=True).fill("Garnier")
    page.get_by_label("Prénom").fill("Rose")
    page.get_by_label("Date de naissance").fill("2030-01-01")
    page.get_by_label("Téléphone mobile").fill("+33698765432")
    page.get_by_label("Protocole").select_option("hip-knee-arthroplasty")
    page.get_by_label("Date de l'opération").fill(f"{clock.now():%Y-%m-%d}")
    page.get_by_label("Le patient a reçu la notice d'information").check()
    page.get_by_role("button", name="Inclure et créer le code d'activation").click()
    expect(page.get_by_role("alert")).to_have_text("Date de naissance : est dans le futur.")
    assert page.get_by_label("Nom", exact=True).input_value() == "Garnier"  # nothing lost

    page.get_by_label("Date de naissance").fill("1948-06-30")
    page.get_by_role("button", name="Inclure et créer le code d'activation").click()
    expect(page.get_by_role("heading", name="Code d'activation")).to_be_visible()
    code = page.locator("p.code").inner_text()
    assert len(code.replace("-", "")) == 10
    expect(page.get_by_role("img", name="QR code du code d'activation")).to_be_visible()
    accessible(page, axe_source)
    shoot(page, "enrol-code-1366")

    page.get_by_role("button", name="Envoyer le code par SMS").click()
    expect(page.get_by_text("Code envoyé par SMS au +33******32.")).to_be_visible()
    expect(page.get_by_role("heading", name="GARNIER Rose")).to_be_visible()
    run_worker(app, redis)
    with app.app_context():
        sms = db.session().scalar(select(Message).where(
            Message.template == "enrollment.activation_sms"))
        assert sms.status == "sent" and code not in sms.body and "••••" in sms.body
        entry = db.session().scalar(select(OutboxEntry).where(
            OutboxEntry.kind == "enrollment.activation_sms"))
        assert "code" not in entry.payload
    activated = Caller(app).post("/api/v1/patient/activate", json={"activation_code": code})
    assert activated.status_code == 201, activated.json


def test_enrolment_page_on_a_phone(world, clock, live_server, phone, axe_source):
    nurse = world.staff("nurse")
    sign_in(phone, live_server, clock, nurse)
    phone.goto(f"{live_server}/web/enrol")
    fits(phone)
    accessible(phone, axe_source)
    shoot(phone, "enrol-390")
    world.patient(nurse, family_name="Lefebvre")
    phone.get_by_role("link", name="Patients").click()
    expect(phone.locator("td", has_text="LEFEBVRE")).to_be_visible()
    fits(phone)
    accessible(phone, axe_source)


def test_refusals_on_a_patients_pages_name_the_patient(heart, app, clock, live_server, page):
    """The trail searched by patient finds every refused attempt on their pages: a
    browser not signed in sent to sign in, a booking the form refused."""
    patient_id = uuid.UUID(heart["patient"]["id"])
    page.goto(f"{live_server}/web/patients/{patient_id}")
    expect(page.get_by_label("Adresse e-mail")).to_be_visible()
    [anonymous] = [e for e in audit_events(app, patient_id=patient_id)
                   if e.actor_type == "anonymous"]
    assert (anonymous.action, anonymous.outcome) == ("web.patient_page", "denied")
    sign_in(page, live_server, clock, heart["nurse"])
    page.goto(f"{live_server}/web/patients/{patient_id}")
    booking = page.locator("#teleconsultations")
    booking.get_by_label("Date").fill(f"{clock.now() - timedelta(days=2):%Y-%m-%d}")
    booking.get_by_label("Heure").fill("10:00")
    booking.get_by_label("Motif").fill("Trop tard")
    booking.get_by_role("button", name="Réserver et envoyer le lien").click()
    expect(page.get_by_role("alert")).to_be_visible()
    failed = audit_events(app, patient_id=patient_id, outcome="failure")
    assert [(e.action, e.actor_id, e.detail) for e in failed] == [
        ("web.book_teleconsultation", uuid.UUID(heart["nurse"].id), {"status": 422})]
