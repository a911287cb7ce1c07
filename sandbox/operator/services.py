"""Operator actions the sandbox offers (refund, cancel), done in-process through webview's payment services,
exactly as `flask refunds create` and `flask bookings cancel` do: the sandbox plays the operator here, not a
partner, so it calls the merchant's service functions instead of an HTTP contract."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from webview.extensions import db

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


def _booking_model() -> Any:
    try:
        return importlib.import_module("webview.booking.models").Booking
    except ImportError as error:
        raise OperatorError("bookings are not available: webview.booking.models is missing") from error


def order_summary(reference: str) -> dict | None:
    """An order as the operator sees it: amount, the three statuses, refunds, what can still be refunded."""
    booking_model = _booking_model()
    booking = db.session.scalar(select(booking_model).where(booking_model.reference == reference.strip()[:40]))
    if booking is None:
        return None
    refunds = [_view(refund, booking.reference).as_dict() for refund in _refunds_of(booking.id)]
    committed = sum(r["amount"] for r in refunds if r["status"] in {"SUCCESS", "PENDING"})
    paid = booking.payment_status in {"SUCCESS", "PARTIALLY_REFUNDED"}
    return {"reference_transaction_id": booking.reference, "product": booking.product, "amount": booking.amount,
            "booking_status": booking.booking_status, "payment_status": booking.payment_status,
            "issue_status": booking.issue_status, "refunded_amount": booking.refunded_amount or 0,
            "refundable": max(booking.amount - committed, 0) if paid else 0, "refunds": refunds}


def _refunds_module() -> ModuleType:
    try:
        return importlib.import_module("webview.payments.refunds")
    except ImportError as error:  # the payments feature is not installed in this build
        raise OperatorError("refunds are not available: webview.payments.refunds is missing") from error


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
    refunds = _refunds_module()
    try:
        refund = refunds.create_refund(reference, amount, reason)
    except refunds.RefundError as error:
        raise OperatorError(str(error)) from error
    if settle_now and not refund.manual and refund.status == "PENDING":
        try:
            refund = refunds.process_refund(refund.id)
        # StaleDataError: on SQLite (no row locks) the jobs worker settled the same refund first; it stands
        except (refunds.RefundStillPending, StaleDataError):
            db.session.rollback()
            refund = db.session.get(type(refund), refund.id)
    return _view(refund, reference)


def cancel_order(reference: object, reason: object) -> dict:
    """Cancel a booking as `flask bookings cancel` does: release a hold, or void and refund in full."""
    reference, reason, _ = check_input(reference, reason)
    refunds = _refunds_module()
    try:
        booking = refunds.cancel_booking(reference, reason)
    except refunds.RefundError as error:
        raise OperatorError(str(error)) from error
    booking_id = booking.id
    pending = [refund.id for refund in _refunds_of(booking_id) if refund.status == "PENDING" and not refund.manual]
    for refund_id in pending:
        try:
            refunds.process_refund(refund_id)
        except (refunds.RefundStillPending, StaleDataError):  # see refund_order
            db.session.rollback()
    booking = db.session.get(type(booking), booking_id, populate_existing=True)
    return {"reference_transaction_id": booking.reference, "booking_status": booking.booking_status,
            "payment_status": booking.payment_status,
            "refunds": [_view(refund, booking.reference).as_dict() for refund in _refunds_of(booking.id)]}


def _refunds_of(booking_id: int) -> list[Any]:
    models = importlib.import_module("webview.payments.models")
    return list(db.session.scalars(select(models.Refund).where(models.Refund.booking_id == booking_id)
                                   .order_by(models.Refund.id)))


def _view(refund: Any, reference: str) -> RefundResult:
    return RefundResult(refund.request_id, reference, refund.amount, refund.status, refund.manual,
                        refund.message or "")
