"""`suivi demo` as a new user runs it: one process tree, ready, logins that work, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call(url, body=None, token=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _start(port, data_dir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SUIVI_TESTING")}
    env["SUIVI_DEMO_PASSWORD"] = "demo-password-for-tests"
    return subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "demo", "--port", str(port),
         "--data-dir", str(data_dir)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for_banner(process, timeout=90) -> str:
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if "Press Ctrl-C to stop." in line:
            return "".join(lines)
    raise AssertionError("demo did not start:\n" + "".join(lines[-40:]))


def _stop(process) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()


def test_demo_runs_and_the_nurse_lists_patients(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start(port, tmp_path / "data")
    try:
        banner = _wait_for_banner(process)
        for expected in (f"{base}/api/v1", f"{base}/api/docs", f"{base}/", "nurse@demo.suivi.fr",
                         "surgeon@demo.suivi.fr", "admin@demo.suivi.fr",
                         "demo-password-for-tests", "TOTP", "suivi.log"):
            assert expected in banner
        assert _call(f"{base}/readyz")["status"] == "ready"
        login = _call(f"{base}/api/v1/auth/login", {"email": "nurse@demo.suivi.fr",
                                                     "password": "demo-password-for-tests"})
        patients = _call(f"{base}/api/v1/patients", token=login["access_token"])
        assert len(patients) >= 5
        assert {"Martin", "Benali"} <= {p["family_name"] for p in patients}
        # Two weeks of history were generated through the real services: real alerts.
        queue = _call(f"{base}/api/v1/alerts", token=login["access_token"])
        assert len(queue) >= 4 and queue[0]["severity"] == "high"
        assert {"weight-gain-3d", "pain-severe-persistent"} <= {a["rule"] for a in queue}
        timeline = _call(f"{base}/api/v1/patients/{queue[0]['patient']['id']}/timeline",
                         token=login["access_token"])
        assert {"submission", "reading", "alert.opened"} <= {e["kind"] for e in timeline}
    finally:
        assert _stop(process) == 0
    # A second start reuses the data: no duplicate patients.
    process = _start(port, tmp_path / "data")
    try:
        banner = _wait_for_banner(process)
        login = _call(f"{base}/api/v1/auth/login", {"email": "nurse@demo.suivi.fr",
                                                     "password": "demo-password-for-tests"})
        assert len(_call(f"{base}/api/v1/patients", token=login["access_token"])) == 7
        # A new web form link at each start, that opens the web patient's questionnaire.
        link = re.search(r"Web form of Odette Roux .*?: (http\S+)", banner, re.S).group(1)
        with urllib.request.urlopen(link, timeout=10) as page:
            assert "Envoyer mes réponses" in page.read().decode()
        # The SMS patient answers his questions through the signed webhook, as the
        # banner says.
        command = re.search(r"(SUIVI_DEMO=1 .*? sms-reply \S+) 8", banner).group(1).split()
        env = {**os.environ, **dict(part.split("=", 1) for part in command[:3])}
        env.pop("SUIVI_TESTING", None)
        replies = [subprocess.run([sys.executable, "-m", "backend.cli", *command[4:], text],
                                  cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=60) for text in ("8", "oui")]
        assert [r.returncode for r in replies] == [0, 0], replies
        assert "cicatrice" in replies[0].stdout and "température" in replies[1].stdout
    finally:
        assert _stop(process) == 0


def test_a_busy_port_is_refused_at_once_with_the_reason_on_screen(tmp_path):
    """Before anything is migrated, seeded or started: nothing to clean up afterwards."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _start(port, tmp_path / "data")
        output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert f"127.0.0.1:{port} is not available" in output and "--port" in output
    assert "running" not in output and "Traceback" not in output
    assert not (tmp_path / "data").exists()
