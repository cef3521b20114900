"""The nurses' web pages: server-rendered, usable without any JavaScript build.

One module per page family registers its views on the blueprint; the app registers
``bp`` from here.
"""

from backend.web import auth_pages, enrol_pages, patient_pages, triage_pages  # noqa: F401
from backend.web.blueprint import bp

__all__ = ["bp"]
