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
def test_no_screen_is_wider_than_a_360px_phone(narrow_page, demo_site, narrow_dir, product, locale):
    journey = NarrowJourney(narrow_page, demo_site, narrow_dir, "demo-redirect", product, locale)
    journey.open()
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
