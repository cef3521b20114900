"""gunicorn started from Python (``suivi serve``, the demo)."""

from __future__ import annotations

import re

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

# A web form link's token is the patient's credential: the access log masks it however
# the address was written. The app opens the form at ``/f/<token>`` after repeated
# slashes, and gunicorn decodes an encoded slash (%2F) or letter (%66 is f) before
# routing: the segment after any ``f`` segment is masked, and so is anything shaped like
# a token (``f_`` then at least 8 of its characters, encoded or not) wherever it is.
_SLASH = r"(?:/|%2[Ff])"
_F = r"(?:f|%66)"
_BASE64_CHARACTER = r"(?:[A-Za-z0-9_-]|%(?!2[Ff])[0-9A-Fa-f]{2})"
FORM_PATH = re.compile(rf"({_SLASH}{_F}{_SLASH}+)(?:(?!%2[Ff])[^/?#\s])+")
FORM_TOKEN = re.compile(rf"(?:(?<![A-Za-z0-9_-])|(?<=%[0-9A-Fa-f]{{2}}))"
                        rf"{_F}(?:_|%5[Ff]){_BASE64_CHARACTER}{{8,}}")


def masked(text: str) -> str:
    """``text`` (a path, a request line, a referer...) with any form link token masked:
    ``GET //f/f_<token>?a=1 HTTP/1.1`` is ``GET //f/…?a=1 HTTP/1.1``."""
    return FORM_TOKEN.sub("f_…", FORM_PATH.sub(r"\1…", text))


class AccessLogger(Logger):
    """gunicorn's logger, the web form's tokens masked in the access log."""

    def atoms(self, resp, req, environ, request_time):
        # Every field, not only the path: the request line has the address as sent, and
        # a format may log the referer (the form's own address, for what its page loads),
        # a response's Location or the environ.
        return {key: masked(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}


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
