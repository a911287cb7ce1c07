"""Certification cases after the money moved: operator cancel, partial and full refunds, the automatic refund of a
paid order the supplier could not issue, and the result link opened in a fresh webview."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from sandbox.cases.client import TIMEOUT, SandboxApiError
from sandbox.cases.context import Context
from sandbox.cases.journeys import mail_kinds, paid_and_issued, refunded_by_partner, statuses
from sandbox.cases.pages import Page
from sandbox.cases.webview_user import WebviewUser

OPERATOR_REASON = "certification case"
ISSUE_FAIL_NAME = "ISSUE FAIL"  # the demo supplier's magic traveller: issuance fails (sandbox.magic)


def operator_cancel(ctx: Context, reference: str) -> Page:
    """Cancel an order from the operator panel (/sandbox/operator, CSRF form), as `flask bookings cancel`."""
    operator = WebviewUser(ctx.base_url, ctx.api, ctx.partner.partner_code, "operator", record=ctx.record)
    if ctx.token:  # the operator panel sits behind the sandbox guard
        operator.browser.headers["Authorization"] = f"Bearer {ctx.token}"
    panel = operator.get("/sandbox/operator/", "operator panel", reference=reference)
    return operator.submit(panel, "operator cancel", action_contains="/sandbox/operator/cancel",
                           data={"cancel-reference": reference, "cancel-reason": OPERATOR_REASON})


def case_cancel(ctx: Context) -> None:
    """An operator cancels an issued booking: voided, CANCELLED, refunded in full (hmac: by the wallet)."""
    user, reference, amount, _answer = paid_and_issued(ctx, "cancel")
    operator_cancel(ctx, reference)
    status = user.wait_for(reference, lambda s: s["payment_status"] == "REFUNDED", "the cancel was not refunded")
    ctx.expect(statuses(status)[:2] == ("CANCELLED", "REFUNDED"), f"after the cancel: {statuses(status)}")
    refunded = refunded_by_partner(ctx, reference)
    ctx.expect(refunded in (None, amount), f"the wallet refunded {refunded} of {amount} VND")
    ctx.expect("refunded" in mail_kinds(ctx, user, "refunded"), "no refunded email")


def refund_case(ctx: Context, tag: str, share: str) -> None:
    """Refund half ("partial") or all that is left ("full") through the operator API; check both sides agree."""
    user, reference, amount, _answer = paid_and_issued(ctx, tag)
    wanted = amount // 2 if share == "partial" else amount
    refund = ctx.api.refund(reference, wanted if share == "partial" else None, OPERATOR_REASON)
    ctx.note("operator refund", refund)
    # PENDING: the jobs worker is settling it (a refund's answer may also be unknown for a while)
    ctx.expect(refund.get("status") in ("SUCCESS", "PENDING") and refund.get("amount") == wanted,
               f"the refund of {wanted} VND ended {refund.get('status')} for {refund.get('amount')} VND")
    expected = "PARTIALLY_REFUNDED" if share == "partial" else "REFUNDED"
    status = user.wait_for(reference, lambda s: s["payment_status"] == expected, f"not {expected}")
    ctx.expect(status["booking_status"] == "BOOKED", f"a refund changed the booking to {status['booking_status']}")
    refunded = refunded_by_partner(ctx, reference)
    ctx.expect(refunded in (None, wanted), f"the wallet refunded {refunded} VND, not {wanted}")
    ctx.expect("refunded" in mail_kinds(ctx, user, "refunded"), "no refunded email")
    if share == "partial":  # no more than what is left can be refunded
        try:
            over = ctx.api.refund(reference, amount - wanted + 1, OPERATOR_REASON)
        except SandboxApiError as refusal:
            ctx.note("refund beyond what is left", {"http_status": refusal.status, "answer": refusal.body})
        else:
            ctx.expect(False, f"a refund beyond what is left was accepted: {over}")


def case_partial_refund(ctx: Context) -> None:
    """Refund half of an issued order: PARTIALLY_REFUNDED, the wallet returned exactly that, a refunded email."""
    refund_case(ctx, "partial", "partial")


def case_full_refund(ctx: Context) -> None:
    """Refund all of an issued order: REFUNDED, the wallet returned the whole amount, a refunded email."""
    refund_case(ctx, "full", "full")


def case_issue_failed_refund(ctx: Context) -> None:
    """Paid, but the supplier cannot issue: issue FAILED, the customer is told, the payment is refunded in full."""
    user, reference, amount, _answer = paid_and_issued(ctx, "issuefail", full_name=ISSUE_FAIL_NAME)
    status = user.status(reference)
    ctx.expect(status["issue_status"] == "FAILED", f"issuance did not fail: {statuses(status)}")
    status = user.wait_for(reference, lambda s: s["payment_status"] == "REFUNDED", "no automatic refund")
    ctx.expect(statuses(status) == ("BOOKED", "REFUNDED", "FAILED"), f"after the failure: {statuses(status)}")
    refunded = refunded_by_partner(ctx, reference)
    ctx.expect(refunded in (None, amount), f"the wallet refunded {refunded} of {amount} VND")
    kinds = mail_kinds(ctx, user, "issue_failed")
    ctx.expect("issue_failed" in kinds, f"no issue_failed email (emails: {kinds})")


def tampered(link: str) -> str:
    """The link with its last signature digit changed."""
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query))
    sig = query.get("sig", "")
    query["sig"] = sig[:-1] + ("0" if sig[-1:] != "0" else "1")
    return urlunsplit(parts._replace(query=urlencode(query)))


def fresh_get(ctx: Context, url: str, label: str) -> requests.Response:
    """GET in a brand-new webview (no cookies), redirects followed, as evidence."""
    response = requests.get(url, timeout=TIMEOUT)
    ctx.record(label, response)
    return response


def case_result_fresh_webview(ctx: Context) -> None:
    """The return link opened in a fresh webview shows that one order read-only, once; nothing else is reachable,
    and another customer of the partner cannot open the order."""
    _user, reference, _amount, answer = paid_and_issued(ctx, "result")
    link = answer.get("result_url")
    ctx.expect(bool(link), "the wallet has no result link for the order")
    ctx.expect(fresh_get(ctx, tampered(link), "tampered link").status_code == 403, "a tampered link was accepted")
    fresh = requests.Session()
    opened = fresh.get(link, timeout=TIMEOUT)
    ctx.record("result link in a fresh webview", opened)
    ctx.expect(opened.status_code == 200, f"a valid result link answered HTTP {opened.status_code}")
    page = Page(opened.url, opened.text)
    result = page.testid("order-result")
    ctx.expect(result.attrs.get("data-read-only") == "true", "the fresh webview's result view is not read-only")
    shown = page.testid("order-status").attrs.get("data-reference-transaction-id")
    ctx.expect(shown == reference, f"the link showed order {shown}, not {reference}")
    ctx.expect(fresh.get(f"{ctx.base_url}/w/orders", timeout=TIMEOUT).status_code >= 400,
               "the read-only grant opened the order list")
    ctx.expect(fresh_get(ctx, link, "the same link again").status_code == 403, "the result link worked twice")
    other = ctx.user("other")
    other.open_webview()
    screen = other.get(f"/w/orders/{reference}", "another customer opens the order", expect=(200, 404))
    ctx.expect(screen.url and not screen.has("order-status"), "another customer of the partner saw the order")
    polled = other.browser.get(other.url(f"/w/orders/{reference}/status.json"), timeout=TIMEOUT)
    other.record("another customer polls the order", polled)
    ctx.expect(polled.status_code == 404, f"another customer's status.json answered HTTP {polled.status_code}")
