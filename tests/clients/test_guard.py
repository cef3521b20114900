"""``scope_required``, the one guard of client scopes (the FHIR routes use it too): a
scope a token holds, or covers (``system/*.read``), passes; staff pass only where the
view says so."""

from __future__ import annotations

import pytest

from backend.auth.principal import scope_required
from tests.clients.support import client_caller, new_client


@pytest.fixture
def guarded(app):
    """Two views registered before any request: clients only, and clients or nurses."""
    app.add_url_rule("/test/clients-only", "clients_only", scope_required(
        "system/Patient.read", action="test.read")(lambda: {"ok": True}))
    app.add_url_rule("/test/clients-or-nurses", "clients_or_nurses", scope_required(
        "system/Patient.read", action="test.read", staff_roles=("nurse",))(
        lambda: {"ok": True}))
    return app


def test_a_scope_held_or_covered_passes(guarded, world):
    for scopes in (("system/Patient.read",), ("system/*.read",)):
        caller = client_caller(guarded, new_client(world, scopes=scopes))
        assert caller.get("/test/clients-only").status_code == 200, scopes
    writer = client_caller(guarded, new_client(world, scopes=("system/Observation.write",)))
    assert writer.get("/test/clients-only").status_code == 403


def test_staff_pass_only_where_the_view_lets_them(guarded, world):
    nurse, surgeon = world.staff("nurse"), world.staff("surgeon")
    _, device = world.patient_device(nurse)
    assert nurse.get("/test/clients-only").status_code == 403
    assert nurse.get("/test/clients-or-nurses").status_code == 200
    assert surgeon.get("/test/clients-or-nurses").status_code == 403
    assert device.get("/test/clients-or-nurses").status_code == 403
    assert guarded.test_client().get("/test/clients-or-nurses").status_code == 401
