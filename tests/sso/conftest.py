"""A real OpenID Connect provider (oidc-provider, npm) for the single sign-on tests, and
the app configured to sign staff in with it."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
SUIVI = "http://localhost"  # the Flask test client's site, registered with the provider
CALLBACK = f"{SUIVI}/web/sso/callback"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_provider(callback: str) -> Iterator[str]:
    """A provider whose client ``suivi`` redirects to ``callback``; yields its issuer."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are required for the single sign-on tests")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run([npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR,
                       check=True, timeout=300)
    process = subprocess.Popen([node, "server.mjs", str(free_port()), callback],
                               cwd=PROVIDER_DIR, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("ready "), line
        yield line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def oidc_provider():
    """The issuer URL of a provider started for this test session."""
    with running_provider(CALLBACK) as issuer:
        yield issuer


def oidc_settings(issuer: str, public_url: str) -> dict:
    return {"SUIVI_PUBLIC_URL": public_url, "SUIVI_OIDC_ISSUER": issuer,
            "SUIVI_OIDC_CLIENT_ID": "suivi", "SUIVI_OIDC_CLIENT_SECRET": "suivi-test-secret",
            "SUIVI_OIDC_NAME": "Pro Santé Connect", "SUIVI_OIDC_CLAIM": "email",
            "SUIVI_OIDC_RPPS_CLAIM": "rpps", "SUIVI_OIDC_SCOPES": "openid email rpps",
            "SUIVI_OIDC_ACR_VALUES": "", "SUIVI_OIDC_MFA_ACR": ("eidas2", "eidas3"),
            "SUIVI_OIDC_MFA_AMR": ("mfa", "otp")}


@pytest.fixture
def app_config(app_config, oidc_provider, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test provider speaks http
    return {**app_config, **oidc_settings(oidc_provider, SUIVI)}


def through_provider(client, issuer: str, start: str = "/web/sso/start") -> str:
    """Follow the redirections at the provider (it signs in the account chosen with
    ``choose``) until it sends the browser back to Suivi; returns that path."""
    response = client.get(start)
    assert response.status_code == 302, response.data
    location = response.headers["Location"]
    assert location.startswith(issuer), location
    browser = requests.Session()
    for _ in range(10):
        if location.startswith(SUIVI + "/"):
            return location[len(SUIVI):]
        answer = browser.get(location, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:300])
        location = urljoin(location, answer.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def choose(issuer: str, account: str = "nurse", acr: str = "eidas1",
           amr: tuple[str, ...] = ("pwd",), deny: bool = False) -> None:
    """How the provider's next sign-in ends."""
    response = requests.post(f"{issuer}/test/next", json={
        "account": account, "acr": acr, "amr": list(amr), "deny": deny}, timeout=10)
    assert response.status_code == 204
