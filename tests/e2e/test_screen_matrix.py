"""Issue 17's screen matrix: the main screens of one partner, in Vietnamese and English, light and dark, on a Pixel 7
(412x915) and a cheap 360x740 phone. On every screen and variant the document is never wider than the viewport and
axe-core finds no serious or critical violation; each variant is saved under test-artifacts/issue17/matrix/.

One booking per language serves every screen after the search (travellers, review, held, result, my orders): the
variants of a screen are the same page re-laid at another size and colour scheme, not another booking.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DemoSite

pytestmark = pytest.mark.e2e

AXE = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}
PARTNER = "demo-envelope"  # orange, envelope profile: its language comes from the URL it is opened with
VIEWPORTS = ({"width": 412, "height": 915}, {"width": 360, "height": 740})
SCHEMES = ("light", "dark")
PIN = "123456"
SPILLS = """(width) => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > width + 0.5)
  .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}#${el.id}`)"""


@pytest.fixture(scope="session")
def matrix_dir(artifacts_dir) -> Path:
    path = artifacts_dir / "issue17" / "matrix"
    path.mkdir(parents=True, exist_ok=True)
    return path


class Matrix:
    """Photographs and checks one screen in every viewport and colour scheme."""

    def __init__(self, page: Page, folder: Path, locale: str) -> None:
        self.page, self.folder, self.locale = page, folder, locale
        self.step = 0
        self.seen: list[str] = []

    def screen(self, name: str) -> None:
        self.step += 1
        page = self.page
        page.wait_for_load_state()
        for viewport in VIEWPORTS:
            page.set_viewport_size(viewport)
            for scheme in SCHEMES:
                # reduced motion: no colour transition is caught half-way when the scheme flips between variants
                page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
                label = f"{name} {self.locale} {scheme} {viewport['width']}"
                width = page.evaluate("() => document.documentElement.scrollWidth")
                assert width <= viewport["width"], f"{label}: {width} px wide: " \
                                                   f"{page.evaluate(SPILLS, viewport['width'])}"
                results = AXE.run(page)
                blocking = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                            for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
                assert not blocking, f"{label}: {blocking}"
                stem = f"{self.locale}-{viewport['width']}-{scheme}-{self.step:02d}-{name}"
                page.screenshot(path=str(self.folder / f"{stem}.png"), full_page=True, scale="css")
        page.set_viewport_size(VIEWPORTS[0])
        page.emulate_media(color_scheme="light")
        self.seen.append(name)


def fill_if_present(page: Page, name: str, value: str) -> None:
    field = page.locator(f'[name="{name}"]')
    if field.count() and field.first.is_visible():
        field.first.fill(value)


def run_jobs(site: DemoSite) -> None:
    from tests.e2e.test_pay_journeys import run_jobs as run

    run(site.server)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_main_screen_fits_and_passes_axe(page, demo_site, matrix_dir, locale):
    page.set_default_timeout(20_000)
    page.set_extra_http_headers({"Accept-Language": "vi" if locale == "en" else "en"})  # the launch decides
    matrix = Matrix(page, matrix_dir, locale)
    base = demo_site.url
    page.goto(demo_site.launch_url(PARTNER, f"matrix-{locale}", locale=locale, product="flight", layout="dual"))
    expect(page.locator("html")).to_have_attribute("lang", locale)

    for product in ("flight", "hotel", "vip"):
        page.goto(f"{base}/w/?product={product}")
        expect(page.get_by_test_id(f"product-tab-{product}")).to_have_attribute("aria-current", "page")
        matrix.screen(f"home-{product}")

    page.goto(f"{base}/w/?product=flight")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("result-item").first).to_be_visible()
    matrix.screen("results-flight")

    page.goto(f"{base}/w/?product=hotel")
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("result-item").first).to_be_visible()
    matrix.screen("results-hotel")

    page.get_by_test_id("select-offer").first.click()
    page.get_by_test_id("select-offer").first.click()
    form = page.get_by_test_id("traveller-form")
    expect(form).to_be_visible()
    matrix.screen("travellers")

    fill_if_present(page, "travellers-0-full_name", "Nguyễn Văn An")
    fill_if_present(page, "travellers-0-date_of_birth", "17/05/1990")
    gender = page.locator('[name="travellers-0-gender"][value="male"]')
    if gender.count():
        gender.check()
    fill_if_present(page, "travellers-0-document_number", "079090001234")
    fill_if_present(page, "contact_name", "Nguyễn Văn An")
    fill_if_present(page, "contact_email", f"matrix-{locale}@example.com")
    fill_if_present(page, "contact_phone", "0912 345 678")
    form.locator('button[type="submit"]').last.click()
    expect(page.get_by_test_id("review-total")).to_be_visible()
    matrix.screen("review")

    page.get_by_test_id("hold-submit").click()
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-booking-status", "BOOKED")
    reference = status.get_attribute("data-reference-transaction-id") or ""
    assert re.fullmatch(r"\d{6}-[A-Z0-9]+", reference)
    matrix.screen("held")

    page.get_by_test_id("pay-button").click()
    page.get_by_test_id("sandbox-pin").fill(PIN)
    page.get_by_test_id("sandbox-approve").click()
    page.wait_for_url(re.compile(r"/w/result\?"))
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-payment-status", "SUCCESS")
    run_jobs(demo_site)
    expect(status).to_have_attribute("data-issue-status", "SUCCESS", timeout=30_000)
    expect(page.locator("html")).to_have_attribute("lang", locale)
    matrix.screen("result")

    page.goto(f"{base}/w/orders")
    expect(page.locator(f'[data-testid="order-item"][data-reference-transaction-id="{reference}"]')).to_be_visible()
    matrix.screen("my-orders")

    assert matrix.seen == ["home-flight", "home-hotel", "home-vip", "results-flight", "results-hotel", "travellers",
                           "review", "held", "result", "my-orders"]
