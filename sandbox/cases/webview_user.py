"""An end user inside the partner's app, driven over plain HTTP: launched through the sandbox test API, then walking
the webview's screens (forms posted with the CSRF token read from the page), holding a booking, handing it to the
partner's payment, and reading the order's status. No browser and no JavaScript: the screens work without it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from sandbox.cases.client import TIMEOUT, SandboxApi
from sandbox.cases.pages import Page

Recorder = Callable[[str, requests.Response], None]
FINAL_ISSUE = frozenset({"SUCCESS", "FAILED"})


class JourneyError(AssertionError):
    """A screen did not answer as the journey expected (wrong status, missing form or selector)."""


@dataclass(frozen=True)
class Checkout:
    """The handed-off payment: the partner's transaction id, the amount, and the handoff method."""

    reference: str
    transaction_id: str
    amount: int
    method: str


@dataclass(frozen=True)
class Traveller:
    """The details typed into the VIP confirm screen (a member: name and contact only)."""

    full_name: str = "Nguyễn Văn An"
    contact_email: str = "an.nguyen@example.com"
    contact_phone: str = "0912345678"


class WebviewUser:
    """One customer of one partner, with their own cookie jar (a fresh user has a fresh webview)."""

    def __init__(self, base_url: str, api: SandboxApi, partner_code: str, identify_code: str,
                 record: Recorder | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.api = api
        self.partner_code = partner_code
        self.identify_code = identify_code
        self.browser = requests.Session()
        self.browser.headers["User-Agent"] = "webview-sandbox-cases/1 (Android; WebView)"
        self._record = record

    def record(self, label: str, response: requests.Response) -> None:
        """Pass an exchange to the case's evidence (when the user was given a recorder)."""
        if self._record is not None:
            self._record(label, response)

    def url(self, path_or_url: str) -> str:
        """An absolute URL on the webview."""
        return path_or_url if urlsplit(path_or_url).scheme else f"{self.base_url}{path_or_url}"

    def get(self, path_or_url: str, label: str, *, expect: tuple[int, ...] = (200,), **params: str) -> Page:
        """GET a screen (redirects followed) and parse it; JourneyError when the final status is unexpected."""
        response = self.browser.get(self.url(path_or_url), params=params or None, timeout=TIMEOUT)
        return self._page(label, response, expect)

    def submit(self, page: Page, label: str, *, expect: tuple[int, ...] = (200,), **form_query) -> Page:
        """POST a form of the page with its own values (CSRF token included), changed by form_query['data']."""
        form = page.form(**{key: value for key, value in form_query.items() if key != "data"})
        data = form.values(**form_query.get("data", {}))
        response = self.browser.post(form.action, data=data, timeout=TIMEOUT)
        return self._page(label, response, expect)

    def _page(self, label: str, response: requests.Response, expect: tuple[int, ...]) -> Page:
        self.record(label, response)
        if response.status_code not in expect:
            raise JourneyError(f"{label}: HTTP {response.status_code} (expected {', '.join(map(str, expect))})")
        return Page(response.url, response.text)

    # -- the journey --------------------------------------------------------------------------------------------

    def open_webview(self, **launch: object) -> Page:
        """Launch as the partner (test API → the real partner API) and open url_open in this user's webview."""
        urls = self.api.launch(self.partner_code, self.identify_code, product="vip", locale="en", **launch)
        return self.get(urls["url_open"], "open url_open")

    def hold_vip(self, traveller: Traveller | None = None) -> tuple[str, int]:
        """Choose the first VIP plan and confirm it (member and contact prefilled, corrected to ours): the hold opens
        the payment straight away (plan → confirm → pay). Returns (order number, amount)."""
        who = traveller or Traveller()
        plans = self.get("/w/", "VIP plans", product="vip")
        if not plans.has("result-item"):
            raise JourneyError("the VIP tab shows no plan (is the demo catalog seeded?)")
        confirm = self.get(plans.link("select-offer"), "confirm screen")
        if not confirm.has("hold-submit"):
            raise JourneyError("no confirm screen after choosing a VIP plan")
        amount = int(confirm.testid("review-total").attrs["data-amount"])
        paying = self.submit(confirm, "confirm → hold", testid="traveller-form", data={
            "travellers-0-full_name": who.full_name, "contact_email": who.contact_email,
            "contact_phone": who.contact_phone})
        if paying.has("form-errors") or not paying.has("pay-button"):
            raise JourneyError(f"the confirm screen was refused: {paying.testid('form-errors').text.strip()[:200]}"
                               if paying.has("form-errors") else "no payment screen after the confirm screen")
        reference = paying.testid("pay-button").attrs["data-reference-transaction-id"]
        status = self.order_page(reference).testid("order-status").attrs
        if status.get("data-booking-status") != "BOOKED":
            raise JourneyError(f"the hold did not book: {status}")
        return reference, amount

    def order_page(self, reference: str, *, expect: tuple[int, ...] = (200,)) -> Page:
        """The order screen (/w/orders/<reference>)."""
        return self.get(f"/w/orders/{reference}", "order screen", expect=expect)

    def checkout(self, reference: str) -> Checkout:
        """Tap pay on the held order: the handoff screen; envelope: follow the sealed place-order redirect."""
        order = self.order_page(reference)
        handoff = self.submit(order, "pay button → handoff", action_contains=f"/w/orders/{reference}/checkout")
        config = handoff.json_block("checkout-handoff")
        transaction_id = config.get("transaction_id")
        # envelope, and a style whose create is a signed redirect (vnpay-like): the partner opens its payment
        # only when the browser arrives with the merchant's redirect
        redirect_create = urlsplit(str(config.get("url") or "")).path.endswith("/sandbox/pay/")
        if (not transaction_id or redirect_create) and config.get("url"):
            response = self.browser.get(config["url"], allow_redirects=False, timeout=TIMEOUT)
            self.record("signed redirect create" if redirect_create else "place-order redirect (envelope)", response)
            location = response.headers.get("Location", "")
            if response.status_code not in (302, 303) or "/sandbox/pay/" not in location:
                raise JourneyError("the partner's payment redirect did not open a payment")
            transaction_id = location.rstrip("/").rsplit("/", 1)[-1]
        if not transaction_id:
            raise JourneyError("the handoff screen carries no transaction")
        return Checkout(reference, str(transaction_id), int(config.get("amount") or 0), str(config.get("method")))

    def status(self, reference: str) -> dict:
        """The order's statuses as the result screen's poller reads them (status.json)."""
        response = self.browser.get(self.url(f"/w/orders/{reference}/status.json"), timeout=TIMEOUT)
        if response.status_code == 429:  # the poller's rate limit: wait as told
            time.sleep(min(float(response.headers.get("Retry-After") or 2), 5.0))
            response = self.browser.get(self.url(f"/w/orders/{reference}/status.json"), timeout=TIMEOUT)
        if response.status_code != 200:
            self.record("status.json", response)
            raise JourneyError(f"status.json answered HTTP {response.status_code}")
        return response.json()

    def wait_for(self, reference: str, done: Callable[[dict], bool], what: str, timeout: float = 25.0) -> dict:
        """Poll status.json (as the result screen does) until `done(status)`, or JourneyError after `timeout`."""
        deadline, pause = time.monotonic() + timeout, 0.25
        while True:
            status = self.status(reference)
            if done(status):
                return status
            if time.monotonic() > deadline:
                raise JourneyError(f"{what}: still {status['booking_status']}/{status['payment_status']}/"
                                   f"{status['issue_status']} after {timeout:.0f} s")
            time.sleep(pause)
            pause = min(pause * 1.5, 1.0)

    def wait_issued(self, reference: str, timeout: float = 25.0) -> dict:
        """Wait until issuance ended (SUCCESS or FAILED) and return the statuses."""
        return self.wait_for(reference, lambda status: status["issue_status"] in FINAL_ISSUE,
                             "issuance did not finish", timeout)

    def pay(self, reference: str) -> tuple[Checkout, dict]:
        """Check out and approve in the wallet (no faults): (checkout, the test API's answer)."""
        checkout = self.checkout(reference)
        return checkout, self.api.approve(checkout.transaction_id, faults={})
