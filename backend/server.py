"""gunicorn started from Python (``suivi serve``, the demo)."""

from __future__ import annotations

import re

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

# A web form link's token is the patient's credential: the path is logged masked.
SECRET_PATH = re.compile(r"^(\S+ )?/f/[^/?\s]+")


def masked(request_line: str) -> str:
    """``/f/<token>`` (or ``GET /f/<token> HTTP/1.1``) with the token masked."""
    return SECRET_PATH.sub(lambda match: f"{match.group(1) or ''}/f/…", request_line)


class AccessLogger(Logger):
    """gunicorn's logger, the web form's tokens masked in the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):  # the path, the request line
            if isinstance(atoms.get(key), str):
                atoms[key] = masked(atoms[key])
        return atoms


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from backend.wsgi import app

        return app


def run_gunicorn(host: str, port: int, workers: int, threads: int = 4) -> None:
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        # Query strings can hold search terms; log the path only.
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
        "logger_class": AccessLogger,
        "graceful_timeout": 10,
    }).run()
