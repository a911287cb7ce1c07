"""The phone matrix and page helpers shared by the issue-17 browser suites (picker, VIP funnel, dates); their
fixtures (`phone`, `issue17_dir`) live in tests/e2e/conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.e2e.conftest import DemoSite

PHONES = {"pixel7": {"width": 412, "height": 915}, "w360": {"width": 360, "height": 740}}
# every language, size and colour scheme (2 x 2 x 2)
MATRIX = [(locale, size, scheme) for locale in ("vi", "en") for size in PHONES for scheme in ("light", "dark")]
PARTNER = "demo-redirect"


def open_webview(page: Page, site: DemoSite, locale: str, product: str, user: str) -> None:
    """Launch a dual-layout webview as the demo partner, on the product's tab, in the language."""
    page.set_extra_http_headers({"Accept-Language": locale})
    page.goto(site.launch_url(PARTNER, user, product=product, locale=locale, layout="dual"))
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.get_by_test_id(f"product-tab-{product}")).to_have_attribute("aria-current", "page")


def assert_fits(page: Page) -> None:
    """No sideways scrolling: the document is no wider than the viewport."""
    page.wait_for_load_state()
    width = page.viewport_size["width"]
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide on a {width} px phone"


def shot(page: Page, folder: Path, name: str) -> None:
    """A viewport-sized phone screenshot (what the user sees)."""
    page.screenshot(path=str(folder / f"{name}.png"), scale="css")
