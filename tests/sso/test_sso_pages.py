"""Staff single sign-on against a real OpenID Connect provider (tests/sso/provider): the
whole flow over HTTP, authlib checking the provider's real ID tokens."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest

from backend import db
from backend.audit.models import AuditEvent
from backend.auth.models import StaffUser
from tests.helpers import audit_events
from tests.sso.conftest import choose, through_provider

NURSE_EMAIL = "nurse.sso@example.org"


@pytest.fixture
def nurse(world):
    return world.staff("nurse", email=NURSE_EMAIL, enrol_mfa=True)


def _details(app, action: str = "auth.oidc") -> list[dict]:
    return [event.detail for event in audit_events(app, action=action)]


def _signed_in(client) -> bool:
    return client.get("/web/queue").status_code == 200


def _account(app, email: str = NURSE_EMAIL) -> StaffUser:
    from sqlalchemy import select

    from backend.auth.models import email_index

    with app.app_context():
        return db.session().scalar(select(StaffUser)
                                   .where(StaffUser.email_index == email_index(email)))


def test_the_login_page_offers_the_provider(client, oidc_provider):
    page = client.get("/web/login").get_data(as_text=True)
    assert "Se connecter avec Pro Santé Connect" in page
    assert "/web/sso/start" in page


def test_a_mapped_nurse_with_provider_mfa_signs_in_without_local_totp(app, client, nurse,
                                                                      oidc_provider):
    choose(oidc_provider, acr="eidas2", amr=("pwd", "otp"))
    start = client.get("/web/sso/start")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"]
    response = client.get(through_provider(client, oidc_provider))
    assert response.status_code == 302 and response.headers["Location"] == "/web/queue"
    assert _signed_in(client)
    assert _account(app).oidc_subject == "psc-nurse-1"
    assert _details(app, "auth.login")[-1] == {"via": "oidc", "provider_mfa": True}


def test_without_provider_mfa_the_local_totp_is_asked(app, client, nurse, world, oidc_provider):
    choose(oidc_provider, acr="eidas1", amr=("pwd",))
    response = client.get(through_provider(client, oidc_provider))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="mfa_token"' in page
    assert not _signed_in(client)
    mfa_token = page.split('name="mfa_token" value="')[1].split('"')[0]
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    world.clock.advance(seconds=30)  # the enrolment spent the current code
    code = pyotp.TOTP(nurse.info["totp_secret"]).at(world.clock.now())
    done = client.post("/web/mfa", data={"csrf": csrf, "mfa_token": mfa_token, "code": code})
    assert done.status_code == 302
    assert _signed_in(client)


def test_an_unknown_person_is_refused_and_the_refusal_audited(app, client, nurse,
                                                             oidc_provider):
    choose(oidc_provider, account="stranger", acr="eidas2", amr=("mfa",))
    response = client.get(through_provider(client, oidc_provider))
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Aucun compte Suivi ne correspond à cette identité" in page
    assert not _signed_in(client)
    assert _details(app) == [{"reason": "no staff account for this identity"}]
    with app.app_context():
        assert db.session().query(StaffUser).count() == 2  # the admin and the nurse, no other


def test_a_deactivated_account_is_refused(app, client, nurse, world, oidc_provider):
    admin = world.admin()
    assert admin.patch(f"/api/v1/staff/{nurse.id}", json={"active": False}).status_code == 200
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    response = client.get(through_provider(client, oidc_provider))
    assert response.status_code == 403
    assert "Ce compte Suivi est désactivé" in response.get_data(as_text=True)
    assert not _signed_in(client)
    assert _details(app) == [{"reason": "account deactivated"}]


def test_a_second_identity_cannot_take_a_bound_account(app, client, nurse, oidc_provider):
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    client.get(through_provider(client, oidc_provider))
    client.post("/web/logout")
    other = app.test_client()
    choose(oidc_provider, account="other", acr="eidas2", amr=("mfa",))
    response = other.get(through_provider(other, oidc_provider))
    assert response.status_code == 403
    assert "lié à une autre identité" in response.get_data(as_text=True)


def test_a_tampered_state_is_refused(app, client, nurse, oidc_provider):
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    callback = urlsplit(through_provider(client, oidc_provider))
    query = parse_qs(callback.query)
    query["state"] = ["forged-" + query["state"][0]]
    response = client.get(f"{callback.path}?{urlencode(query, doseq=True)}")
    assert response.status_code == 401
    assert not _signed_in(client)
    assert _details(app) == [{"reason": "mismatching_state"}]


def test_a_callback_from_another_browser_is_refused(app, client, nurse, oidc_provider):
    """Login CSRF: a code obtained in the attacker's browser, replayed in the victim's."""
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    callback = through_provider(client, oidc_provider)
    victim = app.test_client()
    response = victim.get(callback)
    assert response.status_code == 401
    assert not _signed_in(victim)


def test_a_tampered_nonce_is_refused(app, client, nurse, oidc_provider):
    """The ID token carries the nonce of the sign-in that started it: a session whose
    remembered nonce differs refuses the token (authlib's check, not a mock)."""
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    callback = through_provider(client, oidc_provider)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    with client.session_transaction() as session:
        key = next(name for name in session if name.endswith(state))
        remembered = dict(session[key])
        remembered["data"] = {**remembered["data"], "nonce": "another-nonce"}
        session[key] = remembered
    response = client.get(callback)
    assert response.status_code == 401
    assert not _signed_in(client)
    assert "nonce" in _details(app)[0]["reason"]


def test_access_denied_at_the_provider_shows_a_clear_message(app, client, nurse, oidc_provider):
    choose(oidc_provider, deny=True)
    response = client.get(through_provider(client, oidc_provider))
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "ne vous a pas connecté (connexion refusée ou annulée)" in page
    assert _details(app) == [{"reason": "access_denied"}]


def test_nothing_secret_in_the_audit_trail(app, client, nurse, oidc_provider):
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    client.get(through_provider(client, oidc_provider))
    with app.app_context():
        details = [str(event.detail) for event in db.session().query(AuditEvent)]
    assert not any("eyJ" in detail or NURSE_EMAIL in detail for detail in details)


def test_logout_ends_the_provider_session_too(client, nurse, oidc_provider):
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    client.get(through_provider(client, oidc_provider))
    page = client.get("/web/queue").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    response = client.post("/web/logout", data={"csrf": csrf})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{oidc_provider}/session/end?")
    assert "id_token_hint=" in response.headers["Location"]
    assert not _signed_in(client)
