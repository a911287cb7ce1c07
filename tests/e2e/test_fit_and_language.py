"""Issue 17 points 9 and 12 in a real browser: the web bar gives way to the host app's header (launch option and
bridge message, from the sandbox shell too), envelope launches speak the launch's language, the VI/EN switch, the
review screen's back arrow, and dark mode in the partner's own colours. Screenshots: test-artifacts/issue17/fit/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from webview.demo.services import DEMO_PARTNERS
from webview.themes import effective_theme

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def fit_dir(artifacts_dir) -> Path:
    path = artifacts_dir / "issue17" / "fit"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False, scale="css")


def main_top(page: Page) -> float:
    return page.locator("main#main").bounding_box()["y"]


def rgb(color: str) -> str:
    return "rgb({}, {}, {})".format(*(int(color[i : i + 2], 16) for i in (1, 3, 5)))


def test_web_bar_hide_gives_the_screen_back_to_the_page(page, demo_site, fit_dir):
    page.goto(demo_site.launch_url("demo-redirect", "fit-bar-shown", locale="vi"))
    bar = page.get_by_test_id("web-bar")
    expect(bar).to_be_visible()
    shown_top = main_top(page)
    assert shown_top >= 50
    shot(page, fit_dir, "web-bar-shown")

    page.goto(demo_site.launch_url("demo-redirect", "fit-bar-hidden", locale="vi", web_bar="hide"))
    expect(page.locator("html")).to_have_attribute("data-web-bar", "hide")
    assert bar.bounding_box()["height"] <= 1
    expect(page.locator("header.bar h1")).to_have_count(1)  # the page keeps its heading for screen readers
    expect(page.get_by_test_id("language-switch")).to_be_hidden()
    hidden_top = main_top(page)
    assert shown_top - hidden_top >= 50, (shown_top, hidden_top)
    shot(page, fit_dir, "web-bar-hidden")
    # a hidden bar stays hidden on the next screens of the session (no back arrow under the host's)
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("result-item").first).to_be_visible()
    expect(page.get_by_test_id("bar-back")).to_be_hidden()


def test_the_host_can_hide_and_show_the_bar_over_the_bridge(page, demo_site):
    page.goto(demo_site.launch_url("demo-bridge", "fit-bridge-signal", locale="en"))
    html = page.locator("html")
    page.evaluate("() => window.postMessage({type: 'webview:web-bar', web_bar: 'hide'}, location.origin)")
    expect(html).to_have_attribute("data-web-bar", "hide")
    page.evaluate("() => window.postMessage({type: 'webview:web-bar', web_bar: 'show'}, location.origin)")
    expect(html).not_to_have_attribute("data-web-bar", "hide")
    page.evaluate("() => window.postMessage({type: 'webview:web-bar', web_bar: 'nonsense'}, location.origin)")
    page.evaluate("() => window.postMessage({type: 'webview:web-bar', web_bar: 'hide'}, '*')")  # same origin: taken
    expect(html).to_have_attribute("data-web-bar", "hide")


def test_the_sandbox_shell_toggle_sends_the_signal_after_every_load(page, demo_site, fit_dir):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_site.url}/sandbox/?partner_code=demo-deeplink")
    page.get_by_test_id("shell-open").click()
    frame = page.frame_locator('[data-testid="shell-webview"]')
    expect(frame.get_by_test_id("web-bar")).to_be_visible()
    toggle = page.get_by_test_id("shell-web-bar-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(frame.locator("html")).to_have_attribute("data-web-bar", "hide")
    frame.get_by_test_id("product-tab-hotel").click()  # a new page in the frame: the shell says it again
    expect(frame.get_by_test_id("search-form")).to_be_visible()
    expect(frame.locator("html")).to_have_attribute("data-web-bar", "hide")
    expect(page.get_by_test_id("shell-log")).to_contain_text("webview:web-bar hide")
    shot(page, fit_dir, "sandbox-shell-web-bar-hidden")
    toggle.click()
    expect(frame.locator("html")).not_to_have_attribute("data-web-bar", "hide")


def test_the_shell_launches_with_the_bar_hidden_and_envelope_in_english(page, demo_site):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "vi"})
    page.goto(f"{demo_site.url}/sandbox/?partner_code=demo-envelope")
    page.get_by_test_id("shell-locale").select_option("en")
    page.get_by_test_id("shell-web-bar").select_option("hide")
    page.get_by_test_id("shell-open").click()
    frame = page.frame_locator('[data-testid="shell-webview"]')
    expect(frame.locator("html")).to_have_attribute("lang", "en")
    expect(frame.locator("html")).to_have_attribute("data-web-bar", "hide")


@pytest.mark.parametrize("partner", ["demo-envelope", "demo-legacy"])
def test_an_envelope_launch_speaks_the_launch_language(page, demo_site, partner):
    page.set_extra_http_headers({"Accept-Language": "vi"})  # the device says Vietnamese; the launch says English
    page.goto(demo_site.launch_url(partner, f"fit-envelope-en-{partner}", locale="en"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("search-submit")).to_have_text(re.compile(r"Search", re.I))


def test_the_language_switch_keeps_the_screen(page, demo_site, fit_dir):
    page.goto(demo_site.launch_url("demo-deeplink", "fit-switch", locale="vi", product="hotel"))
    page.get_by_test_id("search-submit").click()
    expect(page.get_by_test_id("result-item").first).to_be_visible()
    results_url = page.url
    switch = page.get_by_test_id("language-switch")
    expect(switch).to_be_visible()
    expect(page.get_by_test_id("language-vi")).to_have_attribute("aria-pressed", "true")
    shot(page, fit_dir, "language-switch-vi")
    page.get_by_test_id("language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == results_url
    expect(page.get_by_test_id("language-en")).to_have_attribute("aria-pressed", "true")
    shot(page, fit_dir, "language-switch-en")
    page.goto(f"{demo_site.url}/w/orders")  # the session keeps the choice
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("language-vi").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert page.url.endswith("/w/orders")


def test_the_review_screen_has_a_back_arrow_that_keeps_what_was_typed(page, demo_site, fit_dir):
    page.goto(demo_site.launch_url("demo-redirect", "fit-review-back", locale="en", product="flight"))
    page.get_by_test_id("search-submit").click()
    page.get_by_test_id("select-offer").first.click()
    page.get_by_test_id("select-offer").first.click()
    form = page.get_by_test_id("traveller-form")
    form.locator('[name="travellers-0-full_name"]').fill("Nguyen Van Binh")
    form.locator('[name="travellers-0-date_of_birth"]').fill("1990-05-17")
    form.locator('[name="travellers-0-gender"][value="male"]').check()
    document = form.locator('[name="travellers-0-document_number"]')
    if document.count():
        document.fill("079090001234")
    form.locator('[name="contact_name"]').fill("Nguyen Van Binh")
    form.locator('[name="contact_email"]').fill("binh@example.com")
    form.locator('[name="contact_phone"]').fill("0912 345 678")
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("review-total")).to_be_visible()
    back = page.get_by_test_id("bar-back")
    expect(back).to_be_visible()
    expect(back).to_have_attribute("aria-label", "Back")
    expect(page.get_by_test_id("language-switch")).to_have_count(0)  # a posted screen: nothing typed is lost
    shot(page, fit_dir, "review-back-arrow")
    back.click()
    expect(page.get_by_test_id("traveller-form")).to_be_visible()
    expect(page.locator('[name="contact_email"]')).to_have_value("binh@example.com")
    expect(page.locator('[name="travellers-0-full_name"]')).to_have_value(re.compile("BINH", re.I))


@pytest.mark.parametrize("partner", ["demo-deeplink", "demo-bridge", "demo-envelope"])
def test_dark_mode_prices_are_in_the_partners_colour(page, demo_site, fit_dir, partner):
    theme = next(demo["theme"] for demo in DEMO_PARTNERS if demo["code"] == partner)
    dark = effective_theme(theme, None)[0]["dark"]
    page.emulate_media(color_scheme="dark")
    page.goto(demo_site.launch_url(partner, f"fit-dark-{partner}", locale="vi", product="hotel"))
    page.get_by_test_id("search-submit").click()
    price = page.get_by_test_id("result-item").first.locator(".price").first
    expect(price).to_be_visible()
    assert price.evaluate("el => getComputedStyle(el).color") == rgb(dark["accent_text_color"])
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == rgb(dark["secondary_bg_color"])
    assert rgb(dark["accent_text_color"]) != rgb("#8ab4f8")  # not our blue
    shot(page, fit_dir, f"dark-{partner}-results")
