"""The administrator's page of integration clients: list, create (the secret shown
once), revoke; French and English; in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from backend.clients.models import IntegrationClient
from tests.helpers import audit_events, count
from tests.web.support import accessible, fits, shoot, sign_in
from tests.web.test_audit_pages import _web

WRITE = "system/Observation.write"


def _csrf(client) -> str:
    client.get("/web/clients")
    with client.session_transaction() as session:
        return session["csrf"]


def _token(app, client_id: str, secret: str):
    return app.test_client().post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


def test_only_administrators_reach_the_page(world, app, client):
    anonymous = client.get("/web/clients")
    assert anonymous.status_code == 302 and "/web/login" in anonymous.headers["Location"]
    web = _web(app, world.staff("nurse"))
    assert web.get("/web/clients").status_code == 403
    with web.session_transaction() as session:
        session["csrf"] = "x"
    made = web.post("/web/clients", data={"csrf": "x", "name": "X", "care_team": "team-a",
                                           "scopes": [WRITE]})
    assert made.status_code == 403
    assert count(app, IntegrationClient) == 0
    assert audit_events(app, action="client.create", outcome="denied")


def test_a_client_is_created_with_its_secret_shown_once_then_revoked(world, app):
    world.team("team-a")
    web = _web(app, world.admin())
    page = web.post("/web/clients", data={"csrf": _csrf(web), "name": "Passerelle tensiomètres",
                                           "care_team": "team-a", "scopes": [WRITE]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r'<p class="code secret">([^<]+)</p>', html).group(1)
    client_id = re.search(r"<dt>client_id</dt><dd><code>([^<]+)</code>", html).group(1)
    assert _token(app, client_id, secret).status_code == 200
    listing = web.get("/web/clients").get_data(as_text=True)
    assert "Passerelle tensiomètres" in listing and secret not in listing
    revoked = web.post(f"/web/clients/{client_id}/revoke", data={"csrf": _csrf(web)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Client révoqué" in revoked and "révoqué le" in revoked
    assert _token(app, client_id, secret).status_code == 401


def test_a_bad_form_names_the_field_and_creates_nothing(world, app):
    world.team("team-a")
    web = _web(app, world.admin())
    for data, words in (({"scopes": []}, "Droits : "),
                        ({"public_key": "pas une clé"}, "Clé publique : ni un JWKS"),
                        ({"care_team": "nulle-part"}, "Équipe : ")):
        form = {"csrf": _csrf(web), "name": "Passerelle", "care_team": "team-a",
                "scopes": [WRITE], **data}
        page = web.post("/web/clients", data=form)
        assert page.status_code == 422, data
        flash = re.search(r'<p class="flash error" role="alert">([^<]+)</p>',
                          page.get_data(as_text=True)).group(1)
        assert words in flash.replace("&#39;", "'"), (data, flash)
    assert count(app, IntegrationClient) == 0


def test_the_page_in_english(world, app):
    web = _web(app, world.admin())
    web.set_cookie("suivi_lang", "en")
    html = web.get("/web/clients").get_data(as_text=True)
    assert "Integration clients" in html and "Create the client" in html


def test_an_administrator_creates_and_revokes_a_gateway_in_chromium(
        world, app, clock, live_server, page, axe_source):
    world.team("team-a")
    sign_in(page, live_server, clock, world.admin())
    page.get_by_role("link", name="Intégrations").click()
    page.get_by_label("Nom du système").fill("Passerelle tensiomètres")
    page.get_by_label("system/Observation.write").check()
    page.get_by_role("button", name="Créer le client").click()
    shown = page.locator(".shown-once")
    expect(shown).to_contain_text("Passerelle tensiomètres")
    secret = page.locator(".shown-once .secret").inner_text()
    assert secret.startswith("scs_")
    accessible(page, axe_source)
    fits(page)
    shoot(page, "clients")
    page.get_by_role("button", name="Révoquer Passerelle tensiomètres").click()
    expect(page.locator("table.clients")).to_contain_text("révoqué le")
    expect(page.locator(".shown-once")).to_have_count(0)


def test_the_audit_trail_names_the_client_that_acted(world, app):
    world.team("team-a")
    admin = world.admin()
    made = admin.post("/api/v1/clients", json={"name": "DPI Hôpital", "care_team": "team-a",
                                                "scopes": [WRITE]}).json
    assert _token(app, made["client_id"], made["client_secret"]).status_code == 200
    web = _web(app, admin)
    html = web.get("/web/audit", query_string={"action": "oauth.token"}).get_data(as_text=True)
    assert "Client d&#39;intégration : DPI Hôpital" in html
    csv = web.get("/web/audit/export.csv", query_string={"action": "oauth.token"})
    assert "Client d'intégration : DPI Hôpital" in csv.get_data(as_text=True)
