"""Integration clients: their administration (``/api/v1/clients``, administrators with a
second factor) and the OAuth2 token endpoint they call (``POST /oauth/token``)."""

from __future__ import annotations

from urllib.parse import unquote_plus

from flask import Blueprint as FlaskBlueprint
from flask import Response, jsonify, request
from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import services as audit
from backend.auth.principal import current_staff, staff_required
from backend.clients import services
from backend.clients.schemas import ClientCreatedOut, ClientIn, ClientOut
from backend.text import text_error

blp = Blueprint("clients", __name__, url_prefix="",
                description="Integration clients of the hospital's systems (administrators).")
oauth = FlaskBlueprint("oauth", __name__)


def _admin(action: str):
    return staff_required("admin", action=action, patient_data=False, administration=True)


@blp.route("/clients")
class ClientCollection(MethodView):
    @_admin("client.list")
    @blp.response(200, ClientOut(many=True))
    def get(self):
        """Every integration client, the newest first."""
        return services.list_clients()

    @_admin("client.create")
    @blp.arguments(ClientIn)
    @blp.response(201, ClientCreatedOut)
    def post(self, args):
        """Create a client bound to a care team, with its scopes. With a public key it
        signs JWT assertions; without, the answer holds its secret, once."""
        return services.create_client(current_staff().user.id, **args)


@blp.route("/clients/<uuid:client_id>")
class ClientItem(MethodView):
    @_admin("client.read")
    @blp.response(200, ClientOut)
    def get(self, client_id):
        """One integration client."""
        return services.get_client(client_id)


@blp.route("/clients/<uuid:client_id>/revoke")
class ClientRevoke(MethodView):
    @_admin("client.revoke")
    @blp.response(200, ClientOut)
    def post(self, client_id):
        """Revoke the client: it gets no more tokens, and those it has stop working now."""
        return services.revoke_client(services.get_client(client_id))


# -- POST /oauth/token -----------------------------------------------------------------------
FORM = "application/x-www-form-urlencoded"
# The longest legitimate parameter, a signed assertion, is a few kilobytes.
PARAMETER_LENGTH = 16_000


def _oauth_error(error: str, description: str, status: int = 400,
                 basic: bool = False) -> Response:
    """RFC 6749's error body (section 5.2)."""
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401 and basic:
        response.headers["WWW-Authenticate"] = 'Basic realm="suivi"'
    return response


def _bad_parameter() -> str | None:
    for name, values in request.form.lists():
        if len(values) > 1:
            return f"{name} is repeated"
        if len(values[0]) > PARAMETER_LENGTH or text_error(name) or text_error(values[0]):
            return f"{name} is too long or holds characters that are not allowed"
    return None


@oauth.post(services.TOKEN_PATH)
def token():
    """Client credentials grant: form-encoded ``grant_type=client_credentials``, the client
    authenticated by HTTP Basic, ``client_id`` + ``client_secret``, or a signed
    ``client_assertion``; ``scope`` (optional) within those granted."""
    audit.acting(services.ACTION)
    if request.mimetype != FORM:
        return _oauth_error("invalid_request", f"send the parameters as {FORM}")
    bad = _bad_parameter()
    if bad:
        return _oauth_error("invalid_request", bad)
    authorization = request.authorization
    basic = None
    if authorization is not None and authorization.type == "basic":
        # RFC 6749 section 2.3.1: both form-encoded before they are put in the header.
        basic = (unquote_plus(authorization.username or ""),
                 unquote_plus(authorization.password or ""))
    try:
        issued = services.issue_token(
            services.TokenRequest(form=request.form.to_dict(), basic=basic),
            request.remote_addr)
    except services.OAuthRefusal as refusal:
        return _oauth_error(refusal.error, refusal.reason, refusal.status, basic is not None)
    response = jsonify({"access_token": issued.access_token, "token_type": "Bearer",
                        "expires_in": issued.expires_in, "scope": issued.scope})
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
