"""The nurses' web pages: server-rendered, usable without any JavaScript build.

One module per page family registers its views on the blueprint; the app registers
``bp`` from here.
"""

from backend.web import (  # noqa: F401
    admin_pages,
    audit_pages,
    auth_pages,
    client_pages,
    enrol_pages,
    form_pages,
    indicator_pages,
    override_pages,
    patient_pages,
    protocol_edit_pages,
    protocol_pages,
    rgpd_pages,
    sso_pages,
    triage_pages,
)
from backend.web.blueprint import bp

__all__ = ["bp"]
