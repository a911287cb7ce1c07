"""Phone-viewport screenshots of every HTML email (artifacts under test-artifacts/emails/)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.emails.conftest import THEMES, add_partner, make_order
from webview.emails import EMAIL_KINDS, render_email

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "emails"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]


@pytest.mark.e2e
def test_every_html_email_renders_on_a_phone(app):
    from playwright import sync_api
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    partners = {name: add_partner(name="Ví Demo" if name == "default" else "GreenPay", theme=theme)
                for name, theme in THEMES.items()}
    rendered = {}
    for kind in EMAIL_KINDS:
        extra = {"refund_amount": 600_000, "refund_full": False} if kind == "refunded" else {}
        for locale in ("vi", "en"):
            for theme_name, partner in partners.items():
                order = make_order("hotel" if theme_name == "green" else "flight", **extra)
                rendered[f"{kind}-{locale}-{theme_name}"] = render_email(kind, locale=locale, partner=partner,
                                                                         order=order).html
    failures: list[BaseException] = []

    def shoot() -> None:
        try:
            take_screenshots(sync_api, rendered)
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    # Playwright's sync API refuses to run where an asyncio loop is running (pytest-playwright's session
    # may have one in this thread), so the browser is driven from a thread of its own.
    thread = threading.Thread(target=shoot)
    thread.start()
    thread.join(timeout=240)
    assert not thread.is_alive(), "screenshots timed out"
    if failures:
        raise failures[0]
    assert len(list(ARTIFACTS.glob("*.png"))) >= len(EMAIL_KINDS) * 4


def take_screenshots(sync_api, rendered: dict[str, str]) -> None:
    """Open each email at 390x844 (no scripts, no network) and save a full-page PNG."""
    launch: dict = {"args": LAUNCH_ARGS}
    if CHROMIUM.exists():
        launch["executable_path"] = str(CHROMIUM)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                    java_script_enabled=False)
            page.route("**/*", lambda route: route.abort())  # no network: images from partners' CDNs stay out
            for name, html in rendered.items():
                page.set_content(html, wait_until="load")
                # the card fits the phone: nothing wider than the viewport
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
                path = ARTIFACTS / f"{name}.png"
                page.screenshot(path=str(path), full_page=True)
                assert path.stat().st_size > 5000
        finally:
            browser.close()
