"""Browser tests: the real app over real HTTP, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is required (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def _refused_by_policy(page) -> list[str]:
    """What the pages' Content-Security-Policy blocked: a page relying on an inline
    script or a foreign resource would break for real users."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    refused = _refused_by_policy(page)
    yield page
    context.close()
    assert refused == []


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE_DIR = Path(__file__).resolve().parent / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (npm, test-only; scripts/install.sh installs it, or this does)."""
    if not AXE.exists():
        import shutil
        import subprocess

        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is required for the accessibility checks (Debian package npm)")
        subprocess.run([npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=AXE_DIR,
                       check=True, timeout=300)
    return AXE.read_text()


@pytest.fixture
def phone(browser):
    """A 390 px wide phone screen."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR",
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    refused = _refused_by_policy(page)
    yield page
    context.close()
    assert refused == []
