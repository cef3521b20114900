"""The administrators' pages: staff accounts and care teams, over the API's services."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from backend.auth.models import StaffUser
from tests.helpers import PASSWORD, audit_events, count
from tests.web.support import accessible, fits, shoot, sign_in
from tests.web.test_audit_pages import _refused_access, _web


def _csrf(client) -> str:
    client.get("/web/staff")
    with client.session_transaction() as session:
        return session["csrf"]


def test_only_administrators_reach_the_pages(world, app, client):
    for path in ("/web/staff", "/web/teams"):
        anonymous = client.get(path)
        assert anonymous.status_code == 302 and "/web/login" in anonymous.headers["Location"]
    nurse = world.staff("nurse")
    web = _web(app, nurse)
    assert web.get("/web/staff").status_code == 403
    assert web.get("/web/teams").status_code == 403
    with web.session_transaction() as session:
        session["csrf"] = "x"
    made = web.post("/web/staff", data={"csrf": "x", "email": "new@hospital.test",
                                         "display_name": "New", "role": "admin",
                                         "password": PASSWORD})
    assert made.status_code == 403
    assert count(app, StaffUser, role="admin") == 1  # the world's own administrator only
    assert audit_events(app, action="staff.create", outcome="denied")


def test_an_account_is_created_with_its_code_shown_once(world, app):
    world.team("team-a")
    web = _web(app, world.admin())
    page = web.post("/web/staff", data={
        "csrf": _csrf(web), "email": "Claire.Petit@Hospital.test", "display_name": "Claire Petit",
        "role": "nurse", "password": PASSWORD, "teams": ["team-a"], "phone": "+33611223344"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    code = re.search(r'<p class="code">([^<]+)</p>', html).group(1)
    assert "Code d&#39;enrôlement de Claire Petit" in html
    # Listed, in her team, without a second factor yet.
    listing = web.get("/web/staff?mfa=missing").get_data(as_text=True)
    assert "claire.petit@hospital.test" in listing and "pas encore activé" in listing
    assert code not in listing  # shown once, not again
    # The code is the one her own first sign-in needs.
    signed = app.test_client().post("/api/v1/auth/login", json={
        "email": "claire.petit@hospital.test", "password": PASSWORD})
    token = signed.json["access_token"]
    enrol = app.test_client().post("/api/v1/auth/totp", json={"mfa_enrolment_code": code},
                                   headers={"Authorization": f"Bearer {token}"})
    assert enrol.status_code == 201, enrol.json


def test_a_bad_account_form_names_the_field_and_creates_nothing(world, app):
    web = _web(app, world.admin())
    before = count(app, StaffUser)
    for data, words in (({"email": "not-an-email"}, "Adresse e-mail : adresse e-mail invalide"),
                        ({"password": "short"}, "Mot de passe"),
                        ({"teams": ["no-such-team"]}, "Équipes"),
                        ({"display_name": "A\u202eB"}, "Nom affiché")):
        form = {"csrf": _csrf(web), "email": f"x{uuid.uuid4().hex[:6]}@hospital.test",
                "display_name": "X", "role": "nurse", "password": PASSWORD, **data}
        page = web.post("/web/staff", data=form)
        assert page.status_code == 422, data
        html = page.get_data(as_text=True)
        assert words in html, (data, html[html.find("flash"):][:300])
        assert PASSWORD not in html  # the password typed is never sent back
    assert count(app, StaffUser) == before


def test_deactivating_and_reactivating_an_account(world, app):
    nurse = world.staff("nurse")
    admin = world.admin()
    web = _web(app, admin)
    web.post(f"/web/staff/{nurse.id}/active", data={"csrf": _csrf(web), "active": "0"})
    assert nurse.get("/api/v1/alerts").status_code == 401  # her tokens are revoked
    web.post(f"/web/staff/{nurse.id}/active", data={"csrf": _csrf(web), "active": "1"})
    # An administrator cannot lock themselves out from this page.
    refused = web.post(f"/web/staff/{admin.id}/active", data={"csrf": _csrf(web), "active": "0"},
                       follow_redirects=True)
    assert "vous ne pouvez pas désactiver votre propre compte" in refused.get_data(as_text=True)
    assert admin.get("/api/v1/staff").status_code == 200


def test_a_team_gets_a_member_an_on_call_phone_and_day_hours(world, app):
    nurse = world.staff("nurse")
    world.team("team-b")
    web = _web(app, world.admin())
    web.post("/web/teams/team-b/members", data={"csrf": _csrf(web), "staff_id": nurse.id,
                                                "member": "1"})
    web.post("/web/teams/team-b", data={"csrf": _csrf(web), "name": "Orthopédie",
                                        "on_call_phone": "+33600000001", "day_start": "07:30",
                                        "day_end": "19:00"})
    teams = {t["slug"]: t for t in world.admin().get("/api/v1/teams").json}
    assert teams["team-b"]["name"] == "Orthopédie"
    assert teams["team-b"]["on_call_phone"] == "+33600000001"
    html = web.get("/web/teams").get_data(as_text=True)
    assert 'value="07:30"' in html and 'value="19:00"' in html
    wrong = web.post("/web/teams/team-b", data={"csrf": _csrf(web), "day_start": "19:00",
                                                "day_end": "07:00"}, follow_redirects=True)
    assert "Début de journée" in wrong.get_data(as_text=True) or \
        "Fin de journée" in wrong.get_data(as_text=True)


def test_an_administrator_creates_a_nurse_resets_her_factor_and_finds_a_refusal(
        world, app, clock, live_server, page, axe_source):
    world.team("team-a")
    _refused_access(world)
    sign_in(page, live_server, clock, world.admin())
    page.get_by_role("link", name="Comptes").click()
    page.get_by_label("Nom affiché").fill("Inès Garnier")
    page.get_by_label("Adresse e-mail").fill("ines.garnier@hospital.test")
    page.get_by_label("Mot de passe initial (12 caractères au moins)").fill(PASSWORD)
    page.get_by_label("Team-A").check()
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.locator(".shown-once")).to_contain_text("Inès Garnier")
    first_code = page.locator(".shown-once .code").inner_text()
    accessible(page, axe_source)
    fits(page)
    shoot(page, "staff")
    row = page.locator("tr", has_text="ines.garnier@hospital.test")
    row.get_by_role("button", name="Nouveau code d'enrôlement").click()
    second_code = page.locator(".shown-once .code").inner_text()
    assert second_code != first_code
    page.get_by_role("link", name="Équipes").click()
    expect(page.locator("#team-team-a")).to_contain_text("Inès Garnier")
    accessible(page, axe_source)
    fits(page)
    shoot(page, "teams")
    page.get_by_role("link", name="Journal d'audit").click()
    page.get_by_label("Patient").fill("Fabre")
    page.get_by_label("Résultat").select_option("denied")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("table.audit tbody tr").first).to_contain_text("refusé")


def test_an_administrator_sets_a_staff_members_rpps(world, app, client):
    nurse = world.staff("nurse")
    web = _web(app, world.admin())
    page = web.get("/web/staff").get_data(as_text=True)
    assert f'id="rpps-{nurse.id}"' in page
    with web.session_transaction() as session:
        csrf = session["csrf"]
    refused = web.post(f"/web/staff/{nurse.id}/rpps", data={"csrf": csrf, "rpps": "12"},
                       follow_redirects=True)
    assert "11 chiffres" in refused.get_data(as_text=True)
    done = web.post(f"/web/staff/{nurse.id}/rpps", data={"csrf": csrf, "rpps": "10000000001"},
                    follow_redirects=True)
    assert "Numéro RPPS enregistré." in done.get_data(as_text=True)
    assert 'value="10000000001"' in done.get_data(as_text=True)
