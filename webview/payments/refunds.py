"""Refunds and operator cancellations.

A refund is opened under the booking's row lock, where the total of successful and pending refunds is checked
never to exceed what was paid; it carries a `request_id` sent unchanged on every try. hmac refunds are sent to
the partner by a job (`payments.refund`) with no lock held, then settled under the lock: SUCCESS raises
`refunded_amount` and moves payment to PARTIALLY_REFUNDED or REFUNDED (with the `refunded` email), a refusal is
FAILED, an unknown outcome (5xx, timeout) is retried with the same request_id. An operator may send a FAILED
refund again (`retry_refund`): same request_id, same job, the cap checked again. Envelope partners have no refund
API: their refunds are recorded as manual, to settle with the partner, and marked so everywhere.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from webview.booking.inventory import release_inventory
from webview.booking.lifecycle import apply_transition
from webview.booking.models import Booking
from webview.booking.states import BookingStatus, IssueStatus, PaymentStatus
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import Job, enqueue, job_handler
from webview.partners.models import Partner
from webview.payments import supplier
from webview.payments.gateway import gateway_for
from webview.payments.models import Refund, RefundStatus
from webview.payments.notify import queue_booking_email
from webview.payments.services import lock_booking
from webview.profiles import profile_of
from webview.uow import unit_of_work

REFUND_JOB = "payments.refund"
REFUNDABLE = (PaymentStatus.SUCCESS, PaymentStatus.PARTIALLY_REFUNDED)
MAX_REASON = 500


class RefundError(ValueError):
    """A refund or cancellation that cannot be done; the message says why, in one line."""


class RefundStillPending(RuntimeError):
    """The partner's answer to a refund is unknown (5xx, timeout): the job retries with the same request_id."""


def new_request_id() -> str:
    """A refund's idempotency key."""
    return "RF-" + secrets.token_hex(8).upper()


def committed_refunds(booking: Booking) -> int:
    """Money already refunded or being refunded for a booking (SUCCESS and PENDING refunds)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(Refund.amount), 0)).where(
        Refund.booking_id == booking.id, Refund.status.in_((RefundStatus.SUCCESS, RefundStatus.PENDING)))) or 0)


def refundable_amount(booking: Booking) -> int:
    """What can still be refunded for a booking: its amount less the refunds done or under way; 0 when unpaid."""
    if booking.payment_status not in REFUNDABLE:
        return 0
    return max(booking.amount - committed_refunds(booking), 0)


def _check_within_payment(booking: Booking, amount: int) -> None:
    """RefundError unless `amount` more can be refunded on this (locked) booking."""
    if booking.payment_status not in REFUNDABLE:
        raise RefundError(f"booking {booking.reference} has no payment to refund (payment {booking.payment_status})")
    available = booking.amount - committed_refunds(booking)
    if amount > available:
        raise RefundError(f"{amount} VND exceeds what can still be refunded for {booking.reference}: {available} VND")


def _queue_refund(booking: Booking, refund: Refund, key: str) -> None:
    """Queue the partner call of a pending refund; the booking's version moves so a racing open on a stale copy
    fails to write."""
    booking.updated_at = utcnow()
    enqueue(REFUND_JOB, {"refund_id": refund.id, "reference": booking.reference}, key=key)


def open_refund(booking: Booking, amount: int, reason: str, *, kind: str = "operator",
                request_id: str | None = None) -> Refund:
    """Add a refund to a booking whose row the caller has locked; the caller commits. RefundError if refused."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RefundError("the amount must be a whole number of VND above 0")
    _check_within_payment(booking, amount)
    partner = db.session.get(Partner, booking.partner_id)
    manual = profile_of(partner).refunds_are_manual
    refund = Refund(booking_id=booking.id, request_id=request_id or new_request_id(), amount=amount,
                    reason=(reason or "").strip()[:MAX_REASON], kind=kind, manual=manual, status=RefundStatus.PENDING)
    db.session.add(refund)
    db.session.flush()
    if manual:
        refund.message = "manual refund: settle with the partner"
        _settle_success(booking, refund)
    else:
        _queue_refund(booking, refund, key=f"refund:{refund.request_id}")
    return refund


def create_refund(reference: str, amount: int, reason: str, *, kind: str = "operator",
                  settle_now: bool = False) -> Refund:
    """Open a refund for a booking (partial or full) under its row lock; commits. RefundError if refused.

    With settle_now, the partner is asked at once (`settle_refund_now`) instead of waiting for the refund job.
    """
    with unit_of_work():
        booking = lock_booking(reference)
        if booking is None:
            raise RefundError(f"no booking {reference}")
        refund = open_refund(booking, amount, reason, kind=kind)
    return settle_refund_now(refund.id) if settle_now else refund


def settle_refund_now(refund_id: int) -> Refund:
    """Ask the partner about a pending refund right away instead of waiting for the refund job; commits.

    The one "settle it now" path for operators (CLI, sandbox panel): a manual or already-settled refund is returned
    as it is; an unknown answer (RefundStillPending) stays PENDING for the job to retry with the same request_id;
    a concurrent settlement by the worker (StaleDataError, SQLite has no row locks) stands. Returns the refund as
    it is now — PENDING means the partner's answer is still unknown.
    """
    try:
        return process_refund(refund_id)
    except (RefundStillPending, StaleDataError):
        db.session.rollback()
        return db.session.get(Refund, refund_id, populate_existing=True)


def retry_refund(request_id: str) -> Refund:
    """Send a refund the partner refused again, with its own request_id, under the booking's row lock; commits.

    The refund goes back to PENDING and to the refund job; what it may still give back is checked again (other
    refunds may have been opened since). RefundError when there is no such refund or it is not FAILED.
    """
    request_id = (request_id or "").strip()
    reference = db.session.scalar(select(Booking.reference).join(Refund, Refund.booking_id == Booking.id)
                                  .where(Refund.request_id == request_id))
    booking = lock_booking(reference) if reference is not None else None
    refund = db.session.scalar(select(Refund).where(Refund.request_id == request_id)
                               .execution_options(populate_existing=True)) if booking is not None else None
    try:
        if refund is None:
            raise RefundError(f"no refund {request_id}")
        if refund.status != RefundStatus.FAILED:
            raise RefundError(f"refund {request_id} is {refund.status}: only a failed refund can be retried")
        _check_within_payment(booking, refund.amount)
    except RefundError:
        db.session.rollback()
        raise
    refund.status, refund.completed_at, refund.result_code = RefundStatus.PENDING, None, None
    refund.message = f"retried by an operator after: {refund.message}"[:300]
    _queue_refund(booking, refund, key=f"refund:{refund.request_id}:retry:{refund.attempts}")
    db.session.commit()
    return refund


def _settle_success(booking: Booking, refund: Refund) -> None:
    refund.status, refund.completed_at = RefundStatus.SUCCESS, utcnow()
    booking.refunded_amount = (booking.refunded_amount or 0) + refund.amount
    full = booking.refunded_amount >= booking.amount
    apply_transition(booking, payment_status=PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED)
    queue_booking_email("refunded", booking, refund_amount=refund.amount, refund_full=full,
                        refund_key=refund.request_id)


def process_refund(refund_id: int) -> Refund:
    """Send a pending refund to the partner (no lock held) and settle the answer under the lock; commits.

    Raises RefundStillPending when the partner's answer is unknown, so the job retries with the same request_id.
    """
    refund = db.session.get(Refund, refund_id)
    if refund is None:
        raise RefundError(f"no refund {refund_id}")
    if refund.status != RefundStatus.PENDING or refund.manual:
        return refund
    booking = db.session.get(Booking, refund.booking_id)
    partner = db.session.get(Partner, booking.partner_id)
    request = {"reference": booking.reference, "transaction_id": booking.partner_transaction_id or "",
               "amount": refund.amount, "reason": refund.reason or "refund", "request_id": refund.request_id}
    outcome = gateway_for(partner).refund(**request)  # commits first: no lock held during the call

    booking = lock_booking(request["reference"])
    refund = db.session.get(Refund, refund_id, populate_existing=True)
    refund.attempts += 1
    if refund.status != RefundStatus.PENDING:
        db.session.commit()
        return refund
    if outcome.state == RefundStatus.SUCCESS:
        refund.result_code, refund.message = "0", outcome.message[:300]
        _settle_success(booking, refund)
    elif outcome.state == RefundStatus.FAILED:
        refund.status, refund.completed_at = RefundStatus.FAILED, utcnow()
        refund.result_code = None if outcome.code is None else str(outcome.code)
        refund.message = outcome.message[:300]
    else:
        refund.message = f"unknown outcome, will retry: {outcome.message}"[:300]
    db.session.commit()
    if outcome.state == "UNKNOWN":
        raise RefundStillPending(outcome.message)
    return refund


@job_handler(REFUND_JOB)
def run_refund_job(job: Job) -> None:
    """Worker entry point of `payments.refund`."""
    process_refund(int(job.payload["refund_id"]))


def cancel_booking(reference: str, reason: str) -> Booking:
    """Operator cancellation: release an unpaid hold, or void a paid booking at the supplier and refund it in full.

    RefundError when the booking cannot be cancelled (unknown, already final, issuance running, void refused).
    """
    reason = (reason or "").strip()
    if not reason:
        raise RefundError("a reason is required")
    booking = lock_booking(reference)
    if booking is None:
        db.session.rollback()
        raise RefundError(f"no booking {reference}")
    if booking.booking_status != BookingStatus.BOOKED:
        status = booking.booking_status
        db.session.rollback()
        raise RefundError(f"booking {reference} is {status}: nothing to cancel")
    if booking.payment_status == PaymentStatus.PENDING:
        apply_transition(booking, booking_status=BookingStatus.CANCELLED)
        booking.failure_reason = f"cancelled by operator: {reason}"[:200]
        release_inventory(booking)
        db.session.commit()
        return booking
    if booking.issue_status == IssueStatus.PROCESSING:
        db.session.rollback()
        raise RefundError(f"booking {reference} is being issued; try again in a moment")
    if booking.issue_status == IssueStatus.SUCCESS:
        order = supplier.order_for(booking)
        db.session.rollback()  # release the lock while the supplier voids
        try:
            supplier.void(order)
        except supplier.SupplierRefused as refusal:
            raise RefundError(refusal.reason) from refusal
        booking = lock_booking(reference)
        if booking.booking_status != BookingStatus.BOOKED:
            db.session.rollback()
            raise RefundError(f"booking {reference} changed meanwhile; look again")
    apply_transition(booking, booking_status=BookingStatus.CANCELLED)
    booking.failure_reason = f"cancelled by operator: {reason}"[:200]
    release_inventory(booking)
    remaining = booking.amount - committed_refunds(booking)
    if remaining > 0 and booking.payment_status in REFUNDABLE:
        open_refund(booking, remaining, f"cancelled: {reason}", kind="cancellation")
    db.session.commit()
    return booking
