"""The booking journeys of the certification list: each holds an order through the webview screens, pays (or not)
through the sandbox wallet with the faults the case needs, and checks what the merchant then shows and did."""

from __future__ import annotations

import re
import time

from sandbox.cases.client import TIMEOUT, SandboxApiError
from sandbox.cases.context import CaseNotApplicable, Context
from sandbox.cases.webview_user import WebviewUser


def statuses(status: dict) -> tuple[str, str, str]:
    """(booking_status, payment_status, issue_status) of a status.json answer."""
    return status["booking_status"], status["payment_status"], status["issue_status"]


def paid_and_issued(ctx: Context, tag: str, *, full_name: str = "NGUYEN VAN AN",
                    faults: dict | None = None) -> tuple[WebviewUser, str, int, dict]:
    """Hold, pay (with faults), wait until issuance ends: (user, reference, amount, the approve answer)."""
    user = ctx.user(tag)
    reference, amount = ctx.hold(user, full_name)
    checkout = user.checkout(reference)
    ctx.expect(checkout.amount == amount, f"the handoff asks {checkout.amount} VND for a {amount} VND order")
    answer = user.api.approve(checkout.transaction_id, faults=faults or {})
    codes = ctx.delivered(answer)
    ctx.expect(all(code == ctx.success_code() for code in codes),
               f"the merchant did not accept the payment notification: codes {codes}")
    status = user.wait_issued(reference)
    ctx.note("order after payment", status)
    return user, reference, amount, answer


def mail_kinds(ctx: Context, user: WebviewUser, *wanted: str, timeout: float = 15.0) -> list[str]:
    """The kinds of the customer emails caught for this user's contact address (newest first), once every kind
    in `wanted` is there (emails leave through the jobs outbox) or `timeout` has passed."""
    deadline = time.monotonic() + timeout
    while True:
        kinds = [mail["kind"] for mail in ctx.api.mail(f"{user.identify_code}@example.com")]
        if set(wanted) <= set(kinds) or time.monotonic() > deadline:
            ctx.note("customer emails", kinds)
            return kinds
        time.sleep(0.3)


def refunded_by_partner(ctx: Context, reference: str) -> int | None:
    """hmac: the amount the sandbox wallet has refunded for the order; None for envelope (manual refunds)."""
    if ctx.profile == "envelope":
        return None
    view = ctx.api.transaction(reference, ctx.partner.partner_code)
    ctx.note("wallet's view", {key: view.get(key) for key in ("status", "amount", "refunded_amount", "refunds")})
    return sum(refund["amount"] for refund in view.get("refunds", []) if refund.get("status") == "SUCCESS")


# --- the cases ----------------------------------------------------------------------------------------------

def case_hold_and_pay(ctx: Context) -> None:
    """Hold, pay, issued; the return link shows the order in session; the customer gets held + issued emails."""
    user, reference, amount, answer = paid_and_issued(ctx, "pay")
    status = user.status(reference)
    ctx.expect(statuses(status) == ("BOOKED", "SUCCESS", "SUCCESS"), f"not issued: {statuses(status)}")
    ctx.expect(bool(status["tickets"]), "issued without a ticket number")
    wallet = ctx.api.transaction(reference, ctx.partner.partner_code)
    ctx.expect(wallet["status"] == "SUCCESS" and wallet["amount"] == amount,
               f"the wallet charged {wallet['amount']} VND ({wallet['status']}) for a {amount} VND order")
    ctx.expect(bool(answer.get("result_url")), "the wallet has no way back to the result screen")
    back = user.get(answer["result_url"], "return to the result URL")
    result = back.testid("order-result")
    ctx.expect(result.attrs.get("data-state") == "issued" and "data-read-only" not in result.attrs,
               f"the return shows {result.attrs}")
    kinds = mail_kinds(ctx, user, "held", "issued")
    ctx.expect({"held", "issued"} <= set(kinds), f"customer emails were {kinds}, expected held and issued")


def case_decline_then_retry(ctx: Context) -> None:
    """Insufficient funds: payment FAILED (final); "try again" books anew with the same travellers, which pays."""
    cannot = ctx.style_cannot("FAILURE")
    if cannot:
        raise CaseNotApplicable(cannot + "; a declined booking simply expires")
    user = ctx.user("decline")
    reference, _amount = ctx.hold(user)
    checkout = user.checkout(reference)
    codes = ctx.delivered(user.api.decline(checkout.transaction_id))
    ctx.expect(codes == [0], f"the FAILURE IPN was answered {codes}")
    failed = user.status(reference)
    ctx.expect(statuses(failed)[:2] == ("BOOKED", "FAILED"), f"after a decline the order is {statuses(failed)}")
    result = user.get("/w/result", "result after the decline", partner_code=ctx.partner.partner_code,
                      reference=reference)
    ctx.expect(result.has("try-again"), "the result screen offers no try again after a failed payment")
    again = user.submit(result, "try again", action_contains=f"/w/orders/{reference}/retry")
    # try again lands on the new booking's order page, or straight on its wallet handoff (one tap to pay)
    landed = re.search(r"/w/orders/([^/?#]+)/checkout", again.url)
    new_reference = landed.group(1) if landed else \
        again.testid("order-status").attrs.get("data-reference-transaction-id", "")
    ctx.expect(bool(new_reference) and new_reference != reference, "try again did not make a new booking")
    ctx.references.append(new_reference)
    codes = ctx.delivered(user.api.approve(user.checkout(new_reference).transaction_id, faults={}))
    ctx.expect(codes == [0], f"the second payment's IPN was answered {codes}")
    ctx.expect(statuses(user.wait_issued(new_reference)) == ("BOOKED", "SUCCESS", "SUCCESS"),
               "the second booking was not issued")
    ctx.expect(statuses(user.status(reference))[:2] == ("BOOKED", "FAILED"), "the failed booking changed")
    ctx.expect("payment_failed" in mail_kinds(ctx, user, "payment_failed"), "no payment_failed email")


def case_release_hold(ctx: Context) -> None:
    """The customer releases a held, unpaid booking: CANCELLED, no pay button, no payment opened."""
    user = ctx.user("release")
    reference, _amount = ctx.hold(user)
    order = user.order_page(reference)
    ctx.expect(order.has("release-hold") and order.has("pay-button"), "a held order offers no release or pay")
    creates_before = _create_calls(ctx, reference)  # a VIP hold may open the payment at once (plan → confirm → pay)
    released = user.submit(order, "release the hold", action_contains=f"/w/orders/{reference}/release")
    ctx.expect(released.testid("order-status").attrs.get("data-booking-status") == "CANCELLED",
               "the released booking is not CANCELLED")
    ctx.expect(not released.has("pay-button"), "a released booking still offers to pay")
    token = order.form(action_contains=f"/w/orders/{reference}/release").fields.get("csrf_token", "")
    response = user.browser.post(user.url(f"/w/orders/{reference}/checkout"), data={"csrf_token": token},
                                 timeout=TIMEOUT)
    user.record("pay the released booking anyway", response)
    ctx.expect('data-testid="checkout-handoff"' not in response.text, "a released booking was handed to the wallet")
    ctx.expect(_create_calls(ctx, reference) == creates_before,
               "paying the released booking anyway asked the wallet to create a payment")
    try:
        wallet = ctx.api.transaction(reference, ctx.partner.partner_code)
    except SandboxApiError as error:
        ctx.expect(error.status == 404, f"the wallet's lookup answered HTTP {error.status}")
    else:  # opened before the release (the hold's own handoff), never paid
        ctx.expect(creates_before > 0 and wallet.get("status") == "PENDING",
                   f"the wallet holds a payment for a released booking: {wallet}")


def _create_calls(ctx: Context, reference: str) -> int:
    """How many create calls the merchant made to the wallet for this order (its own log)."""
    return sum(1 for row in ctx.api.messages(reference)
               if row.get("direction") == "outbound" and row.get("kind") == "create-transaction")


def case_pending_then_success(ctx: Context) -> None:
    """The wallet first reports PENDING (nothing changes), then SUCCESS: paid and issued."""
    user = ctx.user("pending")
    reference, _amount = ctx.hold(user)
    checkout = user.checkout(reference)
    codes = ctx.delivered(user.api.pend(checkout.transaction_id))
    ctx.expect(codes in ([0], []), f"the PENDING IPN was answered {codes}")
    pending = user.status(reference)
    ctx.expect(statuses(pending) == ("BOOKED", "PENDING", "PENDING"), f"PENDING changed the order: {pending}")
    codes = ctx.delivered(user.api.approve(checkout.transaction_id, faults={}))
    ctx.expect(codes == [ctx.success_code()], f"the SUCCESS notification was answered {codes}")
    ctx.expect(statuses(user.wait_issued(reference)) == ("BOOKED", "SUCCESS", "SUCCESS"), "not issued")


def case_duplicate_ipn(ctx: Context) -> None:
    """The IPN/commit arrives three times: each is answered success, the order is paid and issued once."""
    user, reference, _amount, answer = paid_and_issued(ctx, "dup", faults={"duplicate": 2})
    ctx.expect(len(answer.get("ipn", [])) == 3, f"the wallet sent {len(answer.get('ipn', []))} copies, not 3")
    status = user.status(reference)
    ctx.expect(statuses(status) == ("BOOKED", "SUCCESS", "SUCCESS"), f"after duplicates: {statuses(status)}")
    ctx.expect(len(status["tickets"]) == 1, f"issued {len(status['tickets'])} tickets")
    mail_kinds(ctx, user, "issued")
    time.sleep(1.0)  # a second issuance would have queued its email with the first
    kinds = mail_kinds(ctx, user)
    ctx.expect(kinds.count("issued") == 1, f"{kinds.count('issued')} issued emails for one order")


def case_lost_ipn_query(ctx: Context) -> None:
    """The wallet takes the money but the IPN never arrives: the merchant asks the wallet and ends paid, issued."""
    user = ctx.user("lost")
    reference, _amount = ctx.hold(user)
    checkout = user.checkout(reference)
    answer = user.api.approve(checkout.transaction_id, faults={"drop": True})
    ctx.note("wallet (IPN dropped)", {"status": answer.get("status"), "sent": answer.get("ipn")})
    ctx.expect(answer.get("status") == "SUCCESS", "the wallet did not take the payment")
    status = user.wait_for(reference, lambda s: s["payment_status"] != "PENDING",
                           "the lost IPN was not recovered by query", timeout=40)
    ctx.expect(status["payment_status"] == "SUCCESS", f"recovered as {statuses(status)}")
    ctx.expect(statuses(user.wait_issued(reference)) == ("BOOKED", "SUCCESS", "SUCCESS"), "not issued")
    exchanges = [(row.get("direction"), row.get("kind")) for row in ctx.api.messages(reference)]
    ctx.expect(("outbound", "query-transaction") in exchanges, f"no query to the wallet was logged: {exchanges}")
    ctx.expect(("inbound", "payment-ipn") not in exchanges, "an IPN reached the merchant after all")


def case_wrong_amount(ctx: Context) -> None:
    """An IPN whose amount differs from the order is refused (code 5) and changes nothing."""
    user = ctx.user("amount")
    reference, amount = ctx.hold(user)
    checkout = user.checkout(reference)
    answer = user.api.approve(checkout.transaction_id, faults={"wrong_amount": True})
    codes = ctx.delivered(answer)
    # a style may answer several refusals alike (zalopay-like: return_code -1): then wrong_amount must be among them
    outcomes = [str(sent.get("outcome") or "").split("|") for sent in answer.get("ipn", [])]
    ctx.expect(codes == [5] or (codes == [None] and "wrong_amount" in outcomes[0]),
               f"an IPN of {amount + 1000} VND for a {amount} VND order was answered {codes}, not 5")
    status = user.status(reference)
    if statuses(status) == ("BOOKED", "PENDING", "PENDING"):
        return
    # The wallet did take the right amount: once the payment has been open a while, reading the order lets the
    # merchant ask the wallet (the lost-IPN recovery), and the wallet's own answer may settle it. Only that is
    # allowed: the order must have moved after an answered query, never because of the refused IPN.
    exchanges = ctx.api.messages(reference)
    queried = [row for row in exchanges if row.get("direction") == "outbound" and row.get("kind") == "query-transaction"
               and row.get("status_code") == 200]
    ctx.note("settled by the wallet's answer to a query", {"statuses": statuses(status), "queries": len(queried)})
    ctx.expect(statuses(status)[1] == "SUCCESS" and queried,
               f"the refused IPN changed the order: {statuses(status)} with no query answered by the wallet")
