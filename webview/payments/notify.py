"""Customer emails of the payment path, queued in the caller's transaction (one per transition)."""

from __future__ import annotations

from dataclasses import replace

from webview.booking.models import Booking
from webview.booking.services import order_summary
from webview.emails import queue_email
from webview.jobs import Job


def queue_booking_email(kind: str, booking: Booking, *, refund_amount: int | None = None,
                        refund_full: bool | None = None, refund_key: str | None = None) -> Job | None:
    """Queue `kind` (issued, payment_failed, issue_failed, refunded) to the booking's contact; None without one."""
    order = order_summary(booking)
    if kind == "refunded":
        order = replace(order, refund_amount=refund_amount, refund_full=refund_full)
    return queue_email(kind, to=booking.contact_email or "", locale=booking.locale or "vi",
                       partner_id=booking.partner_id, order=order, refund_key=refund_key)
