"""Security headers on every response, set in one after-request hook (never per route).

- ``Content-Security-Policy``: this site's own scripts, styles and images only (the web
  pages use no CDN and no inline script), and never inside a frame (``frame-ancestors
  'none'``, with ``X-Frame-Options: DENY`` for older browsers);
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` (a patient's
  page address never leaves for another site);
- ``Cache-Control: no-store`` on every response to a signed-in caller (bearer token or
  web session) and on every JSON answer: health data must not stay in a shared cache or
  the browser's back-forward history;
- ``Strict-Transport-Security`` when ``SUIVI_PUBLIC_URL`` is https.

The Swagger UI pages need its bundled inline bootstrap script; they carry a policy of
their own allowing it, and nothing else differs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request, session

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
       "object-src 'none'; frame-ancestors 'none'")
# The Swagger UI page starts itself from an inline script and inline styles.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def _page_policy(issuer: str) -> str:
    """With single sign-on, signing out (a form) ends at the identity provider's
    end_session_endpoint: the browser must let the form's redirection go there."""
    if not issuer:
        return CSP
    parts = urlsplit(issuer)
    return CSP.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")


def init_app(app: Flask) -> None:
    https = app.config["SUIVI_PUBLIC_URL"].startswith("https://")
    page_policy = _page_policy(app.config.get("SUIVI_OIDC_ISSUER", ""))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy",
                           DOCS_CSP if request.path.startswith("/api/docs") else page_policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        signed_in = "Authorization" in request.headers or "token" in session
        if signed_in or response.mimetype == "application/json":
            headers["Cache-Control"] = "no-store"
            headers.setdefault("Pragma", "no-cache")
        return response
