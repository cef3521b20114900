"""The INS on the ward's pages: typed at enrolment with its status (identitovigilance),
refused in words when its key is wrong (nothing stored), shown in the patient's header
as on the card."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.helpers import audit_events
from tests.web.support import accessible, shoot, sign_in

NIR = "184127645108946"  # 1 84 12 76 451 089, key 46


def _fill(page, clock, nir: str) -> None:
    page.get_by_label("Nom", exact=True).fill("Garnier")
    page.get_by_label("Prénom").fill("Rose")
    page.get_by_label("Date de naissance").fill("1948-06-30")
    page.get_by_label("Matricule INS (NIR, facultatif)").fill(nir)
    page.get_by_label("Statut de l'identité (INS)").select_option("qualifie")
    page.get_by_label("Protocole").select_option("hip-knee-arthroplasty")
    page.get_by_label("Date de l'opération").fill(f"{clock.now():%Y-%m-%d}")
    page.get_by_label("Le patient a reçu la notice d'information").check()
    page.get_by_role("button", name="Inclure et créer le code d'activation").click()


def test_a_wrong_key_is_refused_and_a_right_ins_shown_with_its_status(world, app, clock,
                                                                      live_server, page,
                                                                      axe_source):
    nurse = world.staff("nurse")
    sign_in(page, live_server, clock, nurse)
    page.goto(f"{live_server}/web/enrol")
    accessible(page, axe_source)
    shoot(page, "enrol-ins")
    _fill(page, clock, "1 84 12 76 451 089 47")
    expect(page.get_by_role("alert")).to_have_text(
        "Matricule INS : la clé ne correspond pas au numéro (erreur de saisie ?).")
    assert nurse.get("/api/v1/patients").json == []
    assert page.get_by_label("Matricule INS (NIR, facultatif)").input_value() == \
        "1 84 12 76 451 089 47"  # as typed, to correct it

    page.get_by_label("Matricule INS (NIR, facultatif)").fill("1 84 12 76 451 089 46")
    page.get_by_role("button", name="Inclure et créer le code d'activation").click()
    expect(page.get_by_role("heading", name="Code d'activation")).to_be_visible()
    [patient] = nurse.get("/api/v1/patients").json
    assert (patient["ins_nir"], patient["ins_status"]) == (NIR, "qualifie")
    page.goto(f"{live_server}/web/patients/{patient['id']}")
    header = page.locator("dl").filter(has_text="INS").first
    expect(header).to_contain_text("1 84 12 76 451 089 46")
    expect(header).to_contain_text("Identité qualifiée")
    accessible(page, axe_source)
    shoot(page, "patient-ins")

    # Later the ward corrects it: a typing error is refused in words, the record keeps
    # what it had; a status lowered after a doubt is stored and audited.
    page.get_by_text("Modifier l'INS").click()
    page.get_by_label("Matricule INS (NIR)").fill("1 84 12 76 451 089 00")
    page.get_by_role("button", name="Enregistrer l'INS").click()
    expect(page.get_by_role("alert")).to_contain_text("Matricule INS : la clé ne correspond pas")
    assert nurse.get(f"/api/v1/patients/{patient['id']}").json["ins_nir"] == NIR
    page.get_by_text("Modifier l'INS").click()
    page.get_by_label("Statut de l'identité (INS)").select_option("valide")
    page.get_by_role("button", name="Enregistrer l'INS").click()
    expect(page.get_by_text("Identité nationale de santé modifiée.")).to_be_visible()
    assert nurse.get(f"/api/v1/patients/{patient['id']}").json["ins_status"] == "valide"
    assert audit_events(app, action="patient.update", patient_id=uuid.UUID(patient["id"]))

