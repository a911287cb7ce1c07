"""Re-read an offer by its id with the current price, described in one locale: what a hold is made from."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from webview.catalog import data
from webview.catalog.generator import local_today
from webview.catalog.models import Airline, Airport, Fare, Flight, Hotel, HotelCity, RoomNight, RoomType, VipPlan
from webview.catalog.offers import (
    MAX_NIGHTS,
    MAX_ROOMS,
    InvalidSearch,
    OfferNotFound,
    Passengers,
    Quote,
    QuoteLine,
    Reservation,
    fare_offer_id,
    vip_offer_id,
)
from webview.db import utcnow
from webview.extensions import db
from webview.i18n.formatting import format_local_date, format_local_time, format_vnd
from webview.products import FLIGHT, HOTEL, VIP, product_of_offer


class FarePrices(Protocol):
    """What pricing reads of a fare: a Fare, or a search's plain row with the same names."""

    price_adult: int
    price_child: int
    price_infant: int


def flight_total(fare: FarePrices, passengers: Passengers) -> int:
    """The fare's price for the whole party."""
    return (passengers.adults * fare.price_adult + passengers.children * fare.price_child
            + passengers.infants * fare.price_infant)


def load_offer(offer_id: str, *, passengers: Passengers | None = None, guests: int | None = None,
               locale: str = "vi", now: datetime | None = None) -> Quote:
    """The offer as it stands now (price, availability), described in `locale`.

    `passengers` prices a flight (default one adult); `guests` is checked against a hotel offer's rooms
    (default one per room). Raises OfferNotFound for a malformed, unknown or past offer and InvalidSearch
    for a party the offer cannot take.
    """
    product, rest = product_of_offer(offer_id), (offer_id or "").partition(":")[2]
    with force_locale(locale):
        if product is FLIGHT:
            return flight_quote(parse_int(rest), passengers or Passengers(), locale, now or utcnow())
        if product is HOTEL:
            parts = rest.split(":")
            if len(parts) != 4:
                raise OfferNotFound(offer_id)
            room_type_id, check_in, check_out, rooms = (parse_int(parts[0]), parse_date(parts[1]),
                                                        parse_date(parts[2]), parse_int(parts[3]))
            return hotel_quote(offer_id, room_type_id, check_in, check_out, rooms, guests, locale)
        if product is VIP and rest:
            return vip_quote(rest, locale)
    raise OfferNotFound(offer_id)


def parse_int(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise OfferNotFound(text)
    return int(text)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OfferNotFound(text) from None


def flight_quote(fare_id: int, passengers: Passengers, locale: str, now: datetime) -> Quote:
    """A fare for the party: one line per passenger type, baggage and refund conditions."""
    origin, destination = aliased(Airport), aliased(Airport)
    row = db.session.execute(
        select(Fare, Flight, Airline, origin, destination)
        .join(Flight, Flight.id == Fare.flight_id)
        .join(Airline, Airline.code == Flight.airline_code)
        .join(origin, origin.code == Flight.origin_code)
        .join(destination, destination.code == Flight.destination_code)
        .where(Fare.id == fare_id)
    ).first()
    if row is None:
        raise OfferNotFound(fare_offer_id(fare_id))
    fare, flight, airline, frm, to = row
    if flight.departs_at <= now:
        raise OfferNotFound(fare_offer_id(fare_id))
    passengers.check(airline.max_seats, airline.infants_per_adult)
    fare_names = data.FARE_CLASS_NAMES.get(fare.fare_class, (fare.fare_class, fare.fare_class))
    fare_name = fare_names[1] if locale == "en" else fare_names[0]
    lines = tuple(
        QuoteLine(label, count, price, count * price)
        for label, count, price in (
            (_("Adult"), passengers.adults, fare.price_adult),
            (_("Child"), passengers.children, fare.price_child),
            (_("Infant"), passengers.infants, fare.price_infant),
        )
        if count
    )
    conditions = [
        _("Checked baggage %(kg)d kg", kg=fare.checked_baggage_kg) if fare.checked_baggage_kg
        else _("No checked baggage"),
        _("Cabin baggage %(kg)d kg", kg=fare.cabin_baggage_kg),
        refund_condition(fare.refundable, fare.refund_fee, locale),
        change_condition(fare.change_fee, locale),
    ]
    return Quote(
        offer_id=fare_offer_id(fare.id), product=FLIGHT.code,
        title=f"{frm.city(locale)} → {to.city(locale)}",
        subtitle=(f"{airline.name} {flight.flight_number} · {fare_name} · "
                  f"{format_local_time(flight.departs_at, locale)} {format_local_date(flight.departs_at, locale)}"),
        lines=lines, conditions=tuple(conditions), amount=flight_total(fare, passengers),
        available=fare.seats_left >= passengers.seats,
        reservation=Reservation("seats", fare_id=fare.id, seats=passengers.seats),
        service_date=flight.departure_day,
        details={
            "airline_code": airline.code, "airline_name": airline.name, "flight_number": flight.flight_number,
            "origin": frm.code, "destination": to.code, "departs_at": flight.departs_at.isoformat(),
            "arrives_at": flight.arrives_at.isoformat(), "duration_minutes": flight.duration_minutes,
            "fare_class": fare.fare_class, "fare_name": fare_name,
            "passengers": {"adults": passengers.adults, "children": passengers.children,
                           "infants": passengers.infants},
        },
    )


def refund_condition(refundable: bool, fee: int | None, locale: str) -> str:
    if not refundable:
        return _("Non-refundable")
    if not fee:
        return _("Refundable free of charge")
    return _("Refundable for a fee of %(fee)s per passenger", fee=format_vnd(fee, locale))


def change_condition(fee: int | None, locale: str) -> str:
    if fee is None:
        return _("No changes allowed")
    if fee == 0:
        return _("Free changes")
    return _("Changes for a fee of %(fee)s per passenger", fee=format_vnd(fee, locale))


def hotel_quote(offer_id: str, room_type_id: int, check_in: date, check_out: date, rooms: int,
                guests: int | None, locale: str) -> Quote:
    """Rooms of one type for a stay: the sum of each night's price times the rooms."""
    nights = (check_out - check_in).days
    if check_in < local_today() or not 1 <= nights <= MAX_NIGHTS or not 1 <= rooms <= MAX_ROOMS:
        raise OfferNotFound(offer_id)
    row = db.session.execute(
        select(RoomType, Hotel, HotelCity)
        .join(Hotel, Hotel.id == RoomType.hotel_id)
        .join(HotelCity, HotelCity.code == Hotel.city_code)
        .where(RoomType.id == room_type_id)
    ).first()
    if row is None:
        raise OfferNotFound(offer_id)
    room_type, hotel, city = row
    guests = rooms if guests is None else guests
    if guests < rooms:
        raise InvalidSearch(_("Each room needs at least one guest."))
    if guests > rooms * room_type.max_guests:
        raise InvalidSearch(_("At most %(n)d guests per room.", n=room_type.max_guests))
    night_rows = db.session.execute(
        select(RoomNight.price, RoomNight.rooms_left)
        .where(RoomNight.room_type_id == room_type_id, RoomNight.night >= check_in, RoomNight.night < check_out)
    ).all()
    if len(night_rows) != nights:
        raise OfferNotFound(offer_id)  # outside the catalog's dates
    nights_price = sum(price for price, _left in night_rows)
    room_name = room_type.name(locale)
    conditions = [
        _("Breakfast included") if room_type.breakfast else _("Room only, breakfast not included"),
        _("Free cancellation until 24 hours before check-in") if room_type.refundable else _("Non-refundable"),
        _("Check-in from %(check_in)s, check-out by %(check_out)s", check_in=hotel.check_in_time,
          check_out=hotel.check_out_time),
    ]
    stay = f"{format_local_date(check_in, locale, short=True)} – {format_local_date(check_out, locale, short=True)}"
    return Quote(
        offer_id=offer_id, product=HOTEL.code, title=hotel.name,
        subtitle=f"{room_name} · {stay} · " + ngettext("%(num)d night", "%(num)d nights", nights),
        lines=(QuoteLine(f"{room_name} · " + ngettext("%(num)d night", "%(num)d nights", nights), rooms, nights_price,
                         rooms * nights_price),),
        conditions=tuple(conditions), amount=rooms * nights_price,
        available=all(left >= rooms for _price, left in night_rows),
        reservation=Reservation("rooms", room_type_id=room_type_id, check_in=check_in, check_out=check_out,
                                rooms=rooms),
        service_date=check_in,
        details={
            "hotel_id": hotel.id, "hotel_name": hotel.name, "stars": hotel.stars, "address": hotel.address,
            "city": city.code, "city_name": city.name(locale), "room_type_id": room_type.id,
            "room_type": room_name, "check_in": check_in.isoformat(), "check_out": check_out.isoformat(),
            "nights": nights, "rooms": rooms, "guests": guests,
            "check_in_time": hotel.check_in_time, "check_out_time": hotel.check_out_time,
        },
    )


def vip_quote(code: str, locale: str) -> Quote:
    """A VIP plan: one line, its benefits as conditions, nothing to reserve."""
    plan = db.session.get(VipPlan, code)
    if plan is None:
        raise OfferNotFound(vip_offer_id(code))
    conditions = (_("Valid for %(days)d days from payment", days=plan.duration_days), *plan.benefits(locale))
    return Quote(
        offer_id=vip_offer_id(plan.code), product=VIP.code, title=plan.name(locale),
        subtitle=_("%(days)d days of membership", days=plan.duration_days),
        lines=(QuoteLine(plan.name(locale), 1, plan.price, plan.price),), conditions=conditions,
        amount=plan.price, available=True, reservation=Reservation("none"), service_date=local_today(),
        details={"plan_code": plan.code, "duration_days": plan.duration_days},
    )
