"""Phone-sized journeys through the real launch API: search, select, travellers wrong then right, hold, held page.

Every theme runs the flight journey; every product runs in one theme; both languages run. Each screen is
scanned with axe-core (no serious or critical violation allowed) and saved as a PNG under
test-artifacts/screens/ for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_THEMES, DemoSite
from webview.products import get_product

pytestmark = pytest.mark.e2e

AXE = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}


class Journey:
    """One user's walk through the screens, checking and photographing each one."""

    def __init__(self, page: Page, site: DemoSite, screens_dir: Path, partner: str, product: str, locale: str,
                 javascript: bool = True):
        self.page, self.site, self.partner, self.product, self.locale = page, site, partner, product, locale
        self.javascript = javascript  # axe runs as page script: only with JavaScript on
        self.screens_dir = screens_dir
        self.step = 0

    def check_screen(self, name: str) -> None:
        """axe scan (no serious/critical violations) and a screenshot named after the journey and screen."""
        self.step += 1
        if self.javascript:
            results = AXE.run(self.page)
            blocking = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                        for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
            assert not blocking, f"{name}: {blocking}"
        stem = f"{self.partner}-{self.product}-{self.locale}-{self.step:02d}-{name}"
        self.page.screenshot(path=str(self.screens_dir / f"{stem}.png"), full_page=True, scale="css")

    def open(self) -> None:
        # the device speaks the journey's language too: an envelope login carries no locale, so there the device
        # decides (issue 11 point 8); an hmac launch's own locale wins either way
        self.page.set_extra_http_headers({"Accept-Language": self.locale})
        self.page.goto(self.site.launch_url(self.partner, f"e2e-{self.product}-{self.locale}-{self.partner}",
                                            product=self.product, locale=self.locale, layout="dual"))
        expect(self.page.locator("html")).to_have_attribute("lang", self.locale)
        expect(self.page.get_by_test_id(f"product-tab-{self.product}")).to_have_attribute("aria-current", "page")
        self.check_screen("home")

    def search_and_select(self) -> None:
        page = self.page
        if self.product != "vip":
            page.get_by_test_id("search-form").wait_for()
            page.get_by_test_id("search-submit").click()
            expect(page.get_by_test_id("result-item").first).to_be_visible()
            self.check_screen("results")
            page.get_by_test_id("select-offer").first.click()
            expect(page.get_by_test_id("result-item").first).to_be_visible()
            self.check_screen("fares" if self.product == "flight" else "rooms")
        page.get_by_test_id("select-offer").first.click()
        expect(page.get_by_test_id("traveller-form")).to_be_visible()
        self.check_screen("travellers")

    def travellers_wrong_then_right(self) -> None:
        """The product's form wrong then right: the review after it, or (VIP) the confirm screen ready to pay."""
        page = self.page
        product = get_product(self.product)
        form = page.get_by_test_id("traveller-form")
        form.locator('[name="travellers-0-full_name"]').fill("An" if product.asks_id_name else "")
        form.locator('[name="contact_phone"]').fill("12345")
        form.locator('button[type="submit"]').click()
        errors = page.get_by_test_id("form-errors")
        expect(errors).to_be_visible()
        if self.javascript:
            expect(errors).to_be_focused()
        self.check_screen("travellers-errors")
        form = page.get_by_test_id("traveller-form")
        form.locator('[name="travellers-0-full_name"]').fill("Nguyễn Văn An")
        if product.asks_birth_and_gender:
            form.locator('[name="travellers-0-date_of_birth"]').fill("17/05/1990")
            form.locator('[name="travellers-0-gender"][value="male"]').check()
        document = form.locator('[name="travellers-0-document_number"]')
        if document.count():
            document.fill("079090001234")
        if form.locator('[name="contact_name"]').count():
            form.locator('[name="contact_name"]').fill("Nguyễn Văn An")
        form.locator('[name="contact_email"]').fill("an@example.com")
        form.locator('[name="contact_phone"]').fill("0912 345 678")
        if not product.has_travellers_step:  # the confirm screen is the review: its button holds and pays
            expect(page.get_by_test_id("review-total")).to_be_visible()
            return
        form.locator('button[type="submit"]').click()
        expect(page.get_by_test_id("review-total")).to_be_visible()
        expect(page.get_by_text("NGUYEN VAN AN").first).to_be_visible()
        expect(page.get_by_text("0912 345 678", exact=True)).to_be_visible()
        self.check_screen("review")

    def hold(self) -> str:
        page = self.page
        total = page.get_by_test_id("review-total").get_attribute("data-amount")
        page.get_by_test_id("hold-submit").click()
        product = get_product(self.product)
        if not product.has_travellers_step:  # plan → confirm → the partner's payment: come back to the order
            page.wait_for_url(re.compile(r"/sandbox/pay/|/checkout"))
            page.goto(f"{self.site.url}/w/orders")
            page.get_by_test_id("order-item").first.click()
        status = page.get_by_test_id("order-status")
        expect(status).to_have_attribute("data-booking-status", "BOOKED")
        expect(status).to_have_attribute("data-payment-status", "PENDING")
        expect(status).to_have_attribute("data-issue-status", "PENDING")
        reference = status.get_attribute("data-reference-transaction-id")
        assert re.fullmatch(r"\d{6}-[A-Z0-9]+", reference or "")
        assert total and total.isdigit()
        if not product.shows_hold_countdown:
            expect(page.get_by_test_id("hold-countdown")).to_have_count(0)
            expect(page.get_by_test_id("pay-button")).to_be_visible()
            self.check_screen("held")
            return reference
        countdown = page.get_by_test_id("hold-countdown")
        expect(countdown).to_be_visible()
        expect(countdown.locator("[data-clock]")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
        first = countdown.locator("[data-clock]").inner_text()
        expect(countdown.locator("[data-clock]")).not_to_have_text(first, timeout=4000)  # it counts down live
        assert total and total.isdigit()
        self.check_screen("held")
        return reference

    def orders(self, reference: str) -> None:
        page = self.page
        page.goto(f"{self.site.url}/w/orders")
        expect(page.locator(f'[data-testid="order-item"][data-reference-transaction-id="{reference}"]')).to_be_visible()
        self.check_screen("orders")


def run_journey(page, demo_site, screens_dir, partner, product, locale) -> Journey:
    journey = Journey(page, demo_site, screens_dir, partner, product, locale)
    journey.open()
    if journey.product != "flight":
        page.get_by_test_id(f"product-tab-{product}").click()
    journey.search_and_select()
    journey.travellers_wrong_then_right()
    reference = journey.hold()
    journey.orders(reference)
    return journey


@pytest.mark.parametrize("partner", DEMO_THEMES)
def test_flight_journey_in_every_demo_theme(page, demo_site, screens_dir, partner):
    run_journey(page, demo_site, screens_dir, partner, "flight", "vi")


@pytest.mark.parametrize(("product", "locale"), [("hotel", "en"), ("vip", "vi"), ("flight", "en")])
def test_every_product_and_both_languages(page, demo_site, screens_dir, product, locale):
    run_journey(page, demo_site, screens_dir, "demo-redirect", product, locale)


def test_release_a_hold_with_javascript_off(browser, browser_context_args, demo_site, screens_dir):
    context = browser.new_context(**{**browser_context_args, "java_script_enabled": False})
    page = context.new_page()
    try:
        journey = Journey(page, demo_site, screens_dir, "demo-bridge", "hotel", "en", javascript=False)
        page.goto(demo_site.launch_url("demo-bridge", "e2e-nojs", product="hotel", locale="en"))
        journey.search_and_select()
        journey.travellers_wrong_then_right()
        page.get_by_test_id("hold-submit").click()
        expect(page.get_by_test_id("order-status")).to_have_attribute("data-booking-status", "BOOKED")
        page.get_by_test_id("release-hold").click()
        expect(page.get_by_test_id("order-status")).to_have_attribute("data-booking-status", "CANCELLED")
        journey.check_screen("released-nojs")
    finally:
        context.close()
