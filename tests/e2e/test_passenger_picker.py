"""The passenger picker (issue 17 point 10): one row opening a sheet of +/- counters with JavaScript, the three plain
selects without; the airline rules (1+ adult, at most 9 adults and children, an infant per adult) both ways; product
tabs and the search form fit a 360 px phone. Vietnamese and English, Pixel 7 and 360x740, light and dark.

The phone matrix and helpers are in tests/e2e/phones.py. Screenshots: test-artifacts/issue17/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.phones import MATRIX, PHONES, assert_fits, open_webview, shot

pytestmark = pytest.mark.e2e

WORDS = {
    "vi": {"start": "1 người lớn", "after": "2 người lớn, 1 trẻ em, 2 em bé",
           "infant_rule": "Mỗi em bé phải đi cùng một người lớn."},
    "en": {"start": "1 adult", "after": "2 adults, 1 child, 2 infants",
           "infant_rule": "Each infant must travel with their own adult."},
}


@pytest.mark.parametrize(("locale", "phone"), [(locale, (size, scheme)) for locale, size, scheme in MATRIX],
                         indirect=["phone"], ids=[f"{locale}-{size}-{scheme}" for locale, size, scheme in MATRIX])
def test_the_picker_sheet_counts_passengers_with_the_airline_rules(phone, demo_site, issue17_dir, locale, request):
    page, words = phone, WORDS[locale]
    tag = request.node.callspec.id
    open_webview(page, demo_site, locale, "flight", f"pax-{tag}")
    row = page.locator("[data-pax-open]")
    expect(row).to_be_visible()
    expect(row).to_have_text(words["start"])
    expect(page.locator("[data-pax-selects]")).to_have_attribute("aria-hidden", "true")
    box = row.bounding_box()
    assert box["height"] <= 56, box  # one row, its label does not wrap
    assert_fits(page)
    for tab in page.locator("nav.tabs a").all():  # product tabs: one line each, nothing cut off
        assert tab.evaluate("a => a.scrollWidth <= a.clientWidth && a.getBoundingClientRect().height <= 52"), \
            tab.inner_text()

    row.click()
    sheet = page.locator("#pax-sheet")
    expect(sheet).to_be_visible()
    expect(row).to_have_attribute("aria-expanded", "true")
    counter = {name: sheet.locator(f'[data-count="{name}"]') for name in ("adults", "children", "infants")}
    minus = {name: c.locator('[data-step="-1"]') for name, c in counter.items()}
    plus = {name: c.locator('[data-step="1"]') for name, c in counter.items()}
    expect(minus["adults"]).to_be_disabled()  # at least one adult
    expect(plus["infants"]).to_be_enabled()
    plus["infants"].click()
    expect(plus["infants"]).to_be_disabled()  # one infant per adult
    expect(minus["adults"]).to_be_disabled()  # and no fewer adults than infants
    plus["adults"].click()
    plus["infants"].click()
    plus["children"].click()
    expect(counter["adults"].locator("output")).to_have_text("2")
    expect(counter["infants"].locator("output")).to_have_text("2")
    expect(plus["infants"]).to_be_disabled()
    assert_fits(page)
    shot(page, issue17_dir, f"picker-sheet-open-{tag}")
    for _ in range(6):
        plus["adults"].click()
    expect(counter["adults"].locator("output")).to_have_text("8")
    expect(plus["adults"]).to_be_disabled()  # 8 adults + 1 child = 9
    expect(plus["children"]).to_be_disabled()
    for _ in range(6):
        minus["adults"].click()
    sheet.get_by_test_id("pax-done").click()
    expect(sheet).to_be_hidden()
    expect(row).to_be_focused()
    expect(row).to_have_text(words["after"])
    assert [page.locator(f'select[name="{n}"]').input_value() for n in ("adults", "children", "infants")] == \
        ["2", "1", "2"]
    shot(page, issue17_dir, f"picker-row-{tag}")

    row.click()
    page.keyboard.press("Escape")  # Escape closes the sheet too
    expect(sheet).to_be_hidden()
    # an outside suite that sets the contract's select by name is still heard, and the row follows it
    page.locator('select[name="children"]').select_option("0")
    expect(row).to_have_text(words["after"].replace(", 1 child", "").replace(", 1 trẻ em", ""))
    page.get_by_test_id("search-submit").click()
    page.wait_for_url(re.compile(r"/w/flights\?"))
    assert "adults=2" in page.url and "children=0" in page.url and "infants=2" in page.url


NOJS = [(locale, size) for locale in ("vi", "en") for size in PHONES]


@pytest.mark.parametrize(("locale", "phone"), [(locale, (size, "light", False)) for locale, size in NOJS],
                         indirect=["phone"], ids=[f"{locale}-{size}-nojs" for locale, size in NOJS])
def test_without_javascript_the_three_selects_work(phone, demo_site, issue17_dir, locale, request):
    page, words = phone, WORDS[locale]
    open_webview(page, demo_site, locale, "flight", f"pax-{request.node.callspec.id}")
    expect(page.locator("[data-pax-open]")).to_be_hidden()
    labels = page.locator("[data-pax-selects] label")
    expect(labels).to_have_count(3)
    for label in labels.all():  # short labels, one line each
        assert label.evaluate("l => l.getBoundingClientRect().height <= 24"), label.inner_text()
    assert_fits(page)
    page.locator('select[name="adults"]').select_option("1")
    page.locator('select[name="infants"]').select_option("2")
    page.get_by_test_id("search-submit").click()
    errors = page.get_by_test_id("form-errors")
    expect(errors).to_contain_text(words["infant_rule"])  # the server keeps the rule
    page.locator('select[name="adults"]').select_option("2")
    page.get_by_test_id("search-submit").click()
    page.wait_for_url(re.compile(r"/w/flights\?"))
    assert "adults=2" in page.url and "infants=2" in page.url
    expect(page.get_by_test_id("result-item").first).to_be_visible()
    shot(page, issue17_dir, f"picker-nojs-results-{request.node.callspec.id}")
