"""The held screen and a declined payment in a phone browser (issue 17 point 8).

A held flight shows one status block (the countdown inside it), cards 12 px apart and a pay bar that stays in view
above the bottom edge when the page is scrolled to the end, at a Pixel 7 and at 360×740, light and dark, vi and en.
A payment declined on the sandbox wallet shows the wallet's reason, and "Try again" lands on the wallet's payment
page for a new booking in one tap. axe on both; screenshots in test-artifacts/issue17/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_result_screen import PHONES, PIN, check_fits_and_axe, hold_for, launch

pytestmark = pytest.mark.e2e

GAPS = """() => {
  const cards = [...document.querySelectorAll('main > .card, main > div > .card')]
    .filter((el) => el.offsetParent !== null);
  const gaps = [];
  for (let i = 1; i < cards.length; i += 1) {
    gaps.push(Math.round(cards[i].getBoundingClientRect().top - cards[i - 1].getBoundingClientRect().bottom));
  }
  return {gaps, margins: cards.slice(1).map((el) => getComputedStyle(el).marginTop)};
}"""


@pytest.fixture(scope="module")
def shots(artifacts_dir) -> Path:
    path = artifacts_dir / "issue17"
    path.mkdir(parents=True, exist_ok=True)
    return path


HELD_WORDS = {"vi": re.compile(r"giữ chỗ", re.I), "en": re.compile(r"\bheld\b", re.I)}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("phone", ["pixel7", "360"])
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_held_screen_has_one_status_block_spaced_cards_and_a_pay_bar_always_in_reach(browser, site, shots,
                                                                                      locale, phone, scheme):
    context = browser.new_context(**PHONES[phone], color_scheme=scheme)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        user = f"e2e-i17-held-{locale}-{phone}-{scheme}"
        launch(page, site, user, locale)
        reference = hold_for(site, user, "flight", locale)
        page.goto(f"{site.url}/w/orders/{reference}")
        status = page.get_by_test_id("order-status")
        expect(status).to_have_count(1)
        expect(status).to_have_attribute("data-payment-status", "PENDING")
        expect(status.get_by_test_id("hold-countdown")).to_be_visible()
        expect(page.get_by_test_id("hold-countdown")).to_have_count(1)
        # the status is said once (the release button below names the hold as the action it is)
        words = " ".join(page.locator("main > :not(form)").all_inner_texts())
        held_said = len(HELD_WORDS[locale].findall(words))
        assert held_said <= 1, f"'held' is said {held_said} times: {words}"
        spacing = page.evaluate(GAPS)
        assert spacing["gaps"] and set(spacing["gaps"]) == {12}, spacing
        assert set(spacing["margins"]) == {"12px"}, spacing
        expect(page.locator("nav.nav")).to_have_count(0)
        check_fits_and_axe(page, "held")
        page.screenshot(path=str(shots / f"held-{locale}-{scheme}-{phone}.png"), full_page=False, scale="css")
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_timeout(100)
        viewport = page.viewport_size
        bar = page.get_by_test_id("pay-bar").bounding_box()
        button = page.get_by_test_id("pay-button").bounding_box()
        for box in (bar, button):
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 0.5, (box, viewport)
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, (box, viewport)
        # the bar covers nothing: the last card ends above it when scrolled to the end
        last = page.locator("main > *:not(.paybar):not(script)").last.bounding_box()
        assert last["y"] + last["height"] <= bar["y"] + 0.5, (last, bar)
        page.screenshot(path=str(shots / f"held-{locale}-{scheme}-{phone}-bottom.png"), full_page=False, scale="css")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_a_decline_shows_the_wallets_reason_and_try_again_opens_the_wallet_in_one_tap(browser, site, shots, locale,
                                                                                      scheme):
    context = browser.new_context(**PHONES["pixel7"], color_scheme=scheme)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        user = f"e2e-i17-decline-{locale}-{scheme}"
        launch(page, site, user, locale)
        reference = hold_for(site, user, "flight", locale)
        page.goto(f"{site.url}/w/orders/{reference}")
        page.get_by_test_id("pay-button").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/"))
        page.get_by_test_id("sandbox-pin").fill(PIN)
        page.get_by_test_id("sandbox-decline").click()
        page.wait_for_url(re.compile(r"/w/result\?"))
        status = page.get_by_test_id("order-status")
        expect(status).to_have_attribute("data-payment-status", "FAILED")
        reason = page.get_by_test_id("decline-reason")
        expect(reason).to_have_attribute("data-given", "true")
        expect(reason).to_contain_text("Insufficient balance in the wallet")
        expect(page.get_by_test_id("pay-button")).to_have_count(0)
        check_fits_and_axe(page, "declined")
        page.screenshot(path=str(shots / f"declined-{locale}-{scheme}-pixel7.png"), full_page=True, scale="css")
        page.get_by_test_id("try-again").click()  # the one tap
        page.wait_for_url(re.compile(r"/sandbox/pay/"))
        again = page.get_by_test_id("sandbox-order").inner_text().strip()
        assert again and again != reference
    finally:
        context.close()
