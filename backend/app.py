"""The application factory."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request
from flask import session as web_session
from sqlalchemy.orm import sessionmaker
from swagger_ui_bundle import swagger_ui_path
from werkzeug.middleware.proxy_fix import ProxyFix

from backend import config as config_module
from backend import crypto, db, http_errors, http_headers, redis_conn, request_body
from backend.api import api
from backend.audit import services as audit
from backend.clock import SystemClock
from backend.fhir import outcome as fhir_outcome
from backend.notifications.configured import push_sender_from_config, sms_sender_from_config
from backend.outbox import services as outbox
from backend.security import SecretsRandomness
from backend.sso import provider as sso_provider
from backend.web.session_cookie import SealedCookieSessionInterface
from backend.wiring import KEY, OutboxHandler, Wiring

API_SPEC = {
    "API_TITLE": "Suivi API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "api/v1/openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "api/docs",
    # Served from the swagger-ui-bundle package: hospital networks often block CDNs.
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/static/",
    "API_SPEC_OPTIONS": {
        # Every operation needs a bearer token unless it says ``security: []``.
        "security": [{"bearerAuth": []}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            }
        },
        "info": {"description": "Post-operative remote monitoring. Errors share one shape: "
                                "{code, status, message, errors}."},
    },
}


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app from the environment, with ``overrides`` applied last (tests)."""
    app = Flask(__name__, static_folder=None)
    app.config.update(config_module.from_env())
    app.config.update(API_SPEC)
    app.config.update(  # the nurses' web session cookie
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=12 * 3600)
    if overrides:
        app.config.update(overrides)
    # Over HTTPS only where the pages are served so (the public address, as finally set).
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        app.config["SESSION_COOKIE_SECURE"] = app.config["SUIVI_PUBLIC_URL"].startswith("https://")
    app.json.sort_keys = False
    app.session_interface = SealedCookieSessionInterface()  # read by no one but Suivi
    logging.basicConfig(level=app.config["SUIVI_LOG_LEVEL"],
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    app.extensions[KEY] = build_wiring(app.config)
    db.init_app(app)
    http_errors.init_app(app)
    fhir_outcome.init_app(app)  # first: its rewrite of errors runs after the others
    http_headers.init_app(app)
    request_body.init_app(app)  # a chunked body over MAX_CONTENT_LENGTH: 413
    if app.config["SUIVI_PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["SUIVI_PROXY_HOPS"],
                                x_proto=app.config["SUIVI_PROXY_HOPS"],
                                x_host=app.config["SUIVI_PROXY_HOPS"])
    api.init_app(app)
    _register_features(app)
    _register_transaction_manager(app)
    _register_swagger_static(app)
    return app


def build_wiring(config: Mapping[str, Any]) -> Wiring:
    """Every side effect the app uses, from its configuration; a bad setting raises a
    ValueError naming the variable, here rather than at the first SMS."""
    sms, push = sms_sender_from_config(config), push_sender_from_config(config)
    crypto.install(crypto.keyring_from_settings(config["SUIVI_DATA_KEYS"],
                                                config["SUIVI_INDEX_KEY"]))
    connect_redis = redis_conn.connector(config["REDIS_URL"])
    engine = db.make_engine(config["DATABASE_URL"], config["SUIVI_SQLITE_BUSY_TIMEOUT"])
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    outbox.relay_after_commit(sessions)
    return Wiring(clock=SystemClock(), random=SecretsRandomness(), sms=sms, push=push,
                  engine=engine, sessions=sessions, outbox_handlers=_outbox_handlers(),
                  connect_redis=connect_redis,
                  identity_provider=sso_provider.from_config(config))


def _outbox_handlers() -> dict[str, OutboxHandler]:
    # Each feature carries out the outbox entries it writes.
    from backend.alerts import paging
    from backend.delivery import retries
    from backend.enrollments import activation_sms, channels
    from backend.smsforms import services as smsforms
    from backend.tasks import reminders
    from backend.teleconsult import invitations

    handlers: dict[str, OutboxHandler] = {}
    for feature in (paging, reminders, invitations, activation_sms, channels, retries,
                    smsforms):
        for kind, handler in feature.OUTBOX_HANDLERS.items():
            if kind in handlers:
                raise ValueError(f"two handlers for outbox entries of kind {kind!r}")
            handlers[kind] = handler
    return handlers


def _register_features(app: Flask) -> None:
    from backend.alerts.routes import blp as alerts_blp
    from backend.alerts.triage_routes import blp as triage_blp
    from backend.audit.routes import blp as audit_blp
    from backend.auth.routes import blp as auth_blp
    from backend.clients.routes import blp as clients_blp
    from backend.clients.routes import oauth as oauth_bp
    from backend.consents.routes import blp as consents_blp
    from backend.delivery.routes import blp as delivery_blp
    from backend.enrollments.routes import blp as enrollments_blp
    from backend.fhir.routes import bp as fhir_bp
    from backend.health.routes import bp as health_bp
    from backend.indicators.routes import blp as indicators_blp
    from backend.intake.routes import blp as intake_blp
    from backend.patients.routes import blp as patients_blp
    from backend.protocols import openapi as protocol_document
    from backend.protocols.routes import blp as protocols_blp
    from backend.questionnaires.routes import blp as questionnaires_blp
    from backend.rgpd.routes import blp as rgpd_blp
    from backend.teams.routes import blp as teams_blp
    from backend.teleconsult.routes import blp as teleconsult_blp
    from backend.timeline.routes import blp as timeline_blp
    from backend.web.routes import bp as web_bp
    from backend.webhooks.routes import bp as webhooks_bp

    for blueprint in (auth_blp, teams_blp, patients_blp, enrollments_blp, questionnaires_blp,
                      protocols_blp, intake_blp, alerts_blp, triage_blp, timeline_blp,
                      teleconsult_blp, audit_blp, delivery_blp, indicators_blp, clients_blp,
                      consents_blp, rgpd_blp):
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    protocol_document.register(api.spec)  # the upload's body, as protocol files are written
    app.register_blueprint(health_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(oauth_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(fhir_bp)


def _register_transaction_manager(app: Flask) -> None:
    # One transaction per request: committed when the response is a success, rolled
    # back otherwise, keeping only the trace of the refusals. A failed commit becomes a
    # 503 the client can safely retry.
    @app.before_request
    def _origin() -> None:
        patient_id = (request.view_args or {}).get("patient_id")
        audit.begin_request(request.remote_addr,
                            patient_id if isinstance(patient_id, uuid.UUID) else None)
        if _anonymous():
            audit.admit_anonymous()  # a 429 beyond the address's rate, before any work

    @app.after_request
    def _commit(response: Response) -> Response:
        audit.trace_refused_request(response.status_code)
        session = g.get("db_session")
        if session is None:
            return response
        if response.status_code >= 400:
            session.rollback()
            if not audit.refusals_pending(session):
                return response
        try:
            session.commit()  # and the outbox entries written are relayed (after commit)
        except Exception as error:
            session.rollback()
            logging.getLogger(__name__).error("commit failed: %s", type(error).__name__)
            return http_errors.unavailable_response()
        return response


# Requests that are not counted as anonymous: the load balancer's health checks and
# static files (a page's stylesheet is not another attempt).
UNCOUNTED_BLUEPRINTS = frozenset({"health"})
UNCOUNTED_ENDPOINTS = frozenset({"swagger_static", "web.static"})


def _anonymous() -> bool:
    """The request carries no credentials: no bearer token, no signed-in web session, no
    provider signature (those are counted when they turn out invalid)."""
    if request.blueprint in UNCOUNTED_BLUEPRINTS or request.endpoint in UNCOUNTED_ENDPOINTS:
        return False
    return not (request.headers.get("Authorization") or web_session.get("token")
                or request.headers.get("X-Twilio-Signature"))


def _register_swagger_static(app: Flask) -> None:
    from flask import send_from_directory

    @app.get("/api/docs/static/<path:filename>")
    def swagger_static(filename: str):
        return send_from_directory(swagger_ui_path, filename)
