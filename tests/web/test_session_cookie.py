"""The staff's web session cookie can be neither read nor altered: it holds a bearer
token, and for a moment an activation code or recovery codes."""

from __future__ import annotations

import base64
import contextlib
import zlib

from flask.sessions import SecureCookieSessionInterface

from tests.web.test_audit_pages import _web


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _readable(cookie: str) -> str:
    """Everything that base64 and zlib (what Flask's own cookie uses) make of it."""
    texts = [cookie]
    for part in cookie.lstrip(".").split("."):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        texts.append(raw.decode("latin-1"))
        with contextlib.suppress(zlib.error):
            texts.append(zlib.decompress(raw).decode("latin-1"))
    return "\n".join(texts)


def test_the_session_cookie_holds_nothing_readable(world, app):
    nurse = world.staff("nurse")
    web = _web(app, nurse)
    with web.session_transaction() as session:
        session["activation"] = {"code": "BBKTJ-SPSMM"}
    assert web.get("/web/queue").status_code == 200
    cookie = _cookie(web)
    for secret in (nurse.token, "BBKTJ-SPSMM", "activation", "token"):
        assert secret not in _readable(cookie), secret


def test_an_altered_or_foreign_cookie_is_no_session(world, app):
    nurse = world.staff("nurse")
    web = _web(app, nurse)
    assert web.get("/web/queue").status_code == 200
    cookie = _cookie(web)
    flipped = cookie[:40] + ("A" if cookie[40] != "A" else "B") + cookie[41:]
    # Flask's own signed cookie, as a session before encryption wrote it.
    signed = SecureCookieSessionInterface().get_signing_serializer(app).dumps(
        {"token": nurse.token})
    for value in (flipped, signed, "garbage"):
        other = app.test_client()
        other.set_cookie("session", value)
        refused = other.get("/web/queue")
        assert refused.status_code == 302 and "/web/login" in refused.headers["Location"]
