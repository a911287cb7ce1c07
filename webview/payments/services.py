"""Payment status transitions: checkout handoff, IPN / commit / query results, applied under a row lock.

Every transition runs in one transaction that locks the booking row (SELECT … FOR UPDATE; SQLite's write lock
there), is idempotent (a status that lost a race is decided again on the fresh row), and
writes its side effects (issuance, emails) to the jobs outbox in that same transaction. Calls to the partner
happen before the lock is taken, never while it is held.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from webview.booking.inventory import release_inventory, reserve_inventory
from webview.booking.lifecycle import apply_transition
from webview.booking.models import Booking
from webview.booking.services import locked_booking
from webview.booking.states import BookingStatus, PartnerStatus, PaymentStatus
from webview.config import guard_switched_off
from webview.db import begin_write_transaction, utcnow
from webview.extensions import db
from webview.jobs import enqueue
from webview.messagelog.services import amend_verdict
from webview.partners.models import Customer, Partner
from webview.payments.gateway import (
    UNUSABLE,
    CallBudget,
    Handoff,
    PartnerTransaction,
    PartnerUnavailable,
    TransactionRequest,
    UnusableAnswer,
    gateway_for,
)
from webview.payments.models import CheckoutHandoff, PaymentCheck, PaymentEvent
from webview.payments.notify import queue_booking_email
from webview.products import get_product
from webview.profiles import profile_of

log = logging.getLogger(__name__)
T = TypeVar("T")

ISSUE_JOB = "payments.issue"
FIRST_CHECK_DELAY_S = 5
STALE_ROW_TRIES = 3
FAILED_CHECK = "failed check"  # PaymentCheck.last_result of an answer the merchant could not use


class CheckoutError(Exception):
    """The booking cannot be paid now; `reason` is expired, not_payable or missing."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class StatusOutcome:
    """The answer to a payment status: the hmac code (0, 3, 4, 5, 6) and whether the booking changed."""

    code: int
    changed: bool
    booking: Booking | None
    note: str


def lock_booking(reference: str) -> Booking | None:
    """The booking with this reference, its row locked until the transaction ends.

    FOR UPDATE on PostgreSQL; on SQLite, which has no row locks, the database's write lock (BEGIN IMMEDIATE).
    """
    return locked_booking(Booking.reference == reference)


def transaction_request(booking: Booking, identify_code: str) -> TransactionRequest:
    """What the partner is told about a booking when its payment is opened."""
    snapshot = booking.offer_snapshot if isinstance(booking.offer_snapshot, dict) else {}
    description = str(snapshot.get("title") or f"{booking.product} {booking.reference}")
    return TransactionRequest(reference=booking.reference, amount=booking.amount, description=description,
                              expires_at=booking.hold_expires_at, identify_code=identify_code,
                              product=booking.product)


def _check_payable(booking: Booking) -> None:
    if booking.booking_status == BookingStatus.EXPIRED or (
        booking.awaits_payment and booking.hold_expires_at is not None and booking.hold_expires_at <= utcnow()
    ):
        raise CheckoutError("expired", "the hold has expired; no payment was started")
    if not booking.awaits_payment:
        raise CheckoutError("not_payable", "this booking is not awaiting payment")


def start_checkout(booking: Booking) -> Handoff:
    """Open the partner's payment for a held booking and return how to hand the user over.

    Idempotent: the partner transaction is created once (the partner is idempotent on the reference too, so a
    double tap racing here still yields one payment) and its links are reused on reload. CheckoutError when the
    booking is not held or the hold has expired; PartnerUnavailable (or PartnerRefused) when the partner is
    down, slow or answers garbage — the booking stays held and the screen offers a retry.
    """
    _check_payable(booking)
    partner = db.session.get(Partner, booking.partner_id)
    gateway = gateway_for(partner)
    identify_code = _identify_code(booking)
    request = transaction_request(booking, identify_code)
    if not profile_of(partner).creates_partner_transaction:
        return gateway.build_handoff(request, None)
    booking_id = booking.id
    cached = db.session.get(CheckoutHandoff, booking_id)
    if cached is None:
        created = gateway.create_transaction(request)  # commits first: no lock is held during the call
        _remember_transaction(booking_id, created)
        cached = db.session.get(CheckoutHandoff, booking_id)
        if cached is None:  # the booking stopped being payable while we were out
            booking = db.session.get(Booking, booking_id)
            _check_payable(booking)
            raise PartnerUnavailable("the payment could not be recorded; try again")
    transaction = PartnerTransaction(cached.partner_transaction_id, payment_url=cached.payment_url,
                                     deeplink=cached.deeplink)
    return gateway.build_handoff(request, transaction)


def _identify_code(booking: Booking) -> str:
    customer = db.session.get(Customer, booking.customer_id) if booking.customer_id else None
    return customer.identify_code if customer is not None else ""


def _remember_transaction(booking_id: int, created: PartnerTransaction) -> None:
    """Store the partner transaction on the (still held) booking under its row lock, once; commits."""
    begin_write_transaction(db.session)
    booking = locked_booking(Booking.id == booking_id)
    if booking is None or not booking.awaits_payment:
        db.session.rollback()
        return
    if db.session.get(CheckoutHandoff, booking_id) is None:
        if booking.partner_transaction_id is None:
            booking.partner_transaction_id = created.transaction_id
        db.session.add(CheckoutHandoff(booking_id=booking_id, partner_transaction_id=created.transaction_id,
                                       payment_url=created.payment_url, deeplink=created.deeplink))
        db.session.add(PaymentCheck(booking_id=booking_id, next_check_at=utcnow() + timedelta(
            seconds=FIRST_CHECK_DELAY_S)))
    db.session.commit()


# -- payment status in -----------------------------------------------------------------------------------------


def _record(booking: Booking, source: str, status: str, transaction_id: str | None, amount: int | None,
            outcome: str, message: str | None = None) -> None:
    db.session.add(PaymentEvent(booking_id=booking.id, source=source, status=status,
                                partner_transaction_id=transaction_id, amount=amount, outcome=outcome,
                                message=clean_partner_message(message)))


PARTNER_MESSAGE_MAX = 200


def clean_partner_message(text: object) -> str | None:
    """The partner's words as one plain line for a customer: control and format characters out, spaces
    collapsed, at most PARTNER_MESSAGE_MAX characters; None when nothing readable is left (or it is no string).

    The screen escapes it like any text; this keeps direction overrides, zero-width tricks and newlines out.
    """
    if not isinstance(text, str):
        return None
    kept = "".join(" " if char.isspace() else char for char in text
                   if char.isspace() or unicodedata.category(char)[0] != "C")
    line = " ".join(kept.split())
    return line[:PARTNER_MESSAGE_MAX] or None


def decline_reason(booking: Booking) -> str | None:
    """The reason the partner gave with the FAILURE that ended this booking's payment, or None if it gave none."""
    return db.session.scalar(
        select(PaymentEvent.message)
        .where(PaymentEvent.booking_id == booking.id, PaymentEvent.status == PartnerStatus.FAILURE)
        .order_by(PaymentEvent.id.desc()).limit(1))


def _queue_issuance(booking: Booking) -> None:
    enqueue(ISSUE_JOB, {"booking_id": booking.id, "reference": booking.reference},
            key=f"issue:{booking.reference}")


def _mark_paid(booking: Booking, source: str, transaction_id: str | None, amount: int | None,
               outcome: str) -> None:
    apply_transition(booking, booking_status=BookingStatus.BOOKED, payment_status=PaymentStatus.SUCCESS)
    if transaction_id:
        booking.partner_transaction_id = transaction_id
    _record(booking, source, PartnerStatus.SUCCESS, transaction_id, amount, outcome)
    _queue_issuance(booking)


def _apply_success(booking: Booking, source: str, transaction_id: str | None, amount: int | None) -> StatusOutcome:
    """SUCCESS: pay a held booking; a repeat is 0; a late one re-holds the inventory or is refused (6)."""
    if booking.is_paid:
        if transaction_id and booking.partner_transaction_id and transaction_id != booking.partner_transaction_id:
            _record(booking, source, PartnerStatus.SUCCESS, transaction_id, amount, "refused-must-refund")
            return StatusOutcome(6, True, booking, "a second payment for a paid booking: the partner must refund")
        return StatusOutcome(0, False, booking, "repeat of SUCCESS")
    if booking.awaits_payment:
        _mark_paid(booking, source, transaction_id, amount, "paid")
        return StatusOutcome(0, True, booking, "paid")
    late = (booking.booking_status in {BookingStatus.EXPIRED, BookingStatus.CANCELLED}
            or booking.payment_status == PaymentStatus.FAILED)
    if late and booking.booking_status != BookingStatus.FAILED and reserve_inventory(booking):
        _mark_paid(booking, source, transaction_id, amount, "re-held")
        return StatusOutcome(0, True, booking, "late SUCCESS: inventory re-held")
    _record(booking, source, PartnerStatus.SUCCESS, transaction_id, amount, "refused-must-refund")
    return StatusOutcome(6, True, booking, "late SUCCESS cannot be honoured: the partner must refund")


def _apply_failure(booking: Booking, source: str, transaction_id: str | None, amount: int | None,
                   message: str | None = None) -> StatusOutcome:
    """FAILURE: a held booking's payment fails, its hold is released and payment_failed is queued."""
    if booking.is_paid:
        return StatusOutcome(6, False, booking, "FAILURE after SUCCESS is ignored")
    if booking.payment_status == PaymentStatus.FAILED:
        return StatusOutcome(0, False, booking, "repeat of FAILURE")
    held = booking.booking_status == BookingStatus.BOOKED
    email = apply_transition(booking, payment_status=PaymentStatus.FAILED)
    if transaction_id and not booking.partner_transaction_id:
        booking.partner_transaction_id = transaction_id
    _record(booking, source, PartnerStatus.FAILURE, transaction_id, amount, "failed", message)
    release_inventory(booking)
    if email:
        queue_booking_email(email, booking)
    return StatusOutcome(0, True, booking, "payment failed; hold released" if held else "payment failed")


def apply_payment_status(partner: Partner, *, reference: str, status: str, amount: int | None,
                         transaction_id: str | None, source: str, message: str | None = None) -> StatusOutcome:
    """Apply a partner's payment status to a booking (IPN, or a query answer), in DESIGN's order; commits.

    Checks: booking exists (3) → belongs to the partner (4) → amount equals (5, when given) → state. PENDING
    changes nothing (0); a repeat is 0; FAILURE after SUCCESS is 6; a late SUCCESS re-holds or is 6. `message`,
    the partner's words with the status, is kept with a FAILURE as the reason the customer is shown.
    """

    def apply() -> StatusOutcome:
        booking = lock_booking(reference)
        outcome = _decide(partner, booking, status=status, amount=amount, transaction_id=transaction_id,
                          source=source, message=message)
        if outcome.changed:
            db.session.commit()
        else:
            db.session.rollback()  # nothing changed: release the row lock
        return outcome

    return _on_fresh_row(apply, reference)


def _decide(partner: Partner, booking: Booking | None, *, status: str, amount: int | None,
            transaction_id: str | None, source: str, message: str | None = None) -> StatusOutcome:
    if booking is None:
        return StatusOutcome(3, False, None, "unknown reference")
    if booking.partner_id != partner.id:
        return StatusOutcome(4, False, None, "booking of another partner")
    # guard-off test switch (TESTING outside production only): the sandbox must then see its wrong-amount case fail
    if amount is not None and amount != booking.amount and not guard_switched_off("TESTING_DISABLE_AMOUNT_CHECK"):
        return StatusOutcome(5, False, booking, f"amount {amount} differs from {booking.amount}")
    if status == PartnerStatus.PENDING:
        return StatusOutcome(0, False, booking, "PENDING changes nothing")
    if status == PartnerStatus.SUCCESS:
        return _apply_success(booking, source, transaction_id, amount)
    return _apply_failure(booking, source, transaction_id, amount, message)


def apply_commit(partner: Partner, *, booking_number: str, partner_trans_id: str,
                 product_type: str) -> tuple[str, Booking | None]:
    """Envelope commit ("the partner has taken the money"): returns (error_code, booking); commits.

    00 paid now or a repeat with the same partner_trans_id; 08 already committed with another one; 07 a
    product_type that is not the booking's; 02 an unknown booking, another partner's, or a late commit we cannot
    honour (the partner must refund).
    """

    def apply() -> tuple[str, Booking | None]:
        booking = lock_booking(booking_number)
        if booking is None or booking.partner_id != partner.id:
            db.session.rollback()
            return "02", None
        if get_product(booking.product).product_type != product_type:
            db.session.rollback()
            return "07", booking
        if booking.is_paid:
            db.session.rollback()
            return ("00" if booking.partner_transaction_id == partner_trans_id else "08"), booking
        outcome = _apply_success(booking, "commit", partner_trans_id, None)
        db.session.commit()
        return ("00" if outcome.code == 0 else "02"), booking

    return _on_fresh_row(apply, booking_number)


def _on_fresh_row(apply: Callable[[], T], reference: str) -> T:
    """Run one row-lock unit of work; if a concurrent writer changed the booking first, run it again on the
    fresh row, so the answer follows the rules for the state as it is now (a duplicate gets its code, not 500).

    The row lock makes this rare (FOR UPDATE, or SQLite's write lock); the booking's version counter is what
    notices it (StaleDataError) when a writer got past the lock anyway.
    """
    for attempt in range(1, STALE_ROW_TRIES):
        try:
            return apply()
        except StaleDataError:
            db.session.rollback()
            log.warning("booking %s changed under a payment status (try %s); reading it again", reference, attempt)
    return apply()  # a conflict on the last try is a real fault


# -- asking the partner ----------------------------------------------------------------------------------------


def _claim_check(booking_id: int, min_interval_s: float) -> bool:
    """Take the right to ask the partner about this booking now (at most once per interval, across nodes)."""
    now = utcnow()
    if db.session.get(PaymentCheck, booking_id) is None:
        db.session.add(PaymentCheck(booking_id=booking_id, next_check_at=now))
        try:
            db.session.commit()
        except Exception:  # another node created it at the same moment
            db.session.rollback()
    result = db.session.execute(
        update(PaymentCheck)
        .where(PaymentCheck.booking_id == booking_id,
               (PaymentCheck.last_checked_at.is_(None))
               | (PaymentCheck.last_checked_at < now - timedelta(seconds=min_interval_s)))
        .values(last_checked_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def sync_payment_status(booking: Booking, *, min_interval_s: float | None = None,
                        budget: CallBudget | None = None) -> Booking:
    """Ask the partner's query API about a pending payment and apply the answer (rate limited per order).

    Used by the result screen while payment is PENDING (with one short try as `budget`) and by the poller (the
    PARTNER_* budget), so a lost IPN still ends right. Returns the booking as it is afterwards; partner trouble
    is logged and leaves it unchanged.
    """
    interval = min_interval_s if min_interval_s is not None else float(
        current_app.config["PAYMENT_SYNC_MIN_INTERVAL_SECONDS"])
    booking_id, reference = booking.id, booking.reference
    if booking.payment_status != PaymentStatus.PENDING or not booking.partner_transaction_id:
        return booking
    partner = db.session.get(Partner, booking.partner_id)
    if not profile_of(partner).can_query_partner or not _claim_check(booking_id, interval):
        return db.session.get(Booking, booking_id)
    try:
        answer = gateway_for(partner, budget).query_transaction(reference)
    except UnusableAnswer as problem:  # its reason is on the exchange's message-log row
        _note_check(booking_id, f"{FAILED_CHECK}: {problem.reason}")
        return db.session.get(Booking, booking_id)
    except PartnerUnavailable as problem:
        _note_check(booking_id, f"unavailable: {problem.reason}")
        return db.session.get(Booking, booking_id)
    if answer is None or answer.status == PartnerStatus.PENDING:
        _note_check(booking_id, "not found" if answer is None else PartnerStatus.PENDING)
        return db.session.get(Booking, booking_id)
    outcome = apply_payment_status(partner, reference=reference, status=answer.status, amount=answer.amount,
                                   transaction_id=answer.transaction_id, source="query", message=answer.message)
    if outcome.code == 5:  # an amount that is not the booking's: not applied, the order stays pending
        reason = f"amount {answer.amount} differs from the booking's {outcome.booking.amount}: not applied"
        amend_verdict(answer.message_id, f"{UNUSABLE}: {reason}; the order stays pending")
        _note_check(booking_id, f"{FAILED_CHECK}: {reason}")
    else:
        _note_check(booking_id, f"{answer.status}: code {outcome.code}")
    return db.session.get(Booking, booking_id)


def _note_check(booking_id: int, result: str) -> None:
    db.session.execute(update(PaymentCheck).where(PaymentCheck.booking_id == booking_id)
                       .values(last_result=result[:100]).execution_options(synchronize_session=False))
    db.session.commit()


def partner_status(booking: Booking) -> str:
    """The single payment status partners see: PENDING, SUCCESS or FAILURE."""
    if booking.is_paid:
        return PartnerStatus.SUCCESS
    return PartnerStatus.FAILURE if booking.payment_status == PaymentStatus.FAILED else PartnerStatus.PENDING


def transaction_view(booking: Booking) -> dict:
    """`data` of GET /api/v1/transaction."""
    return {
        "reference_transaction_id": booking.reference,
        "partner_transaction_id": booking.partner_transaction_id,
        "status": partner_status(booking),
        "amount": booking.amount,
        "booking_status": booking.booking_status,
        "payment_status": booking.payment_status,
        "issue_status": booking.issue_status,
        "refunded_amount": booking.refunded_amount,
    }
