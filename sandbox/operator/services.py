"""Operator actions the sandbox offers (refund, cancel), done in-process through webview's payment services,
exactly as `flask refunds create` and `flask bookings cancel` do: the sandbox plays the operator here, not a
partner, so it calls the merchant's service functions instead of an HTTP contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from webview.booking.models import Booking
from webview.extensions import db
from webview.payments import refunds
from webview.payments.models import Refund, RefundStatus

MAX_REASON = 500
MAX_AMOUNT = 10_000_000_000


class OperatorError(ValueError):
    """An operator action refused; the message says why in one line (and `fields` names bad input)."""

    def __init__(self, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or []


@dataclass(frozen=True)
class RefundResult:
    """One refund as the operator panel and the test API show it."""

    request_id: str
    reference_transaction_id: str
    amount: int
    status: str
    manual: bool
    message: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def order_summary(reference: str) -> dict | None:
    """An order as the operator sees it: amount, the three statuses, refunds, what can still be refunded."""
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference.strip()[:40]))
    if booking is None:
        return None
    views = [_view(refund, booking.reference).as_dict() for refund in _refunds_of(booking.id)]
    return {"reference_transaction_id": booking.reference, "product": booking.product, "amount": booking.amount,
            "booking_status": booking.booking_status, "payment_status": booking.payment_status,
            "issue_status": booking.issue_status, "refunded_amount": booking.refunded_amount or 0,
            "refundable": refunds.refundable_amount(booking), "refunds": views}


def check_input(reference: object, reason: object, amount: object = 1) -> tuple[str, str, int]:
    """Validate the operator's input before anything is done; OperatorError names the bad fields."""
    bad = []
    if not isinstance(reference, str) or not reference.strip() or len(reference.strip()) > 40:
        bad.append("reference_transaction_id")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        bad.append("reason")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        bad.append("amount")
    if bad:
        raise OperatorError("invalid " + ", ".join(bad) + " (reference up to 40 characters, a reason, "
                            "an amount in whole VND above 0)", bad)
    return str(reference).strip(), str(reason).strip(), int(amount)  # type: ignore[arg-type]


def refund_order(reference: object, amount: object, reason: object, *, settle_now: bool = True) -> RefundResult:
    """Refund part or all of a paid order (amount None: all that is left); hmac refunds are tried at once
    (the worker retries an unknown answer with the same request_id)."""
    if amount is None and isinstance(reference, str):
        summary = order_summary(reference) if reference.strip() else None
        amount = summary["refundable"] if summary and summary["refundable"] else 0
        if summary is None or not amount:
            check_input(reference, reason)
            raise OperatorError(f"nothing left to refund for {reference.strip()}" if summary else
                                f"no booking {reference.strip()}")
    reference, reason, amount = check_input(reference, reason, amount)
    try:
        refund = refunds.create_refund(reference, amount, reason, settle_now=settle_now)
    except refunds.RefundError as error:
        raise OperatorError(str(error)) from error
    return _view(refund, reference)


def cancel_order(reference: object, reason: object) -> dict:
    """Cancel a booking as `flask bookings cancel` does: release a hold, or void and refund in full."""
    reference, reason, _ = check_input(reference, reason)
    try:
        booking = refunds.cancel_booking(reference, reason)
    except refunds.RefundError as error:
        raise OperatorError(str(error)) from error
    booking_id = booking.id
    pending = [refund.id for refund in _refunds_of(booking_id)
               if refund.status == RefundStatus.PENDING and not refund.manual]
    for refund_id in pending:
        refunds.settle_refund_now(refund_id)
    booking = db.session.get(Booking, booking_id, populate_existing=True)
    return {"reference_transaction_id": booking.reference, "booking_status": booking.booking_status,
            "payment_status": booking.payment_status,
            "refunds": [_view(refund, booking.reference).as_dict() for refund in _refunds_of(booking.id)]}


def _refunds_of(booking_id: int) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.booking_id == booking_id).order_by(Refund.id)))


def _view(refund: Any, reference: str) -> RefundResult:
    return RefundResult(refund.request_id, reference, refund.amount, refund.status, refund.manual,
                        refund.message or "")
