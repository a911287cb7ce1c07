"""Issue 11 point 9 in a real browser: the wallet page reached inside the host shell's phone frame (the redirect
handoff navigates the webview frame to it) shows no desktop navigation; opened on its own, it does."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.sandbox.test_shell_browser import open_webview, sandbox_transaction, webview_frame

pytestmark = pytest.mark.e2e


def test_wallet_page_in_the_phone_frame_has_no_desktop_navigation(page: Page, site):
    server, credentials = site
    transaction_id = sandbox_transaction(server, credentials, "demo-redirect", "261130-FRAMED01")
    open_webview(page, server, "demo-redirect")
    frame = webview_frame(page)
    frame.goto(f"{server.url}/sandbox/pay/{transaction_id}")  # as the redirect handoff does
    wallet = page.frame_locator('[data-testid="shell-webview"]')
    expect(wallet.get_by_test_id("sandbox-pin")).to_be_visible()
    expect(wallet.locator(".sb-nav")).to_have_count(0)
    page.goto(f"{server.url}/sandbox/pay/{transaction_id}")  # the same page on its own: the navigation is there
    expect(page.locator(".sb-nav")).to_have_count(1)
