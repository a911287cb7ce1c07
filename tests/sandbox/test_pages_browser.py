"""Every sandbox page scanned with axe-core (no serious or critical violation) and photographed at phone and
desktop sizes into test-artifacts/sandbox/ for people to look at."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.sandbox.test_shell_browser import open_webview, sandbox_transaction

pytestmark = pytest.mark.e2e

AXE = Axe()
BLOCKING = {"serious", "critical"}
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def check(page: Page, shots, name: str) -> None:
    """axe (the sandbox's own markup; framed webview pages are scanned by the webview's suite) and screenshots."""
    results = AXE.run(page, options={"iframes": False})
    blocking = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: {blocking}"
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(shots / f"{name}-{size}.png"), full_page=True)


@pytest.fixture
def shots(artifacts_dir):
    path = artifacts_dir / "sandbox"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_pages_are_accessible_and_photographed(page: Page, site, shots):
    server, credentials = site
    open_webview(page, server, "demo-bridge")
    check(page, shots, "shell")

    transaction_id = sandbox_transaction(server, credentials, "demo-redirect", "261125-SHOTS001")
    page.goto(f"{server.url}/sandbox/pay/{transaction_id}")
    check(page, shots, "payment")
    page.get_by_test_id("sandbox-knobs").locator("summary").click()
    page.get_by_test_id("sandbox-pin").fill("12ab")
    page.get_by_test_id("sandbox-approve").click()
    expect(page.get_by_test_id("sandbox-error")).to_be_visible()
    check(page, shots, "payment-error")

    page.goto(f"{server.url}/sandbox/partner/demo-envelope/pay?key=AAAA&data=BBBB")
    check(page, shots, "payment-refused")

    page.goto(f"{server.url}/sandbox/messages/")
    expect(page.get_by_test_id("message-row").first).to_be_visible()
    check(page, shots, "inspector")
    page.get_by_test_id("message-row").last.locator("a").first.click()
    check(page, shots, "inspector-detail")

    for path, name in (("/sandbox/operator/?reference=261125-NOPE0000", "operator"), ("/sandbox/cases/", "cases")):
        page.goto(server.url + path)
        check(page, shots, name)
