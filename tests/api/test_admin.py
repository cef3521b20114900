"""Staff accounts and care teams, managed by administrators."""

from __future__ import annotations

from backend.auth.models import StaffUser
from tests.helpers import PASSWORD, Caller, count


def test_admin_creates_a_team_and_a_nurse_who_can_sign_in(world, app):
    admin = world.admin()
    team = admin.post("/api/v1/teams", json={"slug": "ortho", "name": "Orthopédie",
                                             "on_call_phone": "+33140000000"})
    assert team.status_code == 201 and team.json["slug"] == "ortho"
    created = admin.post("/api/v1/staff", json={
        "email": "Claire@Hospital.test", "display_name": "Claire", "role": "nurse",
        "password": PASSWORD, "teams": ["ortho"]})
    assert created.status_code == 201
    assert created.json["email"] == "claire@hospital.test"
    assert created.json["team_ids"] == [team.json["id"]]
    assert "password" not in created.json
    login = Caller(app).post("/api/v1/auth/login", json={"email": "claire@hospital.test",
                                                         "password": PASSWORD})
    assert login.status_code == 200


def test_staff_validation_errors_name_the_field(world, app):
    admin = world.admin()
    before = count(app, StaffUser)
    base = {"email": "x@hospital.test", "display_name": "X", "role": "nurse",
            "password": PASSWORD}
    cases = [({**base, "password": "short"}, "password", 422),
             ({**base, "role": "janitor"}, "role", 422),
             ({**base, "teams": ["no-such-team"]}, "teams", 422),
             ({**base, "email": "nope"}, "email", 422)]
    for body, field, status in cases:
        response = admin.post("/api/v1/staff", json=body)
        assert response.status_code == status, response.json
        assert field in response.json["errors"]["json"]
    assert admin.post("/api/v1/staff", json=base).status_code == 201
    duplicate = admin.post("/api/v1/staff", json=base)
    assert duplicate.status_code == 409 and "email" in duplicate.json["errors"]["json"]
    assert count(app, StaffUser) == before + 1


def test_only_admins_manage_accounts(world):
    nurse = world.staff("nurse")
    surgeon = world.staff("surgeon")
    for caller in (nurse, surgeon):
        assert caller.get("/api/v1/staff").status_code == 403
        assert caller.post("/api/v1/teams", json={"slug": "x1", "name": "X"}).status_code == 403
    assert nurse.get("/api/v1/teams").status_code == 200


def test_deactivating_an_account_revokes_its_tokens(world):
    nurse = world.staff("nurse")
    admin = world.admin()
    assert admin.patch(f"/api/v1/staff/{nurse.id}", json={"active": False}).status_code == 200
    assert nurse.get("/api/v1/auth/me").status_code == 401


def test_reset_mfa_forces_a_new_enrolment(world, app):
    nurse = world.staff("nurse")
    admin = world.admin()
    assert admin.post(f"/api/v1/staff/{nurse.id}/reset-mfa").status_code == 204
    assert nurse.get("/api/v1/auth/me").status_code == 401
    login = Caller(app).post("/api/v1/auth/login", json={"email": nurse.info["email"],
                                                         "password": PASSWORD})
    assert login.json["mfa_enrolment_required"] is True


def test_team_membership_changes_what_a_nurse_sees(world):
    nurse_a = world.staff("nurse", teams=("team-a",))
    nurse_b = world.staff("nurse", teams=("team-b",))
    patient = world.patient(nurse_a)
    admin = world.admin()
    path = f"/api/v1/patients/{patient['id']}"
    assert nurse_b.get(path).status_code == 404
    assert admin.post("/api/v1/teams/team-a/members",
                      json={"staff_id": nurse_b.id}).status_code == 204
    assert nurse_b.get(path).status_code == 200
    assert admin.delete(f"/api/v1/teams/team-a/members/{nurse_b.id}").status_code == 204
    assert nurse_b.get(path).status_code == 404
    assert admin.post("/api/v1/teams/no-team/members",
                      json={"staff_id": nurse_b.id}).status_code == 404
