"""Fulfilment: a paid booking is issued through the supplier by a job, exactly once.

The job (`payments.issue`, one per booking) marks the booking PROCESSING under its row lock, asks the supplier
with no lock held (the supplier is idempotent on the reference), then records the documents (issued email) or
the failure (issue_failed email and an automatic full refund) under the lock again. A worker killed anywhere
in between leaves the job to be retried after its lease; the retry finds PROCESSING and completes it once.
"""

from __future__ import annotations

from webview.booking.lifecycle import apply_transition
from webview.booking.models import Booking
from webview.booking.services import locked_booking
from webview.booking.states import BookingStatus, IssueStatus, PaymentStatus
from webview.extensions import db
from webview.jobs import Job, job_handler
from webview.payments import supplier
from webview.payments.notify import queue_booking_email
from webview.payments.refunds import open_refund
from webview.payments.services import ISSUE_JOB

FAILURE_REASON_MAX = 200


def issue_booking(booking_id: int) -> str:
    """Issue one paid booking; returns its issue_status afterwards. Idempotent; commits."""
    booking = locked_booking(Booking.id == booking_id)
    if booking is None:
        db.session.rollback()
        return "MISSING"
    if booking.booking_status != BookingStatus.BOOKED or booking.payment_status != PaymentStatus.SUCCESS \
            or booking.issue_status in {IssueStatus.SUCCESS, IssueStatus.FAILED}:
        status = booking.issue_status
        db.session.rollback()
        return status
    apply_transition(booking, issue_status=IssueStatus.PROCESSING)
    order = supplier.order_for(booking)
    db.session.commit()

    try:
        documents = supplier.issue(order)  # no lock held while the supplier works
    except supplier.SupplierRefused as refusal:
        return _record_failure(booking_id, refusal.reason)
    return _record_documents(booking_id, documents)


def _record_documents(booking_id: int, documents: supplier.Issued) -> str:
    booking = locked_booking(Booking.id == booking_id)
    if booking is None or booking.issue_status != IssueStatus.PROCESSING:
        status = booking.issue_status if booking is not None else "MISSING"
        db.session.rollback()
        return status
    booking.pnr = documents.pnr
    booking.tickets = list(documents.tickets)
    email = apply_transition(booking, issue_status=IssueStatus.SUCCESS)
    if email:
        queue_booking_email(email, booking)
    db.session.commit()
    return IssueStatus.SUCCESS


def _record_failure(booking_id: int, reason: str) -> str:
    booking = locked_booking(Booking.id == booking_id)
    if booking is None or booking.issue_status != IssueStatus.PROCESSING:
        status = booking.issue_status if booking is not None else "MISSING"
        db.session.rollback()
        return status
    booking.failure_reason = reason[:FAILURE_REASON_MAX]
    email = apply_transition(booking, issue_status=IssueStatus.FAILED)
    if email:
        queue_booking_email(email, booking)
    open_refund(booking, booking.amount - booking.refunded_amount, "issuance failed: automatic full refund",
                kind="automatic", request_id=f"RF-AUTO-{booking.reference}")
    db.session.commit()
    return IssueStatus.FAILED


@job_handler(ISSUE_JOB)
def run_issue_job(job: Job) -> None:
    """Worker entry point of `payments.issue`."""
    issue_booking(int(job.payload["booking_id"]))
