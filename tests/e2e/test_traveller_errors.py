"""The travellers form with several passengers: errors grouped per passenger, and a field checked on leaving it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import Journey

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("locale", "required", "passenger_2"),
                         [("vi", "Vui lòng điền thông tin này để tiếp tục.", "Hành khách 2 · Người lớn"),
                          ("en", "Fill this in to continue.", "Passenger 2 · Adult")])
def test_errors_are_grouped_and_fields_checked_on_leave(page, demo_site, screens_dir, locale, required, passenger_2):
    journey = Journey(page, demo_site, screens_dir, "demo-redirect", "flight", locale)
    journey.open()
    journey.search_and_select()
    url = re.sub(r"&(adults|children)=\d+", "", page.url)
    page.goto(url + "&adults=2&children=1")
    form = page.get_by_test_id("traveller-form")
    name = form.locator('[name="travellers-1-full_name"]')
    name.focus()
    form.locator('[name="travellers-1-date_of_birth"]').focus()  # leave the name empty
    error = page.locator("#travellers-1-full_name-error")
    expect(error).to_have_text(required)
    expect(name).to_have_attribute("aria-invalid", "true")
    name.fill("Tran Thi Binh")  # typing clears the error at once
    expect(error).to_be_hidden()
    expect(name).not_to_have_attribute("aria-invalid", "true")
    journey.check_screen("travellers-live-check")

    form.locator('button[type="submit"]').click()
    summary = page.get_by_test_id("form-errors")
    expect(summary).to_be_visible()
    groups = summary.get_by_test_id("error-group")
    expect(groups).to_have_count(3)  # one per passenger (the contact block is prefilled from the launch)
    expect(groups.nth(1)).to_contain_text(passenger_2)
    groups.nth(1).locator("a").first.click()
    expect(page.locator("#travellers-1-date_of_birth")).to_be_focused()
    journey.check_screen("travellers-grouped-errors")
