"""Money-path journeys in a phone browser, through the real launch API and the sandbox partner over real HTTP.

launch → hold → checkout handoff → pay in the sandbox wallet → IPN (hmac) or commit (envelope) → issued → the
result screen shows the ticket number, for each of the four demo partners (bridge and deep link inside the host
shell, the way a native app routes them); decline → "try again"; a lost IPN recovered through the partner's query
API; the signed result link in fresh browser contexts (read-only once, then refused; tampered refused); and the
redirect handoff with JavaScript off; a supplier failure ending refunded; a bridge partner opened outside its app.
Screenshots go to test-artifacts/checkout/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, expect
from sqlalchemy import select

from tests.live import LiveServer
from webview.extensions import db
from webview.jobs import run_once
from webview.partners.models import Partner

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "vi-VN"}
DESKTOP = {"viewport": {"width": 1280, "height": 960}, "locale": "vi-VN"}  # the host shell frames a 390 px phone
PIN = "123456"


@pytest.fixture(scope="module")
def shots(artifacts_dir) -> Path:
    path = artifacts_dir / "checkout"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_page(browser: Browser, **options) -> tuple[BrowserContext, Page]:
    context = browser.new_context(**{**PHONE, **options})
    context.set_default_timeout(15_000)
    return context, context.new_page()


def run_jobs(site: LiveServer) -> None:
    """What the worker would do now: issuance, emails (the live server runs no worker in tests)."""
    with site.app.app_context():
        while run_once():
            pass
        db.session.remove()


class Journey:
    """One customer's walk from the partner app to an issued order; `root` is the page or the shell's frame."""

    def __init__(self, site: LiveServer, page: Page, shots: Path, name: str, root: Page | FrameLocator | None = None):
        self.site, self.page, self.shots, self.name = site, page, shots, name
        self.root = root or page
        self.step = 0
        self.partner_code = ""
        self.javascript = True  # False for a page opened with JavaScript off

    def handoff(self) -> str:
        """The launched partner's handoff method, as registered."""
        with self.site.app.app_context():
            method = db.session.scalar(select(Partner.handoff).where(Partner.code == self.partner_code))
            db.session.remove()
        return method or ""

    def shot(self, what: str) -> None:
        self.step += 1
        self.page.screenshot(path=str(self.shots / f"{self.name}-{self.step:02d}-{what}.png"), full_page=True,
                             scale="css")

    def launch(self, partner_code: str, identify_code: str) -> None:
        """Open the webview as the partner's back end would (POST /sandbox/api/launch → url_open)."""
        self.partner_code = partner_code
        body = {"partner_code": partner_code, "identify_code": identify_code, "identify_phone": "0912345678",
                "identify_fullname": "Nguyễn Văn An", "email": f"{identify_code}@example.com", "product": "vip",
                "layout": "single", "locale": "vi"}
        answer = requests.post(f"{self.site.url}/sandbox/api/launch", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        self.page.goto(answer.json()["url_open"])

    def hold(self, member: str = "Nguyễn Văn An") -> str:
        """Choose the first VIP plan, confirm it (member named here): the hold opens the payment at once (plan →
        confirm → pay). A page comes back to the held order and its pay button; in the shell the host's payment sheet
        is open."""
        root = self.root
        root.get_by_test_id("select-offer").first.click()
        form = root.get_by_test_id("traveller-form")
        form.locator('[name="travellers-0-full_name"]').fill(member)
        form.locator('[name="contact_email"]').fill("an@example.com")  # an envelope login carries no contact
        form.locator('[name="contact_phone"]').fill("0912 345 678")
        if isinstance(root, Page):
            # the handoff page is the first stop of every method; with JavaScript a redirect partner's page replaces
            # it (wait for that, or our next navigation would race it); a deep link or bridge one stays (the page's
            # attempt at a scheme no page serves is left pending: our next navigation supersedes it)
            with root.expect_response(lambda answer: "/checkout" in answer.url and answer.request.method == "GET"):
                root.get_by_test_id("hold-submit").click()
            if self.javascript and self.handoff() == "redirect":
                root.wait_for_url(re.compile(r"/sandbox/pay/"))
        else:
            root.get_by_test_id("hold-submit").click()
        if not isinstance(root, Page):  # the host app's payment sheet opens from the handoff at once
            order = self.page.frame_locator('[data-testid="shell-sheet-frame"]').get_by_test_id("sandbox-order")
            expect(order).to_have_text(re.compile(r"^\d{6}-[A-Z0-9]+$"))
            self.shot("payment-sheet")
            return order.inner_text().strip()
        root.goto(f"{self.site.url}/w/orders")
        root.get_by_test_id("order-item").first.click()
        status = root.get_by_test_id("order-status")
        expect(status).to_have_attribute("data-booking-status", "BOOKED")
        expect(status).to_have_attribute("data-payment-status", "PENDING")
        reference = status.get_attribute("data-reference-transaction-id") or ""
        assert re.fullmatch(r"\d{6}-[A-Z0-9]+", reference)
        expect(root.get_by_test_id("pay-button")).to_have_attribute("data-reference-transaction-id", reference)
        self.shot("held")
        return reference

    def approve_on_wallet_page(self, wallet: Page | FrameLocator | None = None) -> None:
        """The sandbox wallet's payment page: PIN, approve."""
        wallet = wallet or self.page
        wallet.get_by_test_id("sandbox-pin").fill(PIN)
        self.shot("wallet")
        wallet.get_by_test_id("sandbox-approve").click()

    def expect_issued(self, reference: str) -> str:
        """The result screen reaches issued by itself (polling) once the worker has issued; returns the ticket."""
        status = self.root.get_by_test_id("order-status")
        expect(status).to_have_attribute("data-reference-transaction-id", reference)
        expect(status).to_have_attribute("data-payment-status", "SUCCESS")
        run_jobs(self.site)
        expect(status).to_have_attribute("data-issue-status", "SUCCESS", timeout=30_000)
        expect(status).to_have_attribute("data-booking-status", "BOOKED")
        ticket = self.root.get_by_test_id("ticket-number").first
        expect(ticket).to_be_visible()
        self.shot("issued")
        return ticket.inner_text()


def transaction_of(site: LiveServer, reference: str) -> dict:
    answer = requests.get(f"{site.url}/sandbox/api/transactions", params={"reference_transaction_id": reference},
                          timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- the four demo partners ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("partner", ["demo-redirect", "demo-envelope"])
def test_pay_and_issue_by_redirect(browser, site, shots, partner):
    context, page = new_page(browser)
    try:
        journey = Journey(site, page, shots, partner)
        journey.launch(partner, f"e2e-pay-{partner}")
        reference = journey.hold()
        page.get_by_test_id("pay-button").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/"))  # envelope: via the sealed place-order redirect
        expect(page.get_by_test_id("sandbox-order")).to_have_text(reference)
        journey.approve_on_wallet_page()
        page.wait_for_url(re.compile(r"/w/result\?"))
        assert "sig=" in page.url  # the partner's (or for envelope, our) signed return
        ticket = journey.expect_issued(reference)
        assert transaction_of(site, reference)["status"] == "SUCCESS" and ticket
        page.reload()  # the session's own result survives reloads
        expect(page.get_by_test_id("ticket-number").first).to_have_text(ticket)
    finally:
        context.close()


def open_in_shell(page: Page, site: LiveServer, partner: str, user: str) -> FrameLocator:
    """The host shell launches the webview for a demo partner's user and frames it; returns the frame."""
    page.goto(f"{site.url}/sandbox/?partner_code={partner}")
    page.get_by_test_id("shell-identify-code").fill(user)
    page.get_by_test_id("shell-product").select_option("vip")
    page.get_by_test_id("shell-locale").select_option("vi")
    page.get_by_test_id("shell-open").click()
    return page.frame_locator('[data-testid="shell-webview"]')


@pytest.mark.parametrize("partner", ["demo-bridge", "demo-deeplink"])
def test_pay_and_issue_inside_the_host_shell(browser, site, shots, partner):
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        frame = open_in_shell(page, site, partner, f"e2e-shell-{partner}")
        journey = Journey(site, page, shots, partner, root=frame)
        reference = journey.hold()  # confirm's one tap holds and opens the payment
        # the host app opens its payment sheet: from the bridge call, or by routing the deep link
        sheet = page.frame_locator('[data-testid="shell-sheet-frame"]')
        expect(sheet.get_by_test_id("sandbox-order")).to_have_text(reference)
        journey.approve_on_wallet_page(sheet)
        expect(page.get_by_test_id("shell-sheet")).to_be_hidden()
        ticket = journey.expect_issued(reference)
        assert transaction_of(site, reference)["status"] == "SUCCESS" and ticket
    finally:
        context.close()


# -- decline, lost IPN, result links, JS off ------------------------------------------------------------------------


def test_a_declined_payment_gives_the_wallets_reason_and_try_again_opens_the_wallet_for_a_new_booking(browser, site,
                                                                                                      shots):
    context, page = new_page(browser)
    try:
        journey = Journey(site, page, shots, "decline")
        journey.launch("demo-redirect", "e2e-decline")
        reference = journey.hold()
        page.get_by_test_id("pay-button").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/"))
        page.get_by_test_id("sandbox-decline").click()
        page.wait_for_url(re.compile(r"/w/result\?"))
        status = page.get_by_test_id("order-status")
        expect(status).to_have_attribute("data-payment-status", "FAILED")
        expect(page.get_by_test_id("pay-button")).to_have_count(0)
        expect(page.get_by_test_id("decline-reason")).to_contain_text("Insufficient balance in the wallet")
        journey.shot("declined")
        page.get_by_test_id("try-again").click()  # one tap: a new booking, its payment opened at the wallet
        page.wait_for_url(re.compile(r"/sandbox/pay/"))
        again = page.get_by_test_id("sandbox-order").inner_text()
        assert again and again != reference
        journey.shot("booked-again-wallet")
    finally:
        context.close()


def test_a_lost_ipn_ends_issued_through_the_query_api(browser, site, shots):
    context, page = new_page(browser)
    try:
        journey = Journey(site, page, shots, "lost-ipn")
        journey.launch("demo-redirect", "e2e-lost-ipn")
        reference = journey.hold()
        page.get_by_test_id("pay-button").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/"))
        transaction = transaction_of(site, reference)["transaction_id"]
        approved = requests.post(f"{site.url}/sandbox/api/transactions/{transaction}/approve",
                                 json={"faults": {"drop": True}}, timeout=30)
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "SUCCESS" and not approved.json()["ipn"]  # paid, nobody told us
        page.goto(approved.json()["result_url"])
        status = page.get_by_test_id("order-status")
        expect(status).to_have_attribute("data-payment-status", re.compile("PENDING|SUCCESS"))
        journey.shot("pending")
        journey.expect_issued(reference)
    finally:
        context.close()


def test_the_result_link_opens_read_only_once_in_a_fresh_browser(browser, site, shots):
    context, page = new_page(browser)
    try:
        journey = Journey(site, page, shots, "result-link")
        journey.launch("demo-redirect", "e2e-result-link")
        reference = journey.hold()
        page.get_by_test_id("pay-button").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/"))
        journey.approve_on_wallet_page()
        page.wait_for_url(re.compile(r"/w/result\?.*sig="))
        link = page.url
        ticket = journey.expect_issued(reference)
    finally:
        context.close()

    fresh, page = new_page(browser)
    try:
        page.goto(link)
        expect(page.get_by_test_id("order-result")).to_have_attribute("data-read-only", "true")
        assert "sig=" not in page.url  # spent, and stripped from the address bar
        expect(page.get_by_test_id("order-status")).to_have_attribute("data-reference-transaction-id", reference)
        expect(page.get_by_test_id("ticket-number").first).to_have_text(ticket)
        expect(page.get_by_test_id("pay-button")).to_have_count(0)
        page.screenshot(path=str(shots / "result-link-read-only.png"), full_page=True, scale="css")
        page.reload()
        expect(page.get_by_test_id("order-result")).to_have_attribute("data-read-only", "true")
    finally:
        fresh.close()

    tampered = re.sub(r"sig=([0-9a-f])", lambda m: "sig=" + ("0" if m.group(1) != "0" else "1"), link)
    for name, url in (("reused", link), ("tampered", tampered)):
        other, page = new_page(browser)
        try:
            page.goto(url)
            expect(page.get_by_test_id("result-refused")).to_be_visible()
            expect(page.get_by_test_id("order-status")).to_have_count(0)
            assert reference not in page.content()
            page.screenshot(path=str(shots / f"result-link-{name}.png"), full_page=True, scale="css")
        finally:
            other.close()


def test_redirect_handoff_works_with_javascript_off(browser, site, shots):
    context, page = new_page(browser, java_script_enabled=False)
    try:
        journey = Journey(site, page, shots, "nojs")
        journey.javascript = False
        journey.launch("demo-redirect", "e2e-nojs")
        reference = journey.hold()
        page.get_by_test_id("pay-button").click()
        handoff = page.get_by_test_id("checkout-handoff")
        expect(handoff).to_have_attribute("data-method", "redirect")
        expect(page.get_by_test_id("checkout-amount")).to_be_visible()
        expect(page.get_by_test_id("hold-countdown")).to_have_count(0)  # a VIP plan never runs out
        journey.shot("handoff")
        page.get_by_test_id("pay-button").click()  # a plain link to the partner's page
        page.wait_for_url(re.compile(r"/sandbox/pay/"))
        journey.approve_on_wallet_page()
        page.wait_for_url(re.compile(r"/w/result\?"))
        status = page.get_by_test_id("order-status")
        expect(status).to_have_attribute("data-payment-status", "SUCCESS")
        run_jobs(site)
        # no script: the page refreshes itself while the order is still changing
        expect(status).to_have_attribute("data-issue-status", "SUCCESS", timeout=30_000)
        expect(page.get_by_test_id("ticket-number").first).to_be_visible()
        journey.shot("issued")
        assert reference in page.content()
    finally:
        context.close()


def test_a_supplier_failure_ends_refunded_with_one_refund_at_the_partner(browser, site, shots):
    context, page = new_page(browser)
    try:
        journey = Journey(site, page, shots, "issue-failed")
        journey.launch("demo-redirect", "e2e-issue-fail")
        reference = journey.hold(member="Issue Fail")  # the demo supplier refuses this traveller
        page.get_by_test_id("pay-button").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/"))
        journey.approve_on_wallet_page()
        page.wait_for_url(re.compile(r"/w/result\?"))
        status = page.get_by_test_id("order-status")
        expect(status).to_have_attribute("data-payment-status", "SUCCESS")
        run_jobs(site)  # issuance fails → automatic full refund → refund job
        run_jobs(site)
        expect(status).to_have_attribute("data-issue-status", "FAILED", timeout=30_000)
        expect(status).to_have_attribute("data-payment-status", "REFUNDED", timeout=30_000)
        expect(page.get_by_test_id("ticket-number")).to_have_count(0)
        journey.shot("refunded")
        refunds = transaction_of(site, reference)["refunds"]
        assert len(refunds) == 1 and refunds[0]["amount"] == transaction_of(site, reference)["amount"]
    finally:
        context.close()


def test_a_bridge_partner_outside_its_app_gets_the_fallback_message(browser, site, shots):
    context, page = new_page(browser)
    try:
        journey = Journey(site, page, shots, "bridge-missing")
        journey.launch("demo-bridge", "e2e-bridge-missing")
        reference = journey.hold()
        page.get_by_test_id("pay-button").click()
        expect(page.get_by_test_id("checkout-handoff")).to_have_attribute("data-method", "bridge")
        missing = page.locator("[data-bridge-missing]")
        expect(missing).to_be_visible(timeout=10_000)  # no host bridge: after the timeout, say what to do
        button = page.get_by_test_id("pay-button")
        expect(button).to_have_attribute("data-reference-transaction-id", reference)
        button.click()  # still no bridge: nothing opens, the message stays
        expect(missing).to_be_visible()
        expect(page.get_by_test_id("order-status")).to_have_count(0)
        journey.shot("no-bridge")
    finally:
        context.close()
