"""Single sign-on by RPPS number: an administrator sets it (11 digits), the provider's
RPPS claim finds the account."""

from __future__ import annotations

import pytest

from backend.sso.services import normal_rpps
from tests.sso.conftest import choose, through_provider


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SUIVI_OIDC_CLAIM": "rpps"}


def test_an_administrator_sets_an_rpps_of_11_digits(world):
    nurse = world.staff("nurse")
    admin = world.admin()
    for bad in ("1234", "1000000000A", "100000000011"):
        refused = admin.patch(f"/api/v1/staff/{nurse.id}", json={"rpps": bad})
        assert refused.status_code == 422, refused.json
        assert "rpps" in str(refused.json)
    done = admin.patch(f"/api/v1/staff/{nurse.id}", json={"rpps": "10000000001"})
    assert done.status_code == 200 and done.json["rpps"] == "10000000001"
    other = world.staff("nurse")
    clash = admin.patch(f"/api/v1/staff/{other.id}", json={"rpps": "10000000001"})
    assert clash.status_code == 409 and "rpps" in str(clash.json)
    cleared = admin.patch(f"/api/v1/staff/{nurse.id}", json={"rpps": None})
    assert cleared.status_code == 200 and cleared.json["rpps"] is None


def test_the_rpps_claim_finds_the_account(app, client, world, oidc_provider):
    nurse = world.staff("nurse")  # another e-mail than the provider's: the RPPS decides
    world.admin().patch(f"/api/v1/staff/{nurse.id}", json={"rpps": "10000000001"})
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    response = client.get(through_provider(client, oidc_provider))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/web/queue").status_code == 200


def test_without_an_rpps_set_nobody_is_found(client, world, oidc_provider):
    world.staff("nurse", email="nurse.sso@example.org")  # same e-mail, but the RPPS decides
    choose(oidc_provider, acr="eidas2", amr=("mfa",))
    response = client.get(through_provider(client, oidc_provider))
    assert response.status_code == 403


def test_pro_sante_connect_national_identifiers_read_as_rpps():
    assert normal_rpps("810000000001") == "10000000001"
    assert normal_rpps("10000000001") == "10000000001"
    assert normal_rpps("1000") is None and normal_rpps(None) is None
