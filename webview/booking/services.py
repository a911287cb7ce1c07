"""Booking services: hold, release, expire, look up. Each is one transaction on a locked booking row.

Side effects (customer emails) are written to the jobs outbox in the same transaction, so they happen if
and only if the transition commits. Nothing here calls out over the network.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webview.booking.inventory import record_reservation, release_inventory, reserve_inventory
from webview.booking.lifecycle import apply_transition, email_kind
from webview.booking.models import Booking
from webview.booking.references import new_reference
from webview.booking.states import BookingStatus, IssueStatus, PaymentStatus
from webview.catalog.offers import PASSENGER_TYPES, InvalidSearch, OfferNotFound, Passengers
from webview.catalog.quotes import load_offer
from webview.config import guard_switched_off
from webview.db import as_utc, begin_write_transaction, utcnow
from webview.emails import OrderSummary, queue_email
from webview.extensions import db
from webview.i18n.locale import normalise_locale
from webview.products import HOTEL, get_product, product_of_offer
from webview.uow import unit_of_work

log = logging.getLogger(__name__)

__all__ = [
    "BookingError",
    "BookingNotFound",
    "OfferNotFound",
    "customer_bookings",
    "expire_due_holds",
    "find_customer_booking",
    "hold_booking",
    "hold_minutes_for",
    "order_summary",
    "release_booking",
]

MAX_HOLD_MINUTES = 24 * 60
GENDERS = ("male", "female")
TRAVELLER_KEYS = ("full_name", "date_of_birth", "gender", "document_number", "passenger_type")
REFERENCE_ATTEMPTS = 5


class BookingError(ValueError):
    """Input or a state the booking services refuse; `message` is user-facing (lazily translated)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class BookingNotFound(LookupError):
    """No booking with this reference for this customer."""


def hold_minutes_for(product: str) -> int:
    """The hold TTL of a product (its HOLD_MINUTES_<CODE> setting)."""
    return get_product(product).hold_minutes


def clean_text(value: Any, limit: int) -> str:
    """Trimmed text within `limit` characters and without '|' (it separates envelope fields)."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit or "|" in value:
        raise BookingError(_l("Some traveller or contact details are missing or invalid."))
    return value.strip()


def clean_contact(contact: dict[str, Any]) -> dict[str, str]:
    """name, email (syntax-checked, normalised) and phone of the contact person."""
    if not isinstance(contact, dict):
        raise BookingError(_l("Some traveller or contact details are missing or invalid."))
    name = clean_text(contact.get("name"), 100)
    phone = clean_text(contact.get("phone"), 20)
    try:
        email = validate_email(clean_text(contact.get("email"), 254), check_deliverability=False).normalized
    except EmailNotValidError:
        raise BookingError(_l("Enter a valid email address.")) from None
    return {"name": name, "email": email, "phone": phone}


def clean_travellers(travellers: list[dict[str, Any]], product: str, today: date) -> list[dict[str, Any]]:
    """The travellers as stored: full name, ISO date of birth and gender (None where the product does not ask them),
    document number, passenger type."""
    if not isinstance(travellers, list) or not travellers or len(travellers) > 18:
        raise BookingError(_l("Some traveller or contact details are missing or invalid."))
    offered = get_product(product)
    cleaned = []
    for traveller in travellers:
        if not isinstance(traveller, dict):
            raise BookingError(_l("Some traveller or contact details are missing or invalid."))
        # birth and gender only where the product's supplier needs them; otherwise not kept even when given
        birth, gender = (clean_birth(traveller.get("date_of_birth"), today), traveller.get("gender")) \
            if offered.asks_birth_and_gender else (None, None)
        kind = traveller.get("passenger_type") or "adult"
        if (offered.asks_birth_and_gender and gender not in GENDERS) or kind not in PASSENGER_TYPES or (
                not offered.every_passenger and kind != "adult"):
            raise BookingError(_l("Some traveller or contact details are missing or invalid."))
        document = traveller.get("document_number")
        cleaned.append({
            "full_name": clean_text(traveller.get("full_name"), 60),
            "date_of_birth": birth.isoformat() if birth else None,
            "gender": gender,
            "document_number": clean_text(document, 15) if document else None,
            "passenger_type": kind,
        })
    return cleaned


def clean_birth(value: Any, today: date) -> date:
    """A stored date of birth: an ISO date (or a date) in the last 120 years, not in the future."""
    try:
        birth = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise BookingError(_l("Enter a valid date of birth.")) from None
    if birth > today or birth.year < today.year - 120:
        raise BookingError(_l("Enter a valid date of birth."))
    return birth


def hold_booking(*, partner_id: int, customer_id: int, launch_session_id: str | None, offer_id: str,
                 travellers: list[dict[str, Any]], contact: dict[str, Any], locale: str,
                 hold_minutes: int | None = None, guests: int | None = None, idempotency_key: str | None = None,
                 now: datetime | None = None) -> Booking:
    """Hold an offer: insert the booking and take its inventory atomically, queue the email, commit.

    Success → BOOKED/PENDING/PENDING with hold_expires_at and the `held` email; no inventory → a FAILED
    booking (the customer sees it) with the `hold_failed` email. Flights count the party from the
    travellers' passenger types; a hotel names its lead guest (`guests`, default one per room, is checked
    against the rooms); VIP names its member. A repeated `idempotency_key` for the customer returns the
    booking it made. Raises BookingError for bad input and OfferNotFound for an offer that is gone.
    """
    now = now or utcnow()
    offered = product_of_offer(offer_id)
    language = normalise_locale(locale)
    if offered is None:
        raise OfferNotFound(offer_id)
    product = offered.code
    if language is None:
        raise BookingError(_l("Unsupported language."))
    if hold_minutes is not None and not 1 <= hold_minutes <= MAX_HOLD_MINUTES:
        raise BookingError(_l("Invalid hold duration."))
    if idempotency_key is not None:
        earlier = previous_hold(customer_id, idempotency_key)
        if earlier is not None:
            return earlier
    people = clean_travellers(travellers, product, now.date())
    person = clean_contact(contact)
    if not offered.every_passenger and len(people) != 1:
        raise BookingError(_l("Name exactly one guest or member."))
    try:
        passengers = Passengers.from_types(t["passenger_type"] for t in people) if offered.every_passenger else None
        quote = load_offer(offer_id, passengers=passengers, guests=guests, locale=language, now=now)
    except InvalidSearch as error:
        raise BookingError(error.message) from None

    booking = Booking(
        partner_id=partner_id, customer_id=customer_id, launch_session_id=launch_session_id,
        idempotency_key=idempotency_key, product=product, offer_id=quote.offer_id,
        offer_snapshot=quote.snapshot(), travellers=people, contact_name=person["name"],
        contact_email=person["email"], contact_phone=person["phone"], locale=language, amount=quote.amount,
        currency=quote.currency, booking_status=BookingStatus.PENDING, payment_status=PaymentStatus.PENDING,
        issue_status=IssueStatus.PENDING,
        created_at=now, updated_at=now,
    )
    record_reservation(booking, quote.reservation)
    if not insert_with_reference(booking, now):
        db.session.rollback()
        earlier = previous_hold(customer_id, idempotency_key) if idempotency_key else None
        if earlier is None:
            raise RuntimeError("could not insert the booking")
        return earlier
    if reserve_inventory(booking):
        apply_transition(booking, booking_status=BookingStatus.BOOKED)
        booking.hold_expires_at = now + timedelta(minutes=hold_minutes or offered.hold_minutes)
    else:
        apply_transition(booking, booking_status=BookingStatus.FAILED)
        booking.failure_reason = "sold_out"
    notify(booking)
    db.session.commit()
    log.info("booking %s %s: %s", booking.reference, booking.product, "/".join(booking.statuses))
    return booking


def previous_hold(customer_id: int, idempotency_key: str) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.customer_id == customer_id,
                                                   Booking.idempotency_key == idempotency_key))


def insert_with_reference(booking: Booking, now: datetime) -> bool:
    """Insert with a fresh reference, drawing again on the (astronomically rare) collision.

    False when the insert keeps failing: a concurrent hold with the same idempotency key won.
    """
    for _attempt in range(REFERENCE_ATTEMPTS):
        booking.reference = new_reference(now)
        savepoint = db.session.begin_nested()
        db.session.add(booking)
        try:
            savepoint.commit()  # flushes the INSERT
            return True
        except IntegrityError:
            if booking.idempotency_key is not None:
                return False
            log.warning("booking reference collision; drawing another")
    return False


def notify(booking: Booking) -> None:
    """Queue the email of the booking's current state, if it has one (at most once per kind and order)."""
    kind = email_kind(booking)
    if kind is not None and kind != "refunded":
        queue_email(kind, to=booking.contact_email, locale=booking.locale, partner_id=booking.partner_id,
                    order=order_summary(booking))


def locked_booking(*conditions) -> Booking | None:
    """The booking matching `conditions`, its row locked until the transaction ends (the one row-lock helper).

    FOR UPDATE on PostgreSQL; on SQLite, which has no row locks, the database's write lock (BEGIN IMMEDIATE).
    """
    begin_write_transaction(db.session)
    return db.session.scalar(
        select(Booking).where(*conditions).with_for_update().execution_options(populate_existing=True))


def release_booking(reference: str, *, customer_id: int) -> Booking:
    """The customer gives back a held, unpaid booking: CANCELLED, inventory returned. Idempotent; commits.

    Raises BookingNotFound (not this customer's) or BookingError (paid, failed, expired: nothing to release).
    """
    with unit_of_work():
        booking = locked_booking(Booking.reference == (reference or "").strip().upper(),
                                 Booking.customer_id == customer_id)
        if booking is None:
            raise BookingNotFound(reference)
        if booking.booking_status == BookingStatus.CANCELLED:
            return booking
        if not booking.is_held:
            raise BookingError(_l("This booking can no longer be released."))
        apply_transition(booking, booking_status=BookingStatus.CANCELLED)
        release_inventory(booking)
        booking.hold_expires_at = None
    log.info("booking %s released by the customer", booking.reference)
    return booking


def expire_hold_if_due(booking: Booking, now: datetime | None = None) -> Booking:
    """The customer looks at a hold whose deadline has passed: expire it now rather than wait for the sweeper.

    Same transition as the sweeper (under the row lock, re-checked there, inventory returned, committed), so the
    screen never says "awaiting payment" for a hold that is over. Anything else is returned as it is.
    """
    now = now or utcnow()
    if not (booking.is_held and booking.hold_expires_at is not None and as_utc(booking.hold_expires_at) <= now):
        return booking
    with unit_of_work():
        locked = locked_booking(Booking.id == booking.id)
        due = locked is not None and locked.is_held and as_utc(locked.hold_expires_at) <= now
        if due:
            apply_transition(locked, booking_status=BookingStatus.EXPIRED)
            release_inventory(locked)
    if not due:
        return db.session.get(Booking, booking.id) or booking
    log.info("booking %s expired when its customer opened it", locked.reference)
    return locked


def expire_due_holds(now: datetime | None = None, *, batch_size: int = 200, commit: bool = True) -> int:
    """Expire every held, unpaid booking past its deadline and give its inventory back; returns how many.

    Rows are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL) and re-checked under the lock, so with several
    sweepers each booking expires exactly once. With commit=False (a job handler, whose transaction commits
    with the job's own state) one batch is processed and flushed, not committed.
    """
    now = now or utcnow()
    expired = 0
    while True:
        batch = db.session.scalars(
            select(Booking)
            .where(Booking.booking_status == BookingStatus.BOOKED, Booking.payment_status == PaymentStatus.PENDING,
                   Booking.hold_expires_at <= now)
            .order_by(Booking.hold_expires_at, Booking.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).all()
        for booking in batch:
            apply_transition(booking, booking_status=BookingStatus.EXPIRED)
            release_inventory(booking)
        expired += len(batch)
        if not commit:
            db.session.flush()
            break
        db.session.commit()
        if len(batch) < batch_size:
            break
    if expired:
        log.info("expired %d unpaid holds", expired)
    return expired


def find_customer_booking(reference: str, *, partner_id: int, customer_id: int) -> Booking | None:
    """The booking with this reference if it belongs to this partner's customer, else None (no IDOR)."""
    if not reference or len(reference) > 20:
        return None
    owner = (Booking.partner_id == partner_id, Booking.customer_id == customer_id)
    if guard_switched_off("TESTING_DISABLE_OWNERSHIP_CHECK"):  # guard-off test switch (TESTING outside production)
        owner = ()
    return db.session.scalar(select(Booking).where(Booking.reference == reference.strip().upper(), *owner))


def customer_bookings(*, partner_id: int, customer_id: int, limit: int = 50) -> list[Booking]:
    """The customer's bookings with this partner, newest first (one query)."""
    return list(db.session.scalars(
        select(Booking).where(Booking.partner_id == partner_id, Booking.customer_id == customer_id)
        .order_by(Booking.created_at.desc(), Booking.id.desc()).limit(max(1, min(limit, 200)))))


def order_summary(booking: Booking) -> OrderSummary:
    """The snapshot an email is rendered from: offer title and lines, total, hold deadline, tickets, refunds."""
    snapshot = booking.offer_snapshot or {}
    title = " · ".join(part for part in (snapshot.get("title"), snapshot.get("subtitle")) if part)
    lines = [(f"{line['label']} × {line['quantity']}" if line.get("quantity", 1) > 1 else str(line["label"]),
              int(line["amount"])) for line in snapshot.get("lines", [])]
    refunded = booking.refunded_amount or 0
    return OrderSummary(
        reference=booking.reference, product=booking.product, title=title or booking.reference, lines=lines,
        total=booking.amount, hold_expires_at=booking.hold_expires_at if booking.is_held else None,
        pnr=booking.pnr, tickets=list(booking.tickets or []),
        refund_amount=refunded or None, refund_full=(refunded == booking.amount) if refunded else None,
        travellers=[str(t.get("full_name", "")) for t in booking.travellers or [] if isinstance(t, dict)],
    )


def book_again(booking: Booking, *, launch_session_id: str | None, locale: str) -> Booking:
    """A new booking of the same offer for the same travellers and contact ("Try again", "Book this again").

    One new booking per earlier one however often it is asked (the idempotency key names the earlier booking);
    raises OfferNotFound or BookingError like hold_booking.
    """
    details = (booking.offer_snapshot or {}).get("details") or {}
    guests = details.get("guests") if booking.product == HOTEL.code else None
    return hold_booking(
        partner_id=booking.partner_id, customer_id=booking.customer_id, launch_session_id=launch_session_id,
        offer_id=booking.offer_id, travellers=list(booking.travellers or []), locale=locale,
        contact={"name": booking.contact_name, "email": booking.contact_email, "phone": booking.contact_phone},
        guests=int(guests) if isinstance(guests, int) else None, idempotency_key=f"again-{booking.reference}",
    )
