"""What the result screen and the printable e-ticket / voucher show of an order.

The code the customer quotes, each person's document, the trip, stay or plan (from the offer snapshot the customer
agreed to), when and how it was paid, and until when a plan runs. The per-product words and layout come from the
product registry (`code_label`, `document_name`, `documents_per_person`, `itinerary_template`, `next_steps`);
nothing here branches on a product code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import select

from webview.booking.models import Booking
from webview.booking.states import IssueStatus, PartnerStatus, PaymentStatus
from webview.catalog.models import Airport
from webview.extensions import db
from webview.i18n.formatting import to_local
from webview.payments.models import PaymentEvent
from webview.products import Product, get_product

PAID_OUTCOMES = ("paid", "re-held")  # the PaymentEvent outcomes that took the customer's money


@dataclass(frozen=True)
class PersonDocument:
    """A named person of the order and the document issued for them (None until issued, or when the order has one
    document for everyone)."""

    name: str
    number: str | None = None


@dataclass(frozen=True)
class Place:
    """An airport as the itinerary shows it."""

    code: str
    city: str = ""
    name: str = ""


@dataclass(frozen=True)
class Receipt:
    """The order as the customer keeps it."""

    product: Product
    code: str | None  # what to quote: the PNR / confirmation code, or the plan's one document
    people: tuple[PersonDocument, ...]
    order_documents: tuple[str, ...]  # documents of the whole order (a hotel voucher), not tied to one person
    details: Mapping[str, Any] = field(default_factory=dict)  # the offer snapshot's details
    conditions: tuple[str, ...] = ()
    lines: tuple[Mapping[str, Any], ...] = ()
    locale: str = "vi"
    departs_at: datetime | None = None
    arrives_at: datetime | None = None
    check_in: date | None = None
    check_out: date | None = None
    paid_at: datetime | None = None
    valid_until: date | None = None  # a plan: the last day it runs (None until paid)
    issued: bool = False
    stands: bool = False  # paid and still standing (not refunded in full, not failed to issue)

    @property
    def code_label(self):
        """The code's name: the registry's `code_label`, or its one document's name."""
        return self.product.code_label or self.product.document_name

    @cached_property
    def places(self) -> tuple[Place | None, Place | None]:
        """(origin, destination) airports with their names in the locale, asked only by a screen that shows them."""
        return _places(self.details, self.locale)

    @property
    def origin(self) -> Place | None:
        return self.places[0]

    @property
    def destination(self) -> Place | None:
        return self.places[1]

    @property
    def printable(self) -> bool:
        """The e-ticket / voucher page exists: issued and still standing."""
        return self.issued and self.stands


def _as_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _as_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def paid_at(booking: Booking) -> datetime | None:
    """When the payment that stands was applied (the latest SUCCESS that took the money), or None."""
    if not booking.is_paid:
        return None
    return db.session.scalar(
        select(PaymentEvent.created_at)
        .where(PaymentEvent.booking_id == booking.id, PaymentEvent.status == PartnerStatus.SUCCESS,
               PaymentEvent.outcome.in_(PAID_OUTCOMES))
        .order_by(PaymentEvent.id.desc()).limit(1))


def valid_until(paid: datetime | None, duration_days: Any) -> date | None:
    """The last day a plan of `duration_days` runs when paid at `paid` (GMT+7 days; the day of payment counts)."""
    if paid is None or isinstance(duration_days, bool) or not isinstance(duration_days, int) or duration_days <= 0:
        return None
    return to_local(paid).date() + timedelta(days=duration_days - 1)


def people_documents(product: Product, names: list[str], tickets: list[str]) -> tuple[tuple[PersonDocument, ...],
                                                                                        tuple[str, ...]]:
    """(each person with their document, the order's own documents): tickets pair with travellers in order."""
    if product.documents_per_person:
        people = tuple(PersonDocument(name, tickets[index] if index < len(tickets) else None)
                       for index, name in enumerate(names))
        return people, tuple(tickets[len(names):])
    return tuple(PersonDocument(name) for name in names), tuple(tickets)


def _places(details: Mapping[str, Any], locale: str) -> tuple[Place | None, Place | None]:
    codes = [details.get("origin"), details.get("destination")]
    if not all(isinstance(code, str) and code for code in codes):
        return None, None
    airports = {airport.code: airport for airport in db.session.scalars(select(Airport).where(Airport.code.in_(codes)))}

    def place(code: str) -> Place:
        airport = airports.get(code)
        if airport is None:
            return Place(code)
        return Place(code, airport.city(locale), airport.name_en if locale == "en" else airport.name_vi)

    return place(codes[0]), place(codes[1])


def receipt_for(booking: Booking, locale: str) -> Receipt:
    """The order as the result screen and the printable page show it, in `locale`."""
    product = get_product(booking.product)
    snapshot = booking.offer_snapshot if isinstance(booking.offer_snapshot, dict) else {}
    details = snapshot.get("details") if isinstance(snapshot.get("details"), dict) else {}
    names = [str(person.get("full_name", "")) for person in (booking.travellers or []) if isinstance(person, dict)]
    tickets = [str(ticket.get("number", "")) if isinstance(ticket, dict) else str(ticket)
               for ticket in (booking.tickets or [])]
    code = booking.pnr if product.code_label else None
    if product.code_label is None and tickets:  # the plan's one document is the code to quote
        code, tickets = tickets[0], tickets[1:]
    people, order_documents = people_documents(product, names, tickets)
    paid = paid_at(booking)
    stands = (booking.is_paid and booking.payment_status != PaymentStatus.REFUNDED
              and booking.issue_status != IssueStatus.FAILED)
    return Receipt(
        product=product, code=code, people=people, order_documents=order_documents, details=details,
        conditions=tuple(str(c) for c in snapshot.get("conditions") or ()),
        lines=tuple(line for line in snapshot.get("lines") or () if isinstance(line, dict)),
        locale=locale,
        departs_at=_as_datetime(details.get("departs_at")), arrives_at=_as_datetime(details.get("arrives_at")),
        check_in=_as_date(details.get("check_in")), check_out=_as_date(details.get("check_out")),
        paid_at=paid, valid_until=valid_until(paid, details.get("duration_days")),
        issued=booking.issue_status == IssueStatus.SUCCESS, stands=stands,
    )
