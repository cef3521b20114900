"""Patient-app tests: the GUI-free core and the Kivy app, against the real backend over HTTP.

The app's modules live under ``mobile/`` (the directory buildozer packages), imported as
``suivi_app``. The live backend runs on the system time: the phone dates answers with its
own clock, as a real phone would.
"""

from __future__ import annotations

import http.client
import socket
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.web.conftest import live_server  # noqa: F401  (the real app over real HTTP)

MOBILE = Path(__file__).resolve().parents[2] / "mobile"
if str(MOBILE) not in sys.path:
    sys.path.insert(0, str(MOBILE))


@pytest.fixture(autouse=True)
def system_time(clock, monkeypatch):
    """The backend's clock runs with the phone's: answers are dated by the phone."""
    monkeypatch.setattr(clock, "now", lambda: datetime.now(UTC))


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Staff passwords are not what these tests are about; argon2's production cost (about
    a second per hash here) would make the staff set-up dominate the patient-app tests."""
    from argon2 import PasswordHasher

    from backend import security

    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                            parallelism=1))


@pytest.fixture
def closed_url() -> str:
    """A loopback address where nothing listens: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class LostReplyProxy:
    """Forwards each request to the server, then hangs up without passing the reply on:
    the server has done the work, the phone sees a network error."""

    def __init__(self, target: str) -> None:
        self.target = target.removeprefix("http://")
        self.forwarded = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with client:
                self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        reader = client.makefile("rb")
        method, path, _ = reader.readline().decode().split(" ", 2)
        headers = {}
        while (line := reader.readline().decode().strip()):
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        body = reader.read(int(headers.get("Content-Length", 0)))
        connection = http.client.HTTPConnection(self.target, timeout=10)
        connection.request(method, path, body, headers)
        connection.getresponse().read()
        connection.close()
        self.forwarded += 1

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def lost_reply_proxy(live_server):  # noqa: F811
    proxy = LostReplyProxy(live_server)
    yield proxy
    proxy.close()
