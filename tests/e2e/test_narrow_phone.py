"""A cheap 360×740 phone: no screen may be wider than the viewport (no sideways scrolling), in both languages.

Each journey of test_journeys runs at 360 px; after every screen the document's scroll width is compared with the
viewport, and the offending elements are named when it spills. Screenshots go to test-artifacts/screens-360/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_journeys import Journey

pytestmark = pytest.mark.e2e

NARROW = {"width": 360, "height": 740}

# The elements whose right edge passes the viewport (a few, for the failure message).
SPILLS = """() => {
  const width = 360;
  return [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}#${el.id}`);
}"""


# The product tab row's last tab against the row's content box (inside its padding), and the web bar's title.
TAB_ROW_FIT = """() => {
  const row = document.querySelector('nav.tabs');
  const last = row.lastElementChild.getBoundingClientRect(), box = row.getBoundingClientRect();
  const style = getComputedStyle(row);
  return {last: last.right, inner: box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth),
          label: [...row.children].map((tab) => tab.scrollWidth - tab.clientWidth)};
}"""
BAR_TITLE_FIT = """() => {
  const title = document.querySelector('header.bar h1');
  return {scroll: title.scrollWidth, client: title.clientWidth, text: title.textContent.trim()};
}"""


def gaps_dir(artifacts_dir: Path) -> Path:
    path = artifacts_dir / "gaps"
    path.mkdir(parents=True, exist_ok=True)
    return path


def assert_tab_row_fits(page, shot: Path) -> None:
    """Every product tab sits inside the tab row's padding, its label whole (gaps 6)."""
    page.locator("nav.tabs").screenshot(path=str(shot), scale="css")
    fit = page.evaluate(TAB_ROW_FIT)
    assert fit["last"] <= fit["inner"] + 0.5, f"the last product tab passes the tab row's edge: {fit}"
    assert all(cut <= 0 for cut in fit["label"]), f"a product tab's label is cut: {fit}"


def assert_bar_title_whole(page, shot: Path) -> None:
    """The web bar's title is not cut (no ellipsis) beside the language switch (gaps 6)."""
    page.locator("header.bar").screenshot(path=str(shot), scale="css")
    fit = page.evaluate(BAR_TITLE_FIT)
    assert fit["scroll"] <= fit["client"], f"the web bar's title is cut: {fit}"


class NarrowJourney(Journey):
    """The same walk through the screens, checking that each one fits the phone's width."""

    def check_screen(self, name: str) -> None:
        self.step += 1
        self.page.wait_for_load_state()
        # A mobile browser widens its layout viewport to fit content that spills, so the phone's own width is the
        # yardstick, not window.innerWidth.
        width = self.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"{name} is {width} px wide on a {NARROW['width']} px phone: " \
                                         f"{self.page.evaluate(SPILLS)}"
        stem = f"{self.partner}-{self.product}-{self.locale}-{self.step:02d}-{name}"
        self.page.screenshot(path=str(self.screens_dir / f"{stem}.png"), full_page=True, scale="css")


@pytest.fixture
def narrow_page(browser, browser_context_args):
    context = browser.new_context(**{**browser_context_args, "viewport": NARROW, "screen": NARROW})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def narrow_dir(artifacts_dir) -> Path:
    path = artifacts_dir / "screens-360"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize(("product", "locale"), [("hotel", "vi"), ("hotel", "en"), ("flight", "vi"),
                                                 ("flight", "en"), ("vip", "vi")])
def test_no_screen_is_wider_than_a_360px_phone(narrow_page, demo_site, narrow_dir, artifacts_dir, product, locale):
    journey = NarrowJourney(narrow_page, demo_site, narrow_dir, "demo-redirect", product, locale)
    journey.open()
    shots = gaps_dir(artifacts_dir)
    assert_tab_row_fits(narrow_page, shots / f"tabs-{product}-{locale}.png")
    if product == "flight":  # the search button is reachable without scrolling, above the bottom navigation
        button = narrow_page.get_by_test_id("search-submit").bounding_box()
        nav = narrow_page.locator("nav.nav").bounding_box()
        assert button["y"] + button["height"] <= min(nav["y"], NARROW["height"]), (button, nav)
    if product != "flight":
        narrow_page.get_by_test_id(f"product-tab-{product}").click()
        journey.check_screen("search")
    journey.search_and_select()
    journey.travellers_wrong_then_right()
    reference = journey.hold()
    journey.orders(reference)
    narrow_page.goto(f"{demo_site.url}/w/orders/{reference}")
    journey.check_screen("order")
    assert_bar_title_whole(narrow_page, shots / f"bar-order-{product}-{locale}.png")
