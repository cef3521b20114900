"""The administrators' page of integration clients (the hospital's systems calling Suivi):
list, create (the secret shown once), revoke; over the same services and schema as
``/api/v1/clients``."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for

from backend.clients import services as clients
from backend.clients.models import SCOPES
from backend.clients.schemas import ClientIn
from backend.errors import DomainError
from backend.teams import services as teams
from backend.web.blueprint import bp
from backend.web.i18n import _
from backend.web.session import (
    admin_required,
    attempt,
    form_args,
    login_required,
    message_of,
    principal,
)


def _clients_page(created: clients.NewClient | None = None, status: int = 200,
                  form: dict | None = None, error: str | None = None):
    return render_template("clients.html", clients=clients.list_clients(),
                           all_teams=teams.list_teams(), scopes=SCOPES, created=created,
                           form=form or {}, error=error), status


@bp.get("/web/clients")
@login_required()
@admin_required("client.list")
def client_list():
    return _clients_page()


@bp.post("/web/clients")
@login_required()
@admin_required("client.create")
def create_client():
    form = request.form
    typed = {"name": form.get("name", "").strip(), "care_team": form.get("care_team", ""),
             "scopes": form.getlist("scopes"),
             **({"public_key": form["public_key"].strip()}
                if form.get("public_key", "").strip() else {})}
    try:
        made = clients.create_client(principal().user.id, **form_args(ClientIn(), typed))
    except DomainError as error:
        return _clients_page(status=422, form=typed, error=message_of(error))
    # The secret is on this page only: never in a cookie, a redirect or a log.
    return _clients_page(created=made)


@bp.post("/web/clients/<uuid:client_id>/revoke")
@login_required()
@admin_required("client.revoke")
def revoke_client(client_id: uuid.UUID):
    attempt(lambda: clients.revoke_client(clients.get_client(client_id)),
            _("Client révoqué : ses jetons ne fonctionnent plus."))
    return redirect(url_for("web.client_list"))
