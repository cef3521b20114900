"""Staff accounts and care teams, managed by administrators."""

from __future__ import annotations

import pyotp

from backend import db
from backend.auth.models import StaffUser
from backend.teams import services as team_services
from tests.helpers import PASSWORD, Caller, audit_events, count


# Every administration route, with a body that would succeed.
def _admin_calls(nurse_id: str) -> list[tuple[str, str, dict | None]]:
    return [("GET", "/api/v1/staff", None),
            ("POST", "/api/v1/staff", {"email": "intruder@hospital.test", "role": "nurse",
                                       "display_name": "Intruder", "password": PASSWORD,
                                       "teams": ["team-a"]}),
            ("PATCH", f"/api/v1/staff/{nurse_id}", {"password": "a new password, long"}),
            ("POST", f"/api/v1/staff/{nurse_id}/reset-mfa", None),
            ("POST", "/api/v1/teams", {"slug": "intruders", "name": "Intruders"}),
            ("PATCH", "/api/v1/teams/team-a", {"name": "Renamed"}),
            ("POST", "/api/v1/teams/team-a/members", {"staff_id": nurse_id}),
            ("DELETE", f"/api/v1/teams/team-a/members/{nurse_id}", None)]


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
    # The code for her second factor, shown to the administrator this once.
    assert len(created.json["mfa_enrolment_code"]) == 11
    assert created.json["mfa_enrolment_expires_at"].startswith("2026-11-26T09:00:00")
    listed = admin.get("/api/v1/staff").json
    assert all("mfa_enrolment_code" not in account for account in listed)
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


def test_an_admin_cannot_lock_themselves_out_through_the_api(world):
    admin = world.admin()
    for body, field in (({"role": "nurse"}, "role"), ({"active": False}, "active"),
                        ({"role": "surgeon", "display_name": "Moved"}, "role")):
        response = admin.patch(f"/api/v1/staff/{admin.id}", json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["errors"]["json"], response.json
    me = admin.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json["role"] == "admin"
    assert me.json["display_name"] == "Admin"  # nothing of a refused change is kept
    # Another administrator's account is theirs to change.
    other = world.staff("admin", teams=())
    assert admin.patch(f"/api/v1/staff/{other.id}", json={"role": "nurse"}).status_code == 200


def test_reset_mfa_forces_a_new_enrolment(world, app, clock):
    nurse = world.staff("nurse")
    admin = world.admin()
    old_code = nurse.info["mfa_enrolment_code"]
    reset = admin.post(f"/api/v1/staff/{nurse.id}/reset-mfa")
    assert reset.status_code == 200
    assert reset.json["mfa_enrolment_code"] != old_code
    assert nurse.get("/api/v1/auth/me").status_code == 401
    login = Caller(app).post("/api/v1/auth/login", json={"email": nurse.info["email"],
                                                         "password": PASSWORD})
    assert login.json["mfa_enrolment_required"] is True
    again = Caller(app, login.json["access_token"])
    spent = again.post("/api/v1/auth/totp", json={"mfa_enrolment_code": old_code})
    assert spent.status_code == 422
    started = again.post("/api/v1/auth/totp",
                         json={"mfa_enrolment_code": reset.json["mfa_enrolment_code"]})
    assert started.status_code == 201
    clock.advance(seconds=31)
    confirmed = again.post("/api/v1/auth/totp/confirm", json={
        "code": pyotp.TOTP(started.json["secret"]).at(clock.now())})
    assert confirmed.status_code == 200
    assert again.get("/api/v1/patients").status_code == 200


def test_an_admin_without_second_factor_administers_nothing(world, app, clock):
    """The password of an administrator alone opens no account, no second factor, no team."""
    nurse = world.staff("nurse")
    with app.app_context():
        created = team_services.create_staff("boss@hospital.test", "admin", "Boss", PASSWORD)
        db.session().commit()
    boss = world.sign_in("boss@hospital.test", enrol_mfa=False,
                         enrolment_code=created.enrolment.code)
    for method, path, body in _admin_calls(nurse.id):
        answer = boss.request(method, path, json=body)
        assert answer.status_code == 403, (method, path, answer.json)
        assert "second factor" in answer.json["message"]
    assert nurse.get("/api/v1/auth/me").status_code == 200  # nothing was changed
    assert count(app, StaffUser, email="intruder@hospital.test") == 0
    assert len(audit_events(app, actor_id=created.user.id, outcome="denied")) == 8
    # Once the administrator's own second factor is on, the same calls go through.
    secret = boss.post("/api/v1/auth/totp", json={
        "mfa_enrolment_code": created.enrolment.code}).json["secret"]
    assert boss.post("/api/v1/auth/totp/confirm", json={
        "code": pyotp.TOTP(secret).at(clock.now())}).status_code == 200
    assert boss.get("/api/v1/staff").status_code == 200
    assert boss.post("/api/v1/teams", json={"slug": "new-team",
                                            "name": "New"}).status_code == 201


def test_demo_admins_may_administer_without_second_factor(world, app):
    app.config["SUIVI_DEMO"] = True
    with app.app_context():
        created = team_services.create_staff("demo-admin@hospital.test", "admin", "Demo",
                                             PASSWORD)
        db.session().commit()
    admin = world.sign_in("demo-admin@hospital.test", enrol_mfa=False,
                          enrolment_code=created.enrolment.code)
    assert admin.get("/api/v1/staff").status_code == 200
    assert admin.post("/api/v1/teams", json={"slug": "demo", "name": "Demo"}).status_code == 201


def test_a_password_change_signs_out_the_old_password_holder(world, app, clock):
    nurse = world.staff("nurse")
    clock.advance(seconds=31)
    anonymous = Caller(app)
    pending = anonymous.post("/api/v1/auth/login", json={
        "email": nurse.info["email"], "password": PASSWORD}).json["mfa_token"]
    changed = world.admin().patch(f"/api/v1/staff/{nurse.id}",
                                  json={"password": "her brand new password"})
    assert changed.status_code == 200
    assert nurse.get("/api/v1/auth/me").status_code == 401
    # A sign-in half done with the old password does not finish either.
    finished = anonymous.post("/api/v1/auth/mfa", json={
        "mfa_token": pending, "code": pyotp.TOTP(nurse.info["totp_secret"]).at(clock.now())})
    assert finished.status_code == 401
    updates = audit_events(app, action="staff.update")
    assert updates[-1].detail == {"fields": ["password"]}
    login = anonymous.post("/api/v1/auth/login", json={"email": nurse.info["email"],
                                                       "password": "her brand new password"})
    assert login.status_code == 200 and login.json["mfa_required"]


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


def test_a_teams_on_call_number_is_shown_to_its_members_and_administrators_only(world):
    admin = world.admin()
    for slug, phone in (("team-a", "+33600000001"), ("team-b", "+33600000002")):
        world.team(slug)
        assert admin.patch(f"/api/v1/teams/{slug}",
                           json={"on_call_phone": phone}).status_code == 200

    def numbers(caller) -> dict:
        listed = caller.get("/api/v1/teams")
        assert listed.status_code == 200
        return {t["slug"]: t["on_call_phone"] for t in listed.json
                if t["slug"] in ("team-a", "team-b")}

    assert numbers(admin) == {"team-a": "+33600000001", "team-b": "+33600000002"}
    assert numbers(world.staff("nurse")) == {"team-a": "+33600000001", "team-b": None}
    # The password alone: the list of teams, no number.
    assert numbers(world.staff("nurse", enrol_mfa=False)) == {"team-a": None, "team-b": None}
