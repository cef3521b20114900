"""A request body sent without a Content-Length (``Transfer-Encoding: chunked``) is held
to ``MAX_CONTENT_LENGTH`` as one with a Content-Length is: over it, a 413.

A server that de-chunks the body itself (gunicorn, Werkzeug's own) says so with
``wsgi.input_terminated``, and Werkzeug then only stops reading at the limit
(``LimitedStream.readall`` returns the first ``MAX_CONTENT_LENGTH`` bytes without an
error): a JSON body over it came truncated (a 400 "Invalid JSON body") and a form, a
Twilio webhook among them, was parsed from its first bytes. Here such a body is read up to
one byte past the limit when the request first reads its body; one byte too many raises
``RequestEntityTooLarge`` at the moment, and through the same error handlers, as a
Content-Length over the limit does.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Flask
from flask import Request as FlaskRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property


class Request(FlaskRequest):
    _body_refused = False

    @cached_property
    def stream(self) -> IO[bytes]:
        limit = self.max_content_length
        if (limit is None or self.shallow or self.content_length is not None
                or not self.environ.get("wsgi.input_terminated")):
            return super().stream
        if self._body_refused:  # read again after the 413: never the rest of the body
            raise RequestEntityTooLarge()
        body = _read_at_most(self.input_stream, limit + 1)
        if len(body) > limit:
            self._body_refused = True
            raise RequestEntityTooLarge()
        return io.BytesIO(body)


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``: a de-chunking stream may return fewer bytes than
    asked before its end (one chunk at a time)."""
    parts, read = [], 0
    while read < size:
        part = stream.read(size - read)
        if not part:
            break
        parts.append(part)
        read += len(part)
    return b"".join(parts)


def init_app(app: Flask) -> None:
    app.request_class = Request
