"""The INS on the patients API: the NIR's key checked (Corsica included), its status,
the NIR sealed at rest."""

from __future__ import annotations

NIR = "1 84 12 76 451 089 46"  # a well-formed number with its key
CORSICAN_NIR = "285122A12345695"


def test_the_nir_key_is_checked_on_the_patients_api(world):
    nurse = world.staff("nurse")
    base = {"given_name": "Ange", "family_name": "Santoni", "birth_date": "1962-08-15"}
    wrong = nurse.post("/api/v1/patients", json={**base, "ins_nir": "184127645108947"})
    assert wrong.status_code == 422 and "ins_nir" in wrong.json["errors"]["json"]
    corsica_wrong = nurse.post("/api/v1/patients", json={**base, "ins_nir": "285122A12345696"})
    assert corsica_wrong.status_code == 422
    short = nurse.post("/api/v1/patients", json={**base, "ins_nir": "1841276"})
    assert short.status_code == 422 and "ins_nir" in short.json["errors"]["json"]
    bad_status = nurse.post("/api/v1/patients", json={**base, "ins_nir": CORSICAN_NIR,
                                                      "ins_status": "certain"})
    assert "ins_status" in bad_status.json["errors"]["json"]
    no_nir = nurse.post("/api/v1/patients", json={**base, "ins_status": "valide"})
    assert no_nir.status_code == 422 and "ins_status" in no_nir.json["errors"]["json"]
    created = nurse.post("/api/v1/patients", json={**base, "ins_nir": CORSICAN_NIR})
    assert created.status_code == 201 and created.json["ins_status"] == "provisoire"
    pid = created.json["id"]
    patched = nurse.patch(f"/api/v1/patients/{pid}", json={"ins_nir": "285122B12345695"})
    assert patched.status_code == 422, "2B counts as 18, not 19 as 2A"
    patched = nurse.patch(f"/api/v1/patients/{pid}", json={"ins_status": "valide"})
    assert patched.json["ins_status"] == "valide"
    patched = nurse.patch(f"/api/v1/patients/{pid}", json={"ins_nir": None})
    assert patched.json["ins_nir"] is None and patched.json["ins_status"] is None


def test_the_nir_is_sealed_at_rest(world, app):
    from sqlalchemy import text

    from backend import db

    nurse = world.staff("nurse")
    patient = world.patient(nurse, ins_nir=NIR)
    with app.app_context():
        stored = db.session().execute(text("SELECT ins_nir, ins_nir_index FROM patients "
                                           "WHERE ins_nir IS NOT NULL")).one()
    assert "184127645108946" not in stored[0] and stored[0].startswith("enc1:")
    assert stored[1] and "184127645108946" not in stored[1]
    assert patient["ins_nir"] == "184127645108946"
