"""What the catalog hands to the screens: passenger counts, offers, quotes and the errors of a bad query.

Offers are small frozen values. Each carries an `offer_id` the screens pass back to `load_offer`:
``F:<fare_id>`` (a fare on a flight), ``H:<room_type_id>:<check_in>:<check_out>:<rooms>`` (rooms of a room
type for a stay, dates as YYYY-MM-DD) and ``V:<plan_code>`` (a VIP plan).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from webview.products import FLIGHT, HOTEL, VIP

MAX_SEATS = 9  # adults + children per booking; infants ride on an adult's lap
MAX_ROOMS = 5
MAX_NIGHTS = 30
PASSENGER_TYPES = ("adult", "child", "infant")


class InvalidSearch(ValueError):
    """The query cannot be answered as asked; `message` is a user-facing (lazily translated) sentence."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class OfferNotFound(LookupError):
    """The offer id is malformed, unknown or no longer bookable (departed, past date)."""


@dataclass(frozen=True)
class Passengers:
    """How many adults (12+), children (2–11) and infants (under 2) travel together."""

    adults: int = 1
    children: int = 0
    infants: int = 0

    @property
    def seats(self) -> int:
        """Seats taken: infants sit on an adult's lap."""
        return self.adults + self.children

    @property
    def total(self) -> int:
        return self.adults + self.children + self.infants

    @classmethod
    def from_types(cls, passenger_types: Iterable[str]) -> Passengers:
        """Count a list of passenger types ('adult', 'child', 'infant')."""
        types = list(passenger_types)
        unknown = [kind for kind in types if kind not in PASSENGER_TYPES]
        if unknown:
            raise InvalidSearch(_l("Unknown passenger type."))
        return cls(types.count("adult"), types.count("child"), types.count("infant"))

    def problem(self, max_seats: int = MAX_SEATS, infants_per_adult: int = 1):
        """Why this party cannot book together (a lazy message), or None."""
        counts = (self.adults, self.children, self.infants)
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts):
            return _l("Passenger counts must be whole numbers.")
        if self.adults < 1:
            return _l("At least one adult must travel.")
        if self.seats > max_seats:
            return _l("At most %(n)d adults and children per booking.", n=max_seats)
        if self.infants > self.adults * infants_per_adult:
            return _l("Each infant must travel with their own adult.")
        return None

    def check(self, max_seats: int = MAX_SEATS, infants_per_adult: int = 1) -> None:
        """Raise InvalidSearch when the party breaks the airline rules."""
        message = self.problem(max_seats, infants_per_adult)
        if message is not None:
            raise InvalidSearch(message)


@dataclass(frozen=True)
class Place:
    """An airport or a hotel city for the pickers, named in the requested locale."""

    code: str
    city: str
    name: str


@dataclass(frozen=True)
class FareOffer:
    """One fare class on a flight with its price for the searched passengers."""

    offer_id: str
    fare_id: int
    fare_class: str
    name: str
    price_adult: int
    price_child: int
    price_infant: int
    total: int
    seats_left: int
    checked_baggage_kg: int
    cabin_baggage_kg: int
    refundable: bool
    refund_fee: int | None
    change_fee: int | None


@dataclass(frozen=True)
class FlightOffer:
    """A flight with its bookable fares (cheapest first); `offer_id` and `price` are the cheapest fare's."""

    offer_id: str
    price: int
    flight_id: int
    airline_code: str
    airline_name: str
    flight_number: str
    origin: Place
    destination: Place
    departure_day: date
    departs_at: datetime
    arrives_at: datetime
    duration_minutes: int
    aircraft: str
    fares: tuple[FareOffer, ...]


@dataclass(frozen=True)
class RoomOffer:
    """Rooms of one type for the whole stay; `total` covers every night and room."""

    offer_id: str
    room_type_id: int
    code: str
    name: str
    bed: str
    max_guests: int
    breakfast: bool
    refundable: bool
    rooms: int
    nights: int
    rooms_left: int  # the fewest left on any night of the stay
    price_per_night: int  # average for one room, rounded to 1.000 ₫
    total: int


@dataclass(frozen=True)
class HotelOffer:
    """A hotel with its available room types (cheapest first); `offer_id` and `price` are the cheapest's."""

    offer_id: str
    price: int
    hotel_id: int
    name: str
    stars: int
    address: str
    city: Place
    check_in: date
    check_out: date
    nights: int
    rooms: tuple[RoomOffer, ...]


@dataclass(frozen=True)
class VipOffer:
    """A VIP membership plan."""

    offer_id: str
    code: str
    name: str
    price: int
    duration_days: int
    benefits: tuple[str, ...]


@dataclass(frozen=True)
class QuoteLine:
    """One line of a price breakdown."""

    label: str
    quantity: int
    unit_price: int
    amount: int


@dataclass(frozen=True)
class Reservation:
    """Exactly what a hold takes from inventory (and gives back on release)."""

    kind: str  # seats | rooms | none
    fare_id: int | None = None
    seats: int = 0
    room_type_id: int | None = None
    check_in: date | None = None
    check_out: date | None = None
    rooms: int = 0


@dataclass(frozen=True)
class Quote:
    """An offer re-read with its current price, described in one locale, ready to be held."""

    offer_id: str
    product: str  # flight | hotel | vip
    title: str
    subtitle: str
    lines: tuple[QuoteLine, ...]
    conditions: tuple[str, ...]
    amount: int
    available: bool
    reservation: Reservation
    service_date: date  # travel date or check-in (ages are counted on it); today for VIP
    details: dict[str, Any] = field(default_factory=dict)
    currency: str = "VND"

    def snapshot(self) -> dict[str, Any]:
        """The JSON stored on the booking: what the customer was shown and agreed to."""
        return {
            "offer_id": self.offer_id,
            "product": self.product,
            "title": self.title,
            "subtitle": self.subtitle,
            "lines": [{"label": line.label, "quantity": line.quantity, "unit_price": line.unit_price,
                       "amount": line.amount} for line in self.lines],
            "conditions": list(self.conditions),
            "amount": self.amount,
            "currency": self.currency,
            "service_date": self.service_date.isoformat(),
            "details": self.details,
        }


def fare_offer_id(fare_id: int) -> str:
    return f"{FLIGHT.offer_prefix}:{fare_id}"


def room_offer_id(room_type_id: int, check_in: date, check_out: date, rooms: int) -> str:
    return f"{HOTEL.offer_prefix}:{room_type_id}:{check_in.isoformat()}:{check_out.isoformat()}:{rooms}"


def vip_offer_id(code: str) -> str:
    return f"{VIP.offer_prefix}:{code}"
