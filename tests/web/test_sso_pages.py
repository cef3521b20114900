"""Single sign-on in Chromium: the button on the login page, the provider, back in the
queue; the refusal page for an unknown person."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.sso.conftest import choose, free_port, oidc_settings, running_provider
from tests.web.support import accessible, shoot

PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def browser_provider():
    with running_provider(f"{BASE}/web/sso/callback") as issuer:
        yield issuer


@pytest.fixture
def app_config(app_config, browser_provider, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    return {**app_config, **oidc_settings(browser_provider, BASE)}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", PORT, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield BASE
    server.shutdown()
    thread.join(timeout=5)


def test_a_nurse_signs_in_with_the_provider_and_lands_in_the_queue(
        world, live_server, browser_provider, page, axe_source):
    world.staff("nurse", email="nurse.sso@example.org")
    choose(browser_provider, acr="eidas2", amr=("pwd", "otp"))
    page.goto(f"{live_server}/web/login")
    button = page.get_by_role("link", name="Se connecter avec Pro Santé Connect")
    expect(button).to_be_visible()
    accessible(page, axe_source)
    shoot(page, "sso-login")
    button.click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert page.url.startswith(f"{live_server}/web/queue")
    page.get_by_role("button", name="Se déconnecter").click()
    # The provider asks whether to end its own session too, then sends the browser back.
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert page.url.startswith(f"{live_server}/web/login")


def test_an_unknown_person_sees_why(world, live_server, browser_provider,
                                    page, axe_source):
    choose(browser_provider, account="stranger", acr="eidas2", amr=("mfa",))
    page.goto(f"{live_server}/web/login")
    page.get_by_role("link", name="Se connecter avec Pro Santé Connect").click()
    expect(page.get_by_role("alert")).to_contain_text("Aucun compte Suivi ne correspond")
    accessible(page, axe_source)
    shoot(page, "sso-refused")
