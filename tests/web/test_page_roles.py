"""Who may do what on the pages is what the API allows: a page that acts on a patient's care
refuses an administrator as the API does, and no page changes anything for a role the API
refuses the same action."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter

from backend import db
from backend.alerts.models import Alert
from backend.auth.models import ActivationCode
from backend.enrollments.models import Enrollment
from backend.patients.models import Patient
from backend.teleconsult.models import Teleconsultation
from tests.helpers import audit_events, count, daily, submit
from tests.web.test_audit_pages import _web

# Pages any signed-in staff member may post to, and why.
OPEN_TO_ANY_STAFF = {
    "web.logout": "signing out",
    "web.enrol_totp": "enrolling one's own second factor",
}
# Pages posted to before signing in (their own checks: password, code, signature, link).
BEFORE_SIGNING_IN = {"web.login", "web.mfa", "web.sso_backchannel_logout",
                     "web.form_link"}


def _api_roles(app) -> dict[str, tuple[str, ...]]:
    """The roles the API's guard admits, by action."""
    found: dict[str, tuple[str, ...]] = {}
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("web."):
            continue
        handlers = [getattr(view.view_class, method) for method in
                    ("get", "post", "put", "patch", "delete")
                    if hasattr(getattr(view, "view_class", None), method)] or [view]
        for handler in handlers:
            if hasattr(handler, "action"):
                found[handler.action] = handler.required_roles
    return found


def _actions(app, rule, action: str) -> list[str]:
    """``action`` with its ``{placeholders}`` filled by every value the URL allows."""
    names = [name for name in rule.arguments if "{" + name + "}" in action]
    if not names:
        return [action]
    converter = rule._converters[names[0]]
    assert isinstance(converter, AnyConverter), rule.rule
    return [action.format(**{names[0]: item}) for item in converter.items]


def test_every_page_that_changes_something_names_its_roles_as_the_api_does(app):
    api = _api_roles(app)
    unguarded, different, compared = [], [], set()
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.") or "POST" not in (rule.methods or ()):
            continue
        if rule.endpoint in BEFORE_SIGNING_IN or rule.endpoint in OPEN_TO_ANY_STAFF:
            continue
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "required_roles", None)
        if roles is None:
            unguarded.append(rule.rule)
            continue
        for action in _actions(app, rule, view.action):
            allowed = api.get(action)
            compared |= {action} if allowed is not None else set()
            if allowed is not None and set(allowed or ("admin", "nurse", "surgeon")) != set(
                    roles):
                different.append((rule.rule, action, roles, allowed))
    assert unguarded == [], "pages that change something without naming who may"
    assert different == [], "pages allowing other roles than the API's same action"
    assert {"alert.acknowledge", "alert.snooze", "alert.bulk_resolve", "patient.create",
            "enrollment.activation_code", "enrollment.channel", "enrollment.outcome",
            "teleconsultation.create", "consent.withdraw", "protocol.publish"} <= compared


@pytest.fixture
def cared_for(world):
    """A nurse's patient with an open alert, and a signed-in administrator's pages."""
    nurse = world.staff("nurse")
    patient, device = world.patient_device(nurse, family_name="Benali", given_name="Ahmed")
    submit(device, "daily-postop", daily(calf_pain=True, pain_now=8, wound_redness=True))
    alert = nurse.get("/api/v1/alerts").json[0]
    enrollment = nurse.get(f"/api/v1/patients/{patient['id']}/enrollments").json[0]
    admin = _web(world.app, world.admin())
    with admin.session_transaction() as session:
        session["csrf"] = "x"
    return patient, enrollment, alert, admin


def _state(app, patient_id) -> dict:
    return {"patients": count(app, Patient), "codes": count(app, ActivationCode),
            "open": count(app, Alert, status="open"),
            "teleconsultations": count(app, Teleconsultation),
            "enrolments": [(e.channel, e.status) for e in _enrolments(app, patient_id)]}


def _enrolments(app, patient_id: str) -> list:
    with app.app_context():
        return list(db.session().scalars(select(Enrollment).where(
            Enrollment.patient_id == uuid.UUID(patient_id))))


def test_an_administrator_reads_but_does_not_care_for_a_patient_on_the_pages(cared_for, app):
    """Over the API an administrator may not enrol, pair a phone, change a channel, record
    an outcome, book a teleconsultation or act on an alert; the pages refused none of it."""
    patient, enrollment, alert, admin = cared_for
    pid, eid = patient["id"], enrollment["id"]
    before = _state(app, pid)
    page = admin.get(f"/web/patients/{pid}")  # reading is allowed, without the actions
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Suspicion de phlébite" in html
    for action in ("/acknowledge", "/resolve", "/channel", "/outcome", "/teleconsultations",
                   "/web/enrol", "Modifier l&#39;INS"):
        assert action not in html, action
    queue = admin.get("/web/queue?team=").get_data(as_text=True)
    assert "BENALI" in queue and "/acknowledge" not in queue
    posts = {
        "/web/enrol": {"family_name": "Faux", "given_name": "Patient",
                       "birth_date": "1960-01-01", "care_team": "team-a"},
        f"/web/patients/{pid}/activation": {},
        f"/web/patients/{pid}/enrollments/{eid}/activation-sms": {"code": "x"},
        f"/web/patients/{pid}/enrollments/{eid}/channel": {"channel": "web"},
        f"/web/patients/{pid}/enrollments/{eid}/outcome": {"kind": "none"},
        f"/web/patients/{pid}/teleconsultations": {"date": "2030-01-01", "time": "10:00"},
        f"/web/alerts/{alert['id']}/acknowledge": {},
        f"/web/alerts/{alert['id']}/note": {"note": "vu"},
        f"/web/alerts/{alert['id']}/snooze": {"minutes": "30"},
        f"/web/alerts/{alert['id']}/resolve": {"outcome": "false_alarm"},
        f"/web/patients/{pid}/alerts/acknowledge": {},
        f"/web/patients/{pid}/alerts/resolve": {"outcome": "false_alarm"},
    }
    for path, form in posts.items():
        answer = admin.post(path, data={"csrf": "x", **form})
        assert answer.status_code == 403, path
        assert "infirmiers et chirurgiens" in answer.get_data(as_text=True)
    assert admin.get("/web/enrol").status_code == 403
    assert _state(app, pid) == before
    refused = {event.action for event in audit_events(app, outcome="denied")
               if event.actor_type == "staff"}
    assert {"patient.create", "enrollment.activation_code", "enrollment.activation_sms",
            "enrollment.channel", "enrollment.outcome", "teleconsultation.create",
            "alert.acknowledge", "alert.note", "alert.snooze", "alert.resolve",
            "alert.bulk_acknowledge", "alert.bulk_resolve"} <= refused
    on_the_patients_path = [event for event in audit_events(app, outcome="denied",
                                                            action="enrollment.channel")]
    assert on_the_patients_path[0].patient_id is not None
    assert str(on_the_patients_path[0].patient_id) == pid
