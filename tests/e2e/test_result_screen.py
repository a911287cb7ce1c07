"""The result screen and the printable e-ticket / voucher in a phone browser (issue 17 point 3).

For each language an hmac demo partner's user holds a two-passenger flight, a two-night hotel stay and a VIP plan,
pays each on the sandbox wallet (real HTTP, real IPN) and the worker issues them. Then every screen is opened at a
Pixel 7 (412×915, DPR 2.625) and at 360×740, in light and dark: the code (copy button with JavaScript, selectable
text without), each passenger's ticket by name, the trip, next steps, support, the payment summary; membership words
and a validity date for VIP and never "ticket"; the printable page in print media without navigation (and as a PDF).
axe finds no serious or critical violation; no page is wider than the phone. Screenshots: test-artifacts/issue17/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select

from tests.live import LiveServer
from webview.booking.services import hold_booking
from webview.catalog.generator import local_today
from webview.catalog.models import Fare, Flight, RoomNight
from webview.catalog.offers import room_offer_id
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import run_once
from webview.launch.models import LaunchSession
from webview.partners.models import Customer, Partner

pytestmark = pytest.mark.e2e

PARTNER = "demo-redirect"
PIN = "123456"
AXE = Axe()
BLOCKING = {"serious", "critical"}
PIXEL_7 = {"viewport": {"width": 412, "height": 915}, "screen": {"width": 412, "height": 915},
           "device_scale_factor": 2.625, "is_mobile": True, "has_touch": True}
NARROW = {"viewport": {"width": 360, "height": 740}, "screen": {"width": 360, "height": 740},
          "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
PHONES = {"pixel7": PIXEL_7, "360": NARROW}
CONTACT = {"name": "Nguyễn Văn An", "email": "an@example.com", "phone": "0912345678"}
ADULT = {"date_of_birth": "1990-05-17", "gender": "male", "document_number": "B1234567", "passenger_type": "adult"}
TICKET_WORDS = {"vi": re.compile(r"\bvé\b", re.I), "en": re.compile(r"ticket", re.I)}
MEMBERSHIP_WORDS = {"vi": "Mã thành viên", "en": "Membership number"}


@pytest.fixture(scope="module")
def shots(artifacts_dir) -> Path:
    path = artifacts_dir / "issue17"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Customer17:
    """One language's customer: the browser state of their launch session and their issued orders by product."""

    locale: str
    state: dict
    orders: dict[str, str]  # product code → reference


def run_jobs(site: LiveServer) -> None:
    with site.app.app_context():
        while run_once():
            pass
        db.session.remove()


def launch(page: Page, site: LiveServer, user: str, locale: str) -> None:
    """Open the webview as the partner's back end would (POST /sandbox/api/launch → url_open)."""
    body = {"partner_code": PARTNER, "identify_code": user, "identify_phone": "0912345678",
            "identify_fullname": "Nguyễn Văn An", "email": f"{user}@example.com", "product": "flight",
            "layout": "dual", "locale": locale}
    answer = requests.post(f"{site.url}/sandbox/api/launch", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    page.set_extra_http_headers({"Accept-Language": locale})
    page.goto(answer.json()["url_open"])


def hold_for(site: LiveServer, user: str, product: str, locale: str = "vi") -> str:
    """Hold an order of this product for the launched user, described in `locale` (the booking screens are tested
    elsewhere)."""
    with site.app.app_context():
        partner = db.session.scalar(select(Partner).where(Partner.code == PARTNER))
        customer = db.session.scalar(select(Customer).where(Customer.partner_id == partner.id,
                                                            Customer.identify_code == user))
        session_id = db.session.scalar(select(LaunchSession.id).where(LaunchSession.customer_id == customer.id)
                                       .order_by(LaunchSession.created_at.desc()).limit(1))
        common = {"partner_id": partner.id, "customer_id": customer.id, "launch_session_id": session_id,
                  "contact": CONTACT, "locale": locale}
        if product == "flight":
            fare = db.session.scalar(select(Fare).join(Flight, Flight.id == Fare.flight_id)
                                     .where(Fare.seats_left >= 2, Flight.departs_at > utcnow() + timedelta(hours=12))
                                     .order_by(Fare.id).limit(1))
            booking = hold_booking(offer_id=f"F:{fare.id}", **common, travellers=[
                {**ADULT, "full_name": "NGUYEN VAN AN"},
                {**ADULT, "full_name": "TRAN THI BINH", "gender": "female", "document_number": "C7654321"}])
        elif product == "hotel":
            check_in = local_today() + timedelta(days=1)
            room_type_id = db.session.scalar(
                select(RoomNight.room_type_id)
                .where(RoomNight.night.in_([check_in, check_in + timedelta(days=1)]), RoomNight.rooms_left > 0)
                .group_by(RoomNight.room_type_id).having(func.count() == 2).order_by(RoomNight.room_type_id).limit(1))
            booking = hold_booking(offer_id=room_offer_id(room_type_id, check_in, check_in + timedelta(days=2), 1),
                                   travellers=[{"full_name": "Nguyễn Văn An"}], **common)
        else:
            booking = hold_booking(offer_id="V:yearly", travellers=[{"full_name": "Nguyễn Văn An"}], **common)
        assert booking.is_held, booking
        reference = booking.reference
        db.session.remove()
    return reference


def pay_and_issue(page: Page, site: LiveServer, reference: str) -> None:
    """Pay the held order on the sandbox wallet (PIN, approve); the IPN comes back and the worker issues."""
    page.goto(f"{site.url}/w/orders/{reference}")
    page.get_by_test_id("pay-button").click()
    page.wait_for_url(re.compile(r"/sandbox/pay/"))
    page.get_by_test_id("sandbox-pin").fill(PIN)
    page.get_by_test_id("sandbox-approve").click()
    page.wait_for_url(re.compile(r"/w/result\?"))
    status = page.get_by_test_id("order-status")
    expect(status).to_have_attribute("data-payment-status", "SUCCESS", timeout=20_000)
    run_jobs(site)
    expect(status).to_have_attribute("data-issue-status", "SUCCESS", timeout=30_000)


@pytest.fixture(scope="module")
def customers(browser: Browser, site: LiveServer) -> Iterator[dict[str, Customer17]]:
    """Per language, a customer with an issued flight, hotel stay and VIP plan."""
    found = {}
    for locale in ("vi", "en"):
        context = browser.new_context(**PIXEL_7)
        context.set_default_timeout(20_000)
        page = context.new_page()
        user = f"e2e-i17-result-{locale}"
        launch(page, site, user, locale)
        orders = {}
        for product in ("flight", "hotel", "vip"):
            orders[product] = hold_for(site, user, product, locale)
            pay_and_issue(page, site, orders[product])
        found[locale] = Customer17(locale, context.storage_state(), orders)
        context.close()
    yield found


def open_as(browser: Browser, customer: Customer17, phone: str, scheme: str, **options) -> BrowserContext:
    context = browser.new_context(**PHONES[phone], color_scheme=scheme, storage_state=customer.state,
                                  extra_http_headers={"Accept-Language": customer.locale}, **options)
    context.set_default_timeout(15_000)
    return context


def check_fits_and_axe(page: Page, name: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{name} is {width} px wide on a {viewport} px phone"
    results = AXE.run(page)
    blocking = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: {blocking}"


def visible_text(page: Page) -> str:
    return " ".join(page.locator("main").inner_text().split())


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("phone", ["pixel7", "360"])
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_result_screen_gives_the_traveller_everything_they_need(browser, site, customers, shots, locale, phone,
                                                                   scheme):
    customer = customers[locale]
    context = open_as(browser, customer, phone, scheme, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        for product, reference in customer.orders.items():
            page.goto(f"{site.url}/w/result?reference={reference}")
            expect(page.locator("html")).to_have_attribute("lang", locale)
            status = page.get_by_test_id("order-status")
            expect(status).to_have_attribute("data-issue-status", "SUCCESS")
            code = page.locator("#order-code")
            copy = page.get_by_test_id("copy-code")
            expect(copy).to_be_visible()  # app.js shows it
            copy.click()
            assert page.evaluate("() => navigator.clipboard.readText()") == code.inner_text().strip()
            expect(page.locator("[data-copy-status]")).not_to_be_empty()
            for testid in ("itinerary", "people", "next-steps", "payment-summary", "support-help", "voucher-link"):
                expect(page.get_by_test_id(testid)).to_be_visible()
            expect(page.get_by_test_id("paid-at")).to_be_visible()
            text = visible_text(page)
            if product == "flight":
                names = page.get_by_test_id("person-name").all_inner_texts()
                assert names == ["NGUYEN VAN AN", "TRAN THI BINH"]
                assert len(page.locator('[data-testid="people"] [data-testid="ticket-number"]').all()) == 2
                expect(page.get_by_test_id("booking-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
                expect(page.get_by_test_id("departs-at")).to_have_text(re.compile(r"^\d\d:\d\d$"))
                expect(page.get_by_test_id("arrives-at")).to_have_text(re.compile(r"^\d\d:\d\d$"))
            elif product == "hotel":
                expect(page.get_by_test_id("check-in")).to_contain_text(re.compile(r"\d\d:\d\d"))
                expect(page.get_by_test_id("hotel-address")).to_be_visible()
                expect(page.get_by_test_id("nights")).to_contain_text("2")
            else:
                expect(page.get_by_test_id("valid-until")).to_have_attribute("data-date",
                                                                             re.compile(r"^\d{4}-\d\d-\d\d$"))
                assert MEMBERSHIP_WORDS[locale] in text
                assert not TICKET_WORDS[locale].search(text), text
            if phone == "pixel7":
                check_fits_and_axe(page, f"result-{product}")
            else:
                width = page.evaluate("() => document.documentElement.scrollWidth")
                assert width <= 360, f"result-{product} is {width} px wide"
                page.goto(f"{site.url}/w/orders/{reference}/voucher")
                width = page.evaluate("() => document.documentElement.scrollWidth")
                assert width <= 360, f"voucher-{product} is {width} px wide"
                page.screenshot(path=str(shots / f"voucher-{product}-{locale}-{scheme}-360.png"), full_page=True,
                                scale="css")
                page.goto(f"{site.url}/w/result?reference={reference}")
            shot = shots / f"result-{product}-{locale}-{scheme}-{phone}.png"
            page.screenshot(path=str(shot), full_page=True, scale="css")
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_without_javascript_the_code_is_plain_text_selected_whole_by_one_tap(browser, site, customers, locale):
    context = open_as(browser, customers[locale], "360", "light", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/w/result?reference={customers[locale].orders['flight']}")
        expect(page.get_by_test_id("copy-code")).to_be_hidden()
        code = page.locator("#order-code")
        assert code.evaluate("el => getComputedStyle(el).userSelect") == "all"
        code.click()
        assert page.evaluate("() => window.getSelection().toString()").strip() == code.inner_text().strip()
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_printable_page_prints_without_navigation(browser, site, customers, shots, locale, scheme):
    customer = customers[locale]
    context = open_as(browser, customer, "pixel7", scheme)
    page = context.new_page()
    try:
        for product, reference in customer.orders.items():
            page.goto(f"{site.url}/w/result?reference={reference}")
            page.get_by_test_id("voucher-link").click()
            expect(page.get_by_test_id("voucher")).to_be_visible()
            expect(page.get_by_test_id("print-voucher")).to_be_visible()
            check_fits_and_axe(page, f"voucher-{product}")
            page.screenshot(path=str(shots / f"voucher-{product}-{locale}-{scheme}-pixel7.png"), full_page=True,
                            scale="css")
            page.emulate_media(media="print")
            for chrome in ("header.bar", "nav", '[data-testid="print-voucher"]', ".skip"):
                assert not page.locator(chrome).first.is_visible(), chrome
            expect(page.get_by_test_id("voucher")).to_be_visible()
            assert page.locator(".qr svg").is_visible()
            page.screenshot(path=str(shots / f"voucher-{product}-{locale}-{scheme}-print.png"), full_page=True,
                            scale="css")
            page.emulate_media(media="screen")
            if scheme == "light":
                pdf = page.pdf(format="A4", print_background=True)
                assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
                (shots / f"voucher-{product}-{locale}.pdf").write_bytes(pdf)
    finally:
        context.close()


def test_the_printable_page_is_only_for_the_customer_who_booked(browser, site, customers):
    reference = customers["vi"].orders["vip"]
    context = browser.new_context(**PIXEL_7)
    page = context.new_page()
    try:
        launch(page, site, "e2e-i17-someone-else", "vi")
        response = page.goto(f"{site.url}/w/orders/{reference}/voucher")
        assert response.status == 404
        html = page.content()
        assert 'data-testid="not-found"' in html and 'data-testid="voucher"' not in html
        assert "Nguyễn Văn An" not in html  # nothing of the order: its member's name neither
    finally:
        context.close()
