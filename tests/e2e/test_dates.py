"""Dates on the booking screens (issue 17 point 12): a date of birth typed dd/mm/yyyy on any device (slashes appear as
the digits are typed, shown back dd/mm/yyyy, clear errors in both languages), and a travel-date calendar (weekday
names, Today/Tomorrow chips, past days disabled, check-out after check-in) that leaves the native date input working
without JavaScript. Vietnamese and English, Pixel 7 and 360x740, light and dark. Screenshots: test-artifacts/issue17/.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.phones import MATRIX, PHONES, assert_fits, open_webview, shot
from webview.catalog.generator import local_today

pytestmark = pytest.mark.e2e

CASES = [(locale, (size, scheme)) for locale, size, scheme in MATRIX]
IDS = [f"{locale}-{size}-{scheme}" for locale, size, scheme in MATRIX]
WEEKDAYS = {"vi": ["T2", "T3", "T4", "T5", "T6", "T7", "CN"], "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}
CHIPS = {"vi": ("Hôm nay", "Ngày mai"), "en": ("Today", "Tomorrow")}
BAD_DATE = {"vi": "Ngày này không có thật. Nhập ngày/tháng/năm, ví dụ 31/12/1990.",
            "en": "This date does not exist. Enter day/month/year, e.g. 31/12/1990."}


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def weekday_names(page: Page) -> list[str]:
    return [name.strip() for name in page.get_by_test_id("calendar").locator(".cal-grid").first
            .locator("span").all_inner_texts()]


@pytest.mark.parametrize(("locale", "phone"), CASES, indirect=["phone"], ids=IDS)
def test_travel_dates_come_from_a_calendar_with_today_and_tomorrow(phone, demo_site, issue17_dir, locale, request):
    page, tag = phone, request.node.callspec.id
    today = local_today()
    open_webview(page, demo_site, locale, "flight", f"cal-{tag}")
    depart = page.locator('[name="depart_date"]')
    expect(depart).to_have_value(dmy(today + timedelta(days=1)))  # shown day first whatever the device's locale
    depart.click()
    calendar = page.get_by_test_id("calendar")
    expect(calendar).to_be_visible()
    names = weekday_names(page)
    assert [re.sub(r"^Th(ứ)? ?", "T", name) if locale == "vi" else name for name in names] == WEEKDAYS[locale], names
    today_chip, tomorrow_chip = CHIPS[locale]
    expect(calendar.get_by_role("button", name=today_chip, exact=True)).to_be_enabled()
    previous = calendar.get_by_role("button", name=re.compile("tháng trước|previous month", re.I))
    if (today + timedelta(days=1)).month != today.month:  # it opened on the chosen day's month: go back to today's
        previous.click()
    expect(calendar.locator(f'[value="{today.isoformat()}"]')).to_have_attribute("aria-current", "date")
    past = [day for day in calendar.locator(".day").all() if (day.get_attribute("value") or "") < today.isoformat()]
    assert all(day.is_disabled() for day in past)
    expect(previous).to_be_disabled()  # nothing before today
    assert_fits(page)
    shot(page, issue17_dir, f"calendar-open-{tag}")
    calendar.get_by_role("button", name=today_chip, exact=True).click()
    expect(calendar).to_be_hidden()
    expect(depart).to_have_value(dmy(today))
    depart.click()
    calendar.get_by_role("button", name=tomorrow_chip, exact=True).click()
    expect(depart).to_have_value(dmy(today + timedelta(days=1)))
    depart.click()  # opens on tomorrow's month
    calendar.get_by_role("button", name=re.compile("tháng sau|next month", re.I)).click()
    shown = today + timedelta(days=1)
    nxt = (shown.replace(day=1) + timedelta(days=32)).replace(day=10)
    calendar.locator(f'[value="{nxt.isoformat()}"]').click()
    expect(depart).to_have_value(dmy(nxt))
    page.get_by_test_id("search-submit").click()
    page.wait_for_url(re.compile(r"/w/flights\?"))
    assert f"depart_date={nxt.strftime('%d')}%2F{nxt.strftime('%m')}%2F{nxt.year}" in page.url


@pytest.mark.parametrize(("locale", "phone"), CASES[::3], indirect=["phone"], ids=IDS[::3])
def test_check_out_stays_after_check_in(phone, demo_site, issue17_dir, locale, request):
    page, tag = phone, request.node.callspec.id
    today = local_today()
    open_webview(page, demo_site, locale, "hotel", f"stay-{tag}")
    check_in, check_out = page.locator('[name="check_in"]'), page.locator('[name="check_out"]')
    check_in.click()
    calendar = page.get_by_test_id("calendar")
    today_chip, tomorrow_chip = CHIPS[locale]
    calendar.get_by_role("button", name=tomorrow_chip, exact=True).click()
    check_in.click()
    calendar.get_by_role("button", name=today_chip, exact=True).click()
    expect(check_out).to_have_value(dmy(today + timedelta(days=2)))  # still after check-in: unchanged
    check_in.click()
    later = calendar.locator(f'[value="{(today + timedelta(days=3)).isoformat()}"]')
    if not later.count():  # the calendar opened on check-in's month; the day is in the next one
        calendar.get_by_role("button", name=re.compile("tháng sau|next month", re.I)).click()
    later.click()
    expect(check_out).to_have_value(dmy(today + timedelta(days=4)))  # moved along to the day after
    check_out.click()  # opens on the check-out's month, which holds the day before it too unless it is the 1st
    expect(calendar.get_by_role("button", name=today_chip, exact=True)).to_be_disabled()
    if (today + timedelta(days=4)).day != 1:
        expect(calendar.locator(f'[value="{(today + timedelta(days=3)).isoformat()}"]')).to_be_disabled()
    shot(page, issue17_dir, f"calendar-check-out-{tag}")
    page.keyboard.press("Escape")
    page.get_by_test_id("search-submit").click()
    page.wait_for_url(re.compile(r"/w/hotels\?"))
    expect(page.get_by_test_id("result-item").first).to_be_visible()


@pytest.mark.parametrize(("locale", "phone"), [(locale, (size, "light", False)) for locale in ("vi", "en")
                                               for size in PHONES], indirect=["phone"],
                         ids=[f"{locale}-{size}-nojs" for locale in ("vi", "en") for size in PHONES])
def test_without_javascript_the_native_date_input_still_works(phone, demo_site, locale, request):
    page = phone
    open_webview(page, demo_site, locale, "flight", f"nojs-date-{request.node.callspec.id}")
    depart = page.locator('[name="depart_date"]')
    assert depart.get_attribute("type") == "date" and depart.get_attribute("min") == local_today().isoformat()
    depart.fill((local_today() + timedelta(days=2)).isoformat())
    page.get_by_test_id("search-submit").click()
    page.wait_for_url(re.compile(r"/w/flights\?"))
    expect(page.get_by_test_id("result-item").first).to_be_visible()


def open_flight_traveller_form(page: Page) -> None:
    page.get_by_test_id("search-submit").click()
    page.get_by_test_id("select-offer").first.click()
    page.get_by_test_id("select-offer").first.click()
    expect(page.get_by_test_id("traveller-form")).to_be_visible()


@pytest.mark.parametrize(("locale", "phone"), CASES, indirect=["phone"], ids=IDS)
def test_a_date_of_birth_is_typed_day_first(phone, demo_site, issue17_dir, locale, request):
    page, tag = phone, request.node.callspec.id
    open_webview(page, demo_site, locale, "flight", f"dob-{tag}")
    open_flight_traveller_form(page)
    form = page.get_by_test_id("traveller-form")
    birth = form.locator('[name="travellers-0-date_of_birth"]')
    assert birth.get_attribute("type") == "text" and birth.get_attribute("inputmode") == "numeric"
    birth.press_sequentially("12311990")  # an American habit: refused, not guessed
    expect(birth).to_have_value("12/31/1990")
    form.locator('[name="travellers-0-full_name"]').fill("Nguyễn Văn An")
    form.locator('[name="travellers-0-gender"][value="male"]').check()
    form.locator('[name="travellers-0-document_number"]').fill("079090001234")
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator("#travellers-0-date_of_birth-error")).to_have_text(BAD_DATE[locale])
    birth = page.locator('[name="travellers-0-date_of_birth"]')
    expect(birth).to_have_value("12/31/1990")  # what was typed stays for correcting
    birth.fill("")
    birth.press_sequentially("31121990")
    expect(birth).to_have_value("31/12/1990")  # the slashes come by themselves
    assert_fits(page)
    birth.scroll_into_view_if_needed()
    shot(page, issue17_dir, f"dob-field-{tag}")
    page.get_by_test_id("traveller-form").locator('button[type="submit"]').click()
    expect(page.get_by_test_id("review-total")).to_be_visible()
    expect(page.get_by_test_id("review-birth-date").first).to_have_text("31/12/1990")
    page.get_by_role("button", name=re.compile("Sửa thông tin|Edit details")).click()
    expect(page.locator('[name="travellers-0-date_of_birth"]')).to_have_value("31/12/1990")  # shown back day first
