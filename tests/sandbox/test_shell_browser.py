"""The host shell in a real browser: bridge injection and callback, deep-link and app-link routing, the payment
sheet, dark mode reaching the framed webview. Screenshots go to test-artifacts/sandbox/."""

from __future__ import annotations

import json
import time

import pytest
import requests
from playwright.sync_api import Page, expect

from sandbox.protocol import hmac_auth

pytestmark = pytest.mark.e2e


@pytest.fixture
def shots(artifacts_dir):
    path = artifacts_dir / "sandbox"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sandbox_transaction(server, credentials, code: str, reference: str, amount: int = 1_500_000) -> str:
    """A payment opened at the sandbox partner, signed as the merchant would sign it."""
    partner = credentials[code]
    body = json.dumps({
        "reference_transaction_id": reference, "amount": amount, "currency": "VND", "description": "Test order",
        "ipn_url": f"{server.url}/api/v1/payment/ipn", "return_url": f"{server.url}/w/result?partner_code={code}",
        "expires_at": int(time.time() * 1000) + 600_000, "customer": {"identify_code": "browser-user"}}).encode()
    headers = {"Content-Type": "application/json",
               **hmac_auth.signed_headers(partner["client_id"], partner["client_secret"], body)}
    answer = requests.post(f"{server.url}/sandbox/partner/{code}/transactions", data=body, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["transaction_id"]


def open_webview(page: Page, server, code: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{server.url}/sandbox/")
    page.get_by_test_id("shell-partner-code").select_option(code)
    page.get_by_test_id("shell-product").select_option("vip")
    page.get_by_test_id("shell-open").click()
    expect(page.get_by_test_id("shell-webview")).to_be_visible()
    page.frame_locator('[data-testid="shell-webview"]').locator("body").wait_for()
    expect(page.get_by_test_id("shell-log").locator('li[data-kind="navigate"]').first).to_be_visible()


def webview_frame(page: Page):
    return page.frame(name="webview")


def pay_in_sheet(page: Page) -> None:
    sheet = page.frame_locator('[data-testid="shell-sheet-frame"]')
    expect(page.get_by_test_id("shell-sheet")).to_be_visible()
    sheet.get_by_test_id("sandbox-pin").fill("123456")
    sheet.get_by_test_id("sandbox-approve").click()
    expect(page.get_by_test_id("shell-sheet")).to_be_hidden(timeout=15_000)


def test_bridge_is_injected_and_calls_back(page: Page, site, shots):
    server, credentials = site
    open_webview(page, server, "demo-bridge")
    frame = webview_frame(page)
    frame.wait_for_function("() => typeof window.SandboxBridge === 'object'")
    transaction_id = sandbox_transaction(server, credentials, "demo-bridge", "261125-BRIDGE01")
    frame.evaluate("""([id, amount]) => { window.__bridgeResult = null;
        window.SandboxBridge.openPayment(id, amount, (result) => { window.__bridgeResult = result; }); }""",
                   [transaction_id, 1_500_000])
    page.frame_locator('[data-testid="shell-sheet-frame"]').get_by_test_id("sandbox-pin").wait_for()
    page.screenshot(path=str(shots / "shell-bridge-sheet-desktop.png"))
    pay_in_sheet(page)
    result = frame.wait_for_function("() => window.__bridgeResult").json_value()
    assert result == {"status": "success", "transaction_id": transaction_id}
    kinds = page.get_by_test_id("shell-log").locator("li").evaluate_all("items => items.map(i => i.dataset.kind)")
    assert "bridge" in kinds and "callback" in kinds


def test_bridge_is_not_injected_for_other_partners(page: Page, site):
    server, _ = site
    open_webview(page, server, "demo-redirect")
    assert webview_frame(page).evaluate("() => typeof window.SandboxBridge") == "undefined"


@pytest.mark.parametrize("how", ["click", "post-message", "app-link"])
def test_deep_links_are_routed_like_the_native_app(page: Page, site, shots, how):
    server, credentials = site
    open_webview(page, server, "demo-deeplink")
    transaction_id = sandbox_transaction(server, credentials, "demo-deeplink", f"261125-DEEP{how[:4].upper()}")
    deeplink = f"sandboxpay://pay?transaction_id={transaction_id}&amount=1500000"
    frame = webview_frame(page)
    if how == "post-message":
        frame.evaluate("(url) => window.parent.postMessage({type: 'webview:open-url', url}, location.origin)",
                       deeplink)
    else:
        href = deeplink if how == "click" else f"{server.url}/sandbox/app/pay?transaction_id={transaction_id}"
        frame.evaluate("""(href) => { const a = document.createElement('a'); a.href = href; a.textContent = 'pay';
            a.id = 'sandbox-test-link'; document.body.prepend(a); }""", href)
        frame.locator("#sandbox-test-link").click()
    log = page.get_by_test_id("shell-log")
    expect(log.locator(f'li[data-kind="{"applink" if how == "app-link" else "deeplink"}"]')).to_have_count(1)
    if how == "click":
        page.frame_locator('[data-testid="shell-sheet-frame"]').get_by_test_id("sandbox-pin").wait_for()
        page.screenshot(path=str(shots / "shell-deeplink-sheet-desktop.png"))
    pay_in_sheet(page)
    page.wait_for_function("() => document.querySelector('[data-testid=shell-webview]').contentWindow"
                           ".location.pathname === '/w/result'")


def test_dark_mode_reaches_the_framed_webview(page: Page, site, shots):
    server, _ = site
    open_webview(page, server, "demo-redirect")
    background = ("() => getComputedStyle(document.documentElement).getPropertyValue('--wv-bg-color')"
                  ".trim().toLowerCase()")
    assert webview_frame(page).evaluate(background) == "#ffffff"  # demo-redirect's light bg_color
    page.get_by_test_id("shell-scheme").click()
    expect(page.locator("html")).to_have_attribute("data-scheme", "dark")
    assert webview_frame(page).evaluate(background) == "#0f1b2d"  # its dark bg_color
    page.screenshot(path=str(shots / "shell-dark-desktop.png"))
    page.get_by_test_id("shell-scheme").click()
    assert webview_frame(page).evaluate(background) == "#ffffff"


def test_theme_playground_shows_the_api_refusal(page: Page, site):
    server, _ = site
    page.goto(f"{server.url}/sandbox/")
    page.get_by_test_id("shell-partner-code").select_option("demo-redirect")
    page.locator("summary", has_text="Theme").first.click()
    page.get_by_test_id("shell-theme").fill('{"button_color": "#ffffff", "button_text_color": "#fefefe"}')
    page.get_by_test_id("shell-open").click()
    expect(page.get_by_test_id("shell-error")).to_contain_text('"code": 1')
    expect(page.get_by_test_id("shell-webview")).to_have_count(0)
