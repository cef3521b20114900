"""A throw-away Suivi installation for the benchmarks: a fresh PostgreSQL database, one
Redis database, and the real processes (``suivi serve``, ``suivi worker``) started from
the command line, all on loopback.

``Stack`` is a context manager: leaving it (normally, on an exception or on Ctrl-C) stops
every process it started and drops its database.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
DB_PREFIX = "suivi_bench_"
PASSWORD = "bench password, loopback only"  # noqa: S105 (a throw-away database)
ROOT = Path(__file__).resolve().parent.parent


def suivi_command() -> list[str]:
    """``suivi`` from this checkout (run with ``cwd=ROOT``), not whatever tree the
    environment's entry point was installed from: a benchmark of another worktree (the
    baseline of a before/after comparison) measures that tree's code."""
    return [sys.executable, "-m", "backend.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drop_stale_databases() -> None:
    """Drop bench databases left by a run that was killed (its pid is in the name)."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        names = [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (DB_PREFIX + "%",))]
        for name in names:
            pid = name.removeprefix(DB_PREFIX).split("_")[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                             .format(sql.Identifier(name)))


@contextlib.contextmanager
def interruptible():
    """SIGTERM, like Ctrl-C, unwinds the stacks (their exits stop the processes and drop
    the databases); then a one-line message instead of a traceback."""
    def _exit(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    except KeyboardInterrupt:
        print("\ninterrupted: bench processes stopped, bench databases dropped",
              file=sys.stderr)
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


class Stack:
    """A fresh database + Redis db 14 + the Suivi processes started on them."""

    def __init__(self, label: str) -> None:
        self.database = f"{DB_PREFIX}{os.getpid()}_{label}_{secrets.token_hex(3)}"
        self.dsn = f"postgresql://postgres@127.0.0.1:5432/{self.database}"
        self.logs = Path(tempfile.mkdtemp(prefix=f"suivi-bench-{label}-"))
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.database}",
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "SUIVI_DEMO": "1",  # staff may skip TOTP
            "SUIVI_DATA_DIR": str(self.logs),
            "SUIVI_SMS_BACKEND": "console",
            "SUIVI_PUSH_BACKEND": "console",
            # A few hundred patients send more than real ones would: the per-patient
            # limit is still checked on every submission, but never reached.
            "SUIVI_SUBMISSION_RATE_LIMIT": "1000000",
            # Hundreds of phones paired from this one address in a minute: no limit on
            # requests without credentials (0), which a hospital's clients never reach.
            "SUIVI_ANONYMOUS_RATE_LIMIT": "0",
            # So that workers can import bench.jobs (the no-op job of the baselines).
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.url = ""
        self.web: subprocess.Popen | None = None
        self.twin: subprocess.Popen | None = None  # bench.twin, when started
        self.workers: list[subprocess.Popen] = []
        self._started = itertools.count()
        self._created = False
        self._failed = False

    # -- lifecycle -----------------------------------------------------------------------
    def __enter__(self) -> Stack:
        drop_stale_databases()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
        self._created = True
        try:
            self.flush_redis()
            self.cli("db", "upgrade")
            self.cli("load-content")
            self.cli("create-staff", "admin@bench.test", "--role", "admin", stdin=PASSWORD)
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._failed = self._failed or exc_type is not None
        self.stop_workers()
        for process in (self.web, self.twin):
            if process is not None:
                _stop(process)
        self.web = self.twin = None
        with contextlib.suppress(Exception):
            self.flush_redis()
        if self._created:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                             .format(sql.Identifier(self.database)))
            self._created = False
        if self._failed and exc_type is not KeyboardInterrupt:
            print(f"  (process logs kept in {self.logs})", file=sys.stderr)
        else:
            shutil.rmtree(self.logs, ignore_errors=True)

    def flush_redis(self) -> None:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()

    # -- processes -----------------------------------------------------------------------
    def cli(self, *args: str, stdin: str | None = None, timeout: float = 120) -> str:
        """Run one ``suivi`` command to completion."""
        done = subprocess.run([*suivi_command(), *args], env=self.env, cwd=ROOT,
                              input=None if stdin is None else stdin + "\n",
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            self._failed = True
            raise RuntimeError(f"suivi {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def _spawn(self, name: str, *args: str, command: list[str] | None = None) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        # A session of its own: the terminal's Ctrl-C reaches only the bench, which then
        # stops the whole group (gunicorn's workers, RQ's work horses) itself.
        process = subprocess.Popen([*(command or suivi_command()), *args], env=self.env,
                                   cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True)
        log.close()
        return process

    def serve(self, workers: int) -> str:
        port = free_port()
        self.web = self._spawn("web", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(workers))
        self.url = f"http://127.0.0.1:{port}"
        self._wait_ready(self.web, self.url, workers)
        return self.url

    def serve_twin(self, workers: int, threads: int = 4) -> str:
        """``bench.twin`` under gunicorn, configured as ``suivi serve`` runs the project
        (backend/server.py), on this stack's database and Redis; its URL."""
        port = free_port()
        self.twin = self._spawn(
            "twin", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--threads", str(threads), "--worker-class", "gthread", "--access-logfile", "-",
            "--graceful-timeout", "10", "bench.twin:app",
            command=[sys.executable, "-m", "gunicorn"])
        url = f"http://127.0.0.1:{port}"
        self._wait_ready(self.twin, url, workers)
        return url

    def _wait_ready(self, process: subprocess.Popen, url: str, workers: int,
                    timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        client = Client(url)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._failed = True
                raise RuntimeError(f"{url} stopped; see the logs in {self.logs}")
            with contextlib.suppress(OSError):
                if client.get("/readyz").status == 200 and len(_children(process.pid)) >= workers:
                    return
            time.sleep(0.2)
        self._failed = True
        raise RuntimeError(f"{url} not ready within {timeout:.0f} s")

    def start_workers(self, count: int, timeout: float = 60) -> None:
        """Start ``count`` ``suivi worker`` processes and wait until they listen."""
        import redis
        from rq import Worker

        for _ in range(count):
            self.workers.append(self._spawn(f"worker{next(self._started)}", "worker"))
        connection = redis.Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + timeout
        while Worker.count(connection=connection) < len(self.workers):
            if time.monotonic() > deadline or any(w.poll() is not None for w in self.workers):
                self._failed = True
                raise RuntimeError(f"suivi worker did not start; see {self.logs}")
            time.sleep(0.2)

    def stop_workers(self) -> None:
        for process in self.workers:
            _stop(process)
        self.workers = []

    def web_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        return _children(self.web.pid) if self.web is not None else []

    def twin_pids(self) -> list[int]:
        """The twin's gunicorn worker processes."""
        return _children(self.twin.pid) if self.twin is not None else []

    def database_pids(self) -> list[int]:
        """The PostgreSQL backends serving this stack's database (both servers' pools;
        the server not under load leaves its own idle), this query's own aside."""
        with self.connect(autocommit=True) as conn:
            return [pid for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()")]

    # -- data ----------------------------------------------------------------------------
    def connect(self, **kwargs: Any) -> psycopg.Connection:
        return psycopg.connect(self.dsn, **kwargs)

    def app(self):
        """A Suivi app on this stack's database and Redis, in this process."""
        from backend.app import create_app

        settings = {name: self.env[name] for name in (
            "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SUIVI_DEMO", "SUIVI_DATA_DIR",
            "SUIVI_SMS_BACKEND", "SUIVI_PUSH_BACKEND")}
        saved = {name: os.environ.get(name) for name in [*settings, "SUIVI_LOG_LEVEL"]}
        os.environ.update(settings, SUIVI_LOG_LEVEL="WARNING")
        try:
            return create_app()
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    with contextlib.suppress(OSError):
        return [int(child) for child in path.read_text().split()]
    return []


def _stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the process group we created, then SIGKILL it if it lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    # Work horses or gunicorn workers may outlive their parent for a moment.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far, from /proc/PID/stat."""
    return sum(cpu_by_pid(pids).values())


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """Each process's user + system CPU seconds so far (a process gone meanwhile: none)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            # Fields after the command name (which may hold spaces): utime, stime: 12, 13.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc (VmRSS, KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


# -- a small HTTP client: one keep-alive connection per thread -------------------------


@dataclass
class Response:
    status: int
    body: Any
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)


_threads = threading.local()


class Client:
    """JSON over ``http.client``. Each thread keeps one keep-alive connection per server,
    shared by all the clients (tokens) it uses, as a load balancer's pool would."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port, self.token, self.timeout = host, int(port), token, timeout

    def with_token(self, token: str) -> Client:
        return Client(f"http://{self.host}:{self.port}", token, self.timeout)

    def _connection(self) -> HTTPConnection:
        pool = _threads.__dict__.setdefault("pool", {})
        conn = pool.get((self.host, self.port))
        if conn is None:
            conn = pool[self.host, self.port] = HTTPConnection(self.host, self.port,
                                                                timeout=self.timeout)
        return conn

    def _drop(self) -> None:
        conn = _threads.__dict__.get("pool", {}).pop((self.host, self.port), None)
        if conn is not None:
            conn.close()

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> Response:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            conn = self._connection()
            start = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=sent)
                reply = conn.getresponse()
                data = reply.read()
            except (ConnectionError, OSError):
                # The server closed an idle keep-alive connection: open a new one. Safe to
                # resend: submissions carry an Idempotency-Key, and a setup request applied
                # twice only makes one more patient.
                self._drop()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - start
            if reply.getheader("Connection", "").lower() == "close":
                self._drop()
            parsed = json.loads(data) if data and reply.getheader(
                "Content-Type", "").startswith("application/json") else data
            return Response(reply.status, parsed, elapsed, dict(reply.getheaders()))
        raise AssertionError("unreachable")

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, body, **kwargs)


def expect(response: Response, status: int, what: str) -> Any:
    if response.status != status:
        raise RuntimeError(f"{what}: HTTP {response.status}: {response.body!r:.500}")
    return response.body


def idempotency_key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}
