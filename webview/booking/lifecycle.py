"""The booking state machine of DESIGN.md: allowed transitions, the message each state shows, the email it sends.

Three statuses move independently, each along its own table of allowed steps:

* booking_status: PENDING → BOOKED | FAILED; BOOKED → EXPIRED | CANCELLED; EXPIRED or CANCELLED → BOOKED only
  when a late payment SUCCESS can re-hold the inventory.
* payment_status: PENDING → SUCCESS | FAILED; SUCCESS → PARTIALLY_REFUNDED | REFUNDED; PARTIALLY_REFUNDED →
  PARTIALLY_REFUNDED | REFUNDED; FAILED → SUCCESS only for a late SUCCESS the partner reports after a FAILURE.
* issue_status: PENDING → PROCESSING → SUCCESS | FAILED.

Each resulting combination maps to one user-facing message and at most one customer email.
"""

from __future__ import annotations

from typing import Protocol

from flask_babel import lazy_gettext as _l

from webview.booking.states import PAID, BookingStatus, IssueStatus, PartnerStatus, PaymentStatus  # noqa: F401

B, P, IS = BookingStatus, PaymentStatus, IssueStatus
BOOKING_STATUSES = tuple(BookingStatus)
PAYMENT_STATUSES = tuple(PaymentStatus)
ISSUE_STATUSES = tuple(IssueStatus)

BOOKING_TRANSITIONS: dict[str, frozenset[str]] = {
    B.PENDING: frozenset({B.BOOKED, B.FAILED}),
    B.BOOKED: frozenset({B.EXPIRED, B.CANCELLED}),
    B.EXPIRED: frozenset({B.BOOKED}),
    B.CANCELLED: frozenset({B.BOOKED}),
    B.FAILED: frozenset(),
}
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.PENDING: frozenset({P.SUCCESS, P.FAILED}),
    P.FAILED: frozenset({P.SUCCESS}),
    P.SUCCESS: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.REFUNDED: frozenset(),
}
ISSUE_TRANSITIONS: dict[str, frozenset[str]] = {
    IS.PENDING: frozenset({IS.PROCESSING}),
    IS.PROCESSING: frozenset({IS.SUCCESS, IS.FAILED}),
    IS.SUCCESS: frozenset(),
    IS.FAILED: frozenset(),
}
TRANSITIONS = {
    "booking_status": BOOKING_TRANSITIONS,
    "payment_status": PAYMENT_TRANSITIONS,
    "issue_status": ISSUE_TRANSITIONS,
}

ANY = None
# (booking, payment, issue) pattern → (message key, email kind or None); the first match wins.
STATES: tuple[tuple[tuple[str | None, str | None, str | None], str, str | None], ...] = (
    ((B.PENDING, ANY, ANY), "holding", None),
    ((B.FAILED, ANY, ANY), "hold_failed", "hold_failed"),
    ((B.EXPIRED, ANY, ANY), "expired", None),
    ((B.CANCELLED, ANY, ANY), "cancelled", None),
    ((B.BOOKED, P.PENDING, ANY), "held", "held"),
    ((B.BOOKED, P.FAILED, ANY), "payment_failed", "payment_failed"),
    ((B.BOOKED, P.SUCCESS, IS.SUCCESS), "issued", "issued"),
    ((B.BOOKED, P.SUCCESS, IS.FAILED), "issue_failed", "issue_failed"),
    ((B.BOOKED, P.SUCCESS, ANY), "paid", None),
    ((B.BOOKED, P.REFUNDED, ANY), "refunded", "refunded"),
    ((B.BOOKED, P.PARTIALLY_REFUNDED, ANY), "partially_refunded", "refunded"),
)

MESSAGES = {
    "holding": (_l("Reserving your booking"),
                _l("We are reserving your booking. This takes a few seconds.")),
    "held": (_l("Booking held, awaiting payment"),
             _l("Your booking is held. Pay before the hold expires to keep it.")),
    "hold_failed": (_l("We could not hold this booking"),
                    _l("It sold out while you were booking. Nothing was charged; please choose another option.")),
    "expired": (_l("Hold expired"),
                _l("The hold ended before payment was received, so it was released. Nothing was charged.")),
    "cancelled": (_l("Booking cancelled"),
                  _l("This booking was cancelled and its hold released. Nothing was charged.")),
    "payment_failed": (_l("Payment failed"),
                       _l("The payment did not go through and nothing was charged. You can try again with a "
                          "new booking.")),
    "paid": (_l("Payment received, issuing"),
             _l("We have received your payment and are issuing your booking. This usually takes a minute.")),
    "issued": (_l("Booking confirmed"),
               _l("Your payment was received and your booking is issued. We have emailed you the details.")),
    "issue_failed": (_l("Paid but not issued"),
                     _l("We received your payment but could not issue your booking. A full refund is on its "
                        "way.")),
    "refunded": (_l("Refunded"),
                 _l("Your payment has been refunded in full.")),
    "partially_refunded": (_l("Partially refunded"),
                           _l("Part of your payment has been refunded; the rest of the booking stands.")),
    "unknown": (_l("Booking status"),
                _l("We are checking this booking. Please contact support if this does not change.")),
}

# The colour of each state's status dot: ok (it stands), warn (on its way), bad (it did not happen), closed.
TONES = {
    "holding": "warn", "held": "warn", "paid": "warn",
    "issued": "ok", "partially_refunded": "ok",
    "hold_failed": "bad", "expired": "bad", "cancelled": "bad", "payment_failed": "bad", "issue_failed": "bad",
    "refunded": "closed", "unknown": "warn",
}


class HasStatuses(Protocol):
    booking_status: str
    payment_status: str
    issue_status: str


class InvalidTransition(ValueError):
    """A status change the state machine does not allow."""


def matches(pattern: tuple[str | None, ...], statuses: tuple[str, ...]) -> bool:
    return all(want is ANY or want == have for want, have in zip(pattern, statuses, strict=True))


def state_of(booking: HasStatuses) -> tuple[str, str | None]:
    """(message key, email kind or None) of the booking's current combination of statuses."""
    statuses = (booking.booking_status, booking.payment_status, booking.issue_status)
    for pattern, key, email in STATES:
        if matches(pattern, statuses):
            return key, email
    return "unknown", None


def status_key(booking: HasStatuses) -> str:
    """The message key of the booking's state, e.g. 'held', 'issued', 'expired'."""
    return state_of(booking)[0]


def status_message(booking: HasStatuses) -> tuple[str, str]:
    """(title, detail) for the customer, lazily translated into the request's language."""
    return MESSAGES[status_key(booking)]


def status_tone(booking: HasStatuses) -> str:
    """ok, warn, bad or closed: the colour of the booking's status dot."""
    return TONES[status_key(booking)]


def can_book_again(booking: HasStatuses) -> bool:
    """Payment failed or the hold ran out, nothing charged: "Book this again" holds the same choice anew."""
    return (booking.booking_status, booking.payment_status) in {(B.BOOKED, P.FAILED), (B.EXPIRED, P.PENDING)}


def email_kind(booking: HasStatuses) -> str | None:
    """The customer email that entering the booking's current state sends, if any."""
    return state_of(booking)[1]


def can_transition(field: str, current: str, new: str) -> bool:
    """Whether `field` may move from `current` to `new` (staying put is always allowed)."""
    return current == new or new in TRANSITIONS[field].get(current, frozenset())


def apply_transition(booking: HasStatuses, *, booking_status: str | None = None, payment_status: str | None = None,
                     issue_status: str | None = None) -> str | None:
    """Move the booking's statuses after checking every step; returns the email to queue, or None.

    Checks all three before changing any, so a refused transition leaves the booking untouched. Returns
    None when the state did not change (an idempotent repeat) or the new state sends no email. (Each
    refund's own email is the refund flow's business: a second partial refund stays in one state.)
    """
    wanted = {"booking_status": booking_status, "payment_status": payment_status, "issue_status": issue_status}
    changes = {name: value for name, value in wanted.items() if value is not None}
    for name, value in changes.items():
        current = getattr(booking, name)
        if not can_transition(name, current, value):
            raise InvalidTransition(f"{name} cannot go from {current} to {value}")
    before = state_of(booking)
    if all(getattr(booking, name) == value for name, value in changes.items()):
        return None
    for name, value in changes.items():
        setattr(booking, name, value)
    after = state_of(booking)
    return after[1] if after != before else None
