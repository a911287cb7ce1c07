"""The booking's three statuses and the payment status partners report, each defined once as a StrEnum.

Members are strings (stored as-is, compared equal to their value), so the database, the JSON answers and the
published contracts keep their exact spelling. The allowed moves between them live in `webview.booking.lifecycle`.
"""

from __future__ import annotations

from enum import StrEnum


class BookingStatus(StrEnum):
    """Whether the merchant holds the booking: PENDING → BOOKED | FAILED; BOOKED → EXPIRED | CANCELLED."""

    PENDING = "PENDING"
    BOOKED = "BOOKED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class PaymentStatus(StrEnum):
    """The customer's money: PENDING → SUCCESS | FAILED; then REFUNDED / PARTIALLY_REFUNDED."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


class IssueStatus(StrEnum):
    """The supplier's ticket, voucher or membership: PENDING → PROCESSING → SUCCESS | FAILED."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


class PartnerStatus(StrEnum):
    """A payment status as the partner reports it (IPN `status`, query answers): the contract's words."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


# The customer has paid (and may since have been refunded in part or in full): one definition, asked everywhere.
PAID = frozenset({PaymentStatus.SUCCESS, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED})
