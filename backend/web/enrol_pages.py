"""Enrolling a patient: the record, the protocol, then the app's activation code."""

from __future__ import annotations

from flask import render_template

from backend.web.blueprint import bp
from backend.web.session import login_required


@bp.route("/web/enrol", methods=["GET", "POST"])
@login_required()
def enrol():
    return render_template("enrol.html")
