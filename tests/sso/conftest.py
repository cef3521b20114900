"""A real OpenID Connect provider (oidc-provider, npm) for the single sign-on tests, and
the app configured to sign staff in with it."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urljoin

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
SUIVI = "http://localhost"  # the Flask test client's site, registered with the provider
CALLBACK = f"{SUIVI}/web/sso/callback"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LogoutReceiver:
    """Where the provider posts its back-channel logout tokens (Suivi's own endpoint
    would be a server the provider reaches; here the test hands them to the app)."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                received.append(parse_qs(self.rfile.read(length).decode())["logout_token"][0])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_token(self, count: int, timeout: float = 10) -> str:
        """The ``count``-th logout token received (waits for it)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, "the provider sent no back-channel logout"
        return self.received[count - 1]


@pytest.fixture(scope="session")
def logout_receiver():
    receiver = LogoutReceiver()
    yield receiver
    receiver.server.shutdown()


@contextlib.contextmanager
def running_provider(callback: str, backchannel: str | None = None) -> Iterator[str]:
    """A provider whose client ``suivi`` redirects to ``callback`` (and posts its
    back-channel logouts to ``backchannel``); yields its issuer."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are required for the single sign-on tests")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run([npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR,
                       check=True, timeout=300)
    process = subprocess.Popen([node, "server.mjs", str(free_port()), callback,
                                *([backchannel] if backchannel else [])],
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
def oidc_provider(logout_receiver):
    """The issuer URL of a provider started for this test session."""
    with running_provider(CALLBACK, logout_receiver.url) as issuer:
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


def through_provider(client, issuer: str, start: str = "/web/sso/start",
                     browser: requests.Session | None = None) -> str:
    """Follow the redirections at the provider (it signs in the account chosen with
    ``choose``) until it sends the browser back to Suivi; returns that path. ``browser``
    keeps the provider's cookies (its session) for a later logout there."""
    response = client.get(start)
    assert response.status_code == 302, response.data
    location = response.headers["Location"]
    assert location.startswith(issuer), location
    browser = browser if browser is not None else requests.Session()
    for _ in range(10):
        if location.startswith(SUIVI + "/"):
            return location[len(SUIVI):]
        answer = browser.get(location, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:300])
        location = urljoin(location, answer.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def logout_at_provider(browser: requests.Session, issuer: str) -> None:
    """The person signs out at the provider (RP-initiated logout, confirmed on its page):
    it tells every client of that session through their back-channel."""
    page = browser.get(f"{issuer}/session/end", params={"client_id": "suivi"}, timeout=10)
    assert page.status_code == 200, page.text[:300]
    action = re.search(r'action="([^"]+)"', page.text)[1]
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)[1]
    done = browser.post(urljoin(page.url, action), data={"xsrf": xsrf, "logout": "yes"},
                        allow_redirects=False, timeout=10)
    assert done.status_code in (302, 303), done.text[:300]


def choose(issuer: str, account: str = "nurse", acr: str = "eidas1",
           amr: tuple[str, ...] = ("pwd",), deny: bool = False) -> None:
    """How the provider's next sign-in ends."""
    response = requests.post(f"{issuer}/test/next", json={
        "account": account, "acr": acr, "amr": list(amr), "deny": deny}, timeout=10)
    assert response.status_code == 204
