"""The checkout screens under /w/: the handoff to the partner's payment screen, the order result, its polled
status, and "try again" after a failed payment.

Views stay thin: find the order (it must belong to the session's customer, or to a verified result link), call a
payments or booking service, render or redirect. Status is never taken from the query string: every screen shows
the booking as the database has it, refreshed from the partner's query API while a payment is pending.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import Any

import segno
from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy import select

from webview.booking import screens
from webview.booking.layout import brand_for, layout_context, theme_css
from webview.booking.lifecycle import MESSAGES, can_book_again, status_key, status_message, status_tone
from webview.booking.models import Booking
from webview.booking.orders import not_found_page, owned_booking
from webview.booking.references import is_reference
from webview.booking.services import BookingError, book_again
from webview.catalog.offers import OfferNotFound
from webview.core.masking import mask_email, mask_tail
from webview.extensions import db, limiter
from webview.launch.models import LaunchSession
from webview.launch.sessions import current_launch, launch_required
from webview.partners.models import Partner
from webview.payments.gateway import Handoff, PartnerUnavailable
from webview.payments.receipts import receipt_for
from webview.payments.results import refresh_from_partner, return_link_column, verify_result_link_access
from webview.payments.services import CheckoutError, start_checkout

log = logging.getLogger(__name__)

bp = Blueprint("payments", __name__, url_prefix="/w")

CHECKOUT_KEY = "checkout_reference"  # the order this session last handed to the partner
GRANT_KEY = "result_grant"  # the one order a verified result link lets a fresh webview read
GRANT_SECONDS = 15 * 60
POLLING_STATES = frozenset({"holding", "held", "paid"})  # states that still change without the user
LINK_ARGS = ("transaction_id", "timestamp", "sig")
MAX_ARG = 100


@bp.context_processor
def inject_layout() -> dict:
    """The partner's brand and theme for base.html, and the helpers the shared booking templates call."""
    return {
        **layout_context(current_launch()),
        "status_tone": status_tone,
        "hold_left": screens.hold_left,
    }


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError):
    """A pay or try-again form posted without its token (or from a stale page): nothing changed."""
    return render_template("booking/gone.html", heading=_("This form has expired"),
                           message=_("Please go back and try again.")), 400


# -- finding the order ------------------------------------------------------------------------------------------


def session_result_booking(launch: LaunchSession) -> Booking | None:
    """The order a return to the result URL means in the session that made it.

    By `reference` (our own links), by the partner's `transaction_id` (hmac: the partner's id; envelope: the
    booking number), else the order this session last handed off. Only the session customer's orders count.
    """
    args = request.args
    if args.get("reference"):
        return owned_booking(launch, args["reference"])
    partner = launch.partner
    if args.get("partner_code") and args["partner_code"] != partner.code:
        return None
    transaction_id = args.get("transaction_id", "")
    if transaction_id:
        if len(transaction_id) > MAX_ARG:
            return None
        column = return_link_column(partner)
        found = db.session.scalar(select(Booking).where(Booking.partner_id == launch.partner_id,
                                                        Booking.customer_id == launch.customer_id,
                                                        column == transaction_id))
        # a partner whose create is a signed redirect knows the payment by our order number until its own id
        # reaches us (a status-in call or our query): its return link keeps naming that stand-in
        if found is None and is_reference(transaction_id):
            found = owned_booking(launch, transaction_id)
        return found
    last = session.get(CHECKOUT_KEY)
    return owned_booking(launch, last) if isinstance(last, str) else None


def grant_result_view(booking: Booking, partner: Partner) -> None:
    """Let this browser read one order for a while (after a verified result link), and nothing else."""
    session[GRANT_KEY] = {"booking_id": booking.id, "partner_code": partner.code,
                          "until": int(time.time()) + GRANT_SECONDS}


def granted_booking(reference: str | None = None) -> Booking | None:
    """The order a result-link grant in this session still allows reading (optionally: only if it is `reference`)."""
    grant = session.get(GRANT_KEY)
    if not isinstance(grant, dict) or not isinstance(grant.get("until"), int) or grant["until"] < time.time():
        return None
    booking = db.session.get(Booking, grant.get("booking_id"))
    if booking is None or (reference is not None and booking.reference != reference.strip().upper()):
        return None
    return booking


def status_payload(booking: Booking) -> dict[str, Any]:
    """status.json: the three statuses, the message the screen shows and whether it can still change by itself."""
    key = status_key(booking)
    title, detail = status_message(booking)
    return {
        "reference_transaction_id": booking.reference,
        "booking_status": booking.booking_status,
        "payment_status": booking.payment_status,
        "issue_status": booking.issue_status,
        "state": key,
        "title": str(title),
        "detail": str(detail),
        "final": key not in POLLING_STATES,
        "tickets": list(booking.tickets or []),
    }


# -- pages ------------------------------------------------------------------------------------------------------


def reopen_page(reason: str, status: int):
    """Nothing to show without a session or a valid link: the user reopens the order from the partner's app."""
    return render_template("payments/reopen.html", reason=reason), status


def result_page(booking: Booking, *, read_only: bool, partner: Partner):
    """The order result: three-status message, tickets, what to do next; polls while it can still change."""
    title, detail = status_message(booking)
    key = status_key(booking)
    context: dict[str, Any] = {}
    if read_only:  # no launch session: theme the page from the order's partner
        css = theme_css(partner, None)
        context = {"page_brand": brand_for(partner), "page_theme_css": Markup(css) if css else None}  # noqa: S704
    retry = can_book_again(booking)
    return render_template(
        "payments/result.html", booking=booking, status_title=title, status_detail=detail, state=key,
        read_only=read_only, polling=key in POLLING_STATES, can_try_again=retry and not read_only,
        payable=not read_only and screens.is_releasable(booking),
        receipt=receipt_for(booking, screens.current_locale()), expired_status=MESSAGES["expired"],
        mask=partial(mask_tail, fill="•"), mask_email=partial(mask_email, fill="•"),
        refresh_seconds=int(current_app.config["RESULT_REFRESH_SECONDS"]), **context,
    )


def handoff_config(handoff: Handoff, booking: Booking, partner: Partner) -> dict[str, Any]:
    """What checkout.js needs, JSON-encoded into the page (never spliced into code)."""
    return {
        "method": handoff.method,
        "url": handoff.url,
        "deeplink": handoff.deeplink,
        "bridge_function": handoff.bridge_function,
        "transaction_id": handoff.transaction_id,
        "amount": handoff.amount,
        "result_url": url_for("payments.result", partner_code=partner.code, reference=booking.reference),
        "bridge_timeout_ms": int(current_app.config["BRIDGE_TIMEOUT_MS"]),
    }


# -- routes -----------------------------------------------------------------------------------------------------


@bp.route("/orders/<reference>/checkout", methods=["GET", "POST"])
@launch_required
def handoff(reference: str):
    """Open the partner's payment for a held order: create its transaction once, then hand the user over.

    POST (the pay and retry buttons, CSRF-checked) redirects to GET, which shows the handoff; both are idempotent.
    Partner trouble shows the retry screen with the booking still held; an expired hold says so and pays nothing.
    """
    launch = current_launch()
    booking = owned_booking(launch, reference)
    if booking is None:
        return not_found_page()
    reference = booking.reference
    try:
        handoff = start_checkout(booking)
    except CheckoutError as error:
        if error.reason == "expired":
            return render_template("payments/expired.html", booking=db.session.get(Booking, booking.id)), 409
        return redirect(url_for("payments.result", partner_code=launch.partner.code, reference=reference), 303)
    except PartnerUnavailable as problem:
        log.warning("checkout %s: partner unavailable: %s", reference, problem.reason)
        return render_template("payments/retry.html", booking=db.session.get(Booking, booking.id),
                               partner_answered=problem.partner_answered), 503
    session[CHECKOUT_KEY] = reference
    if request.method == "POST":
        return redirect(url_for("payments.handoff", reference=reference), 303)
    booking = db.session.get(Booking, booking.id)
    partner = launch.partner
    response = Response(render_template("payments/handoff.html", booking=booking, handoff=handoff,
                                        partner=partner, config=handoff_config(handoff, booking, partner)))
    response.headers["Cache-Control"] = "no-store"  # the sealed place-order URL is fresh on every load
    return response


@bp.get("/result")
def result():
    """The order result (DESIGN "Result URL"): the session's own order, or one read-only order for a valid link.

    In the session that made the booking the page shows it, reloads included. In a fresh webview a valid signed
    link (good signature, within ±300 s, never used) is spent on a grant for that one order and the signature is
    stripped from the address; a tampered, stale or reused link shows the "reopen from the app" page.
    """
    launch = current_launch()
    if launch is not None:
        booking = session_result_booking(launch)
        if booking is not None:
            return result_page(refresh_from_partner(booking), read_only=False, partner=launch.partner)
    args = request.args
    link = [args.get(name) for name in LINK_ARGS]
    if any(link) and (launch is None or all(link)):  # in session, a half link is just a return to the app
        values = [str(args.get(name, ""))[:MAX_ARG + 1] for name in ("partner_code", *LINK_ARGS)]
        booking = verify_result_link_access(*values)
        if booking is None:
            return reopen_page("link", 403)
        partner = db.session.get(Partner, booking.partner_id)
        grant_result_view(booking, partner)
        return redirect(url_for("payments.result", partner_code=partner.code), 303)
    booking = granted_booking()
    if booking is not None and args.get("partner_code") in (None, session[GRANT_KEY].get("partner_code")):
        partner = db.session.get(Partner, booking.partner_id)
        return result_page(refresh_from_partner(booking), read_only=True, partner=partner)
    if launch is not None:  # a return we cannot tie to an order: the customer's orders
        return redirect(url_for("booking.orders"), 303)
    return reopen_page("session", 401)


@bp.get("/orders/<reference>/voucher")
@launch_required
def voucher(reference: str):
    """The printable e-ticket, hotel voucher or membership card of the session customer's issued order.

    One page that prints and saves (as PDF) well: no navigation in print, the code as text and as a QR code.
    An order with nothing issued (or no longer standing) has no such page: its result screen says why.
    """
    launch = current_launch()
    booking = owned_booking(launch, reference)
    if booking is None:
        return not_found_page()
    receipt = receipt_for(booking, screens.current_locale())
    if not receipt.printable:
        return redirect(url_for("payments.result", partner_code=launch.partner.code, reference=booking.reference),
                        303)
    result_url = url_for("payments.result", partner_code=launch.partner.code, reference=booking.reference)
    svg = Markup(qr_svg(receipt.code)) if receipt.code else None  # noqa: S704  (segno's own markup of our code)
    response = Response(render_template("payments/voucher.html", booking=booking, receipt=receipt, qr_svg=svg,
                                        result_url=result_url))
    response.headers["Cache-Control"] = "no-store"  # names and document numbers: kept by no cache
    return response


def qr_svg(text: str) -> str:
    """The code as an inline SVG QR code (dark on white, whatever the theme, so any scanner reads it)."""
    return segno.make(text, micro=False).svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)


def status_limit_key() -> str:
    """Rate-limit status polling per session and order, so no one can spend the owner's poller's budget.

    A launch session (or a result-link grant) polls on its own budget per order, not per address (many phones
    share a carrier's address); a caller with neither is counted by its address, over all orders (it can read
    none of them, and guessing order numbers must not multiply its budget).
    """
    reference = str((request.view_args or {}).get("reference", ""))[:MAX_ARG]
    launch = current_launch()
    if launch is not None:
        return f"order-status:launch:{launch.id}:{reference}"
    grant = session.get(GRANT_KEY)
    if isinstance(grant, dict) and isinstance(grant.get("until"), int) and grant["until"] >= time.time():
        return f"order-status:grant:{grant.get('booking_id')}:{grant['until']}:{reference}"
    return f"order-status:address:{get_remote_address()}"


@bp.get("/orders/<reference>/status.json")
@limiter.limit(lambda: current_app.config["ORDER_STATUS_RATE_LIMIT"], key_func=status_limit_key)
def status(reference: str):
    """The order's statuses as JSON for the result screen's poller (session customer or result-link grant)."""
    launch = current_launch()
    booking = owned_booking(launch, reference) if launch is not None else None
    if booking is None:
        booking = granted_booking(reference)
    if booking is None:
        response = jsonify({"error": "not_found"})
        response.status_code = 404
    else:
        response = jsonify(status_payload(refresh_from_partner(booking)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/orders/<reference>/retry")
@launch_required
def try_again(reference: str):
    """After a declined payment: a new booking with the same travellers, straight to the wallet (an expired hold:
    the new booking, shown held).

    One tap: the new hold and its partner transaction are made here, then the handoff page opens the partner's
    payment screen the way Pay does (redirect, deep link or bridge). A double tap lands on the same new booking
    and the same transaction. When the price changed since, the held order shows the new total and waits for Pay.
    """
    launch = current_launch()
    booking = owned_booking(launch, reference)
    if booking is None:
        return not_found_page()
    if not can_book_again(booking):
        return redirect(url_for("payments.result", partner_code=launch.partner.code, reference=booking.reference),
                        303)
    declined = status_key(booking) == "payment_failed"  # an expired hold is booked again, then shown held
    try:
        again = book_again(booking, launch_session_id=launch.id, locale=screens.current_locale())
    except OfferNotFound:
        return render_template("booking/gone.html", heading=_("This offer is no longer available"),
                               back_url=url_for("booking.home", product=booking.product)), 404
    except BookingError as error:
        return render_template("booking/gone.html", heading=_("We could not book this again"),
                               message=str(error.message),
                               back_url=url_for("booking.home", product=booking.product)), 409
    log.info("booking %s booked again as %s", booking.reference, again.reference)
    if not declined or again.amount != booking.amount or not again.is_held:
        return redirect(url_for("booking.order", reference=again.reference), 303)
    return handoff(again.reference)
