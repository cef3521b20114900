"""What the browser tests do on every page: sign in, check accessibility, take pictures."""

from __future__ import annotations

from pathlib import Path

import pyotp
from playwright.sync_api import expect

from tests.helpers import PASSWORD
from tests.web.conftest import ARTIFACTS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def sign_in(page, base, clock, staff) -> None:
    clock.advance(seconds=31)  # the enrolment's TOTP code cannot be replayed
    page.goto(f"{base}/web/login")
    page.get_by_label("Adresse e-mail").fill(staff.info["email"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(
        pyotp.TOTP(staff.info["totp_secret"]).at(clock.now()))
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def accessible(page, axe_source: str) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    if not page.evaluate("() => !!window.axe"):
        # Evaluated by the test driver, not as a <script> of the page: the pages' CSP
        # allows their own scripts only.
        page.evaluate(f"{axe_source}\n;void 0")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.filter(v => ["serious", "critical"].includes(v.impact))
            .map(v => ({id: v.id, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")
    assert result == [], f"{page.url}: {result}"


def fits(page) -> None:
    """Nothing makes the page scroll sideways."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls {overflow} px sideways"


def shoot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
