"""Catalog searches for the screens: each answers with a small constant number of indexed queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from webview.catalog import data
from webview.catalog.generator import PLACES, local_today
from webview.catalog.models import Airline, Airport, Fare, Flight, Hotel, HotelCity, RoomNight, RoomType, VipPlan
from webview.catalog.offers import (
    MAX_NIGHTS,
    MAX_ROOMS,
    FareOffer,
    FlightOffer,
    HotelOffer,
    InvalidSearch,
    Passengers,
    Place,
    RoomOffer,
    VipOffer,
    fare_offer_id,
    room_offer_id,
    vip_offer_id,
)
from webview.catalog.quotes import flight_total, load_offer
from webview.db import utcnow
from webview.extensions import db

__all__ = [
    "airports",
    "hotel_cities",
    "load_offer",
    "search_flights",
    "search_hotels",
    "vip_plans",
]

SORTS = ("price", "time")


# The pickers' places, per app and locale, in current_app.extensions[PLACES]. Airports and hotel cities are
# reference rows: `ensure_reference_data` only inserts the missing ones from webview.catalog.data (and forgets this
# process's copy), so they change with a deploy (a process restart), never while a process runs. An empty answer
# (a catalog not seeded yet) is not kept.


def _places(kind: str, locale: str, load) -> list[Place]:
    cache = current_app.extensions.setdefault(PLACES, {})
    places = cache.get((kind, locale))
    if places is None:
        places = tuple(load())
        if places:
            cache[(kind, locale)] = places
    return list(places)


def airports(locale: str = "vi") -> list[Place]:
    """Every airport for the origin/destination pickers, busiest first, named in `locale` (read once per process)."""

    def load():
        rows = db.session.scalars(select(Airport).order_by(Airport.rank, Airport.code))
        return [Place(row.code, row.city(locale), row.name(locale)) for row in rows]

    return _places("airport", locale, load)


def hotel_cities(locale: str = "vi") -> list[Place]:
    """Every hotel city for the city picker, named in `locale` (read once per process)."""

    def load():
        rows = db.session.scalars(select(HotelCity).order_by(HotelCity.rank, HotelCity.code))
        return [Place(row.code, row.name(locale), row.name(locale)) for row in rows]

    return _places("hotel_city", locale, load)


def fare_class_name(fare_class: str, locale: str) -> str:
    """The fare class as customers know it, in `locale`."""
    names = data.FARE_CLASS_NAMES.get(fare_class, (fare_class, fare_class))
    return names[1] if locale == "en" else names[0]


def search_flights(origin: str, destination: str, day: date, passengers: Passengers, sort: str = "price",
                   airline: str | None = None, *, locale: str = "vi", now: datetime | None = None
                   ) -> list[FlightOffer]:
    """Flights on `day` (GMT+7) with at least one fare that seats the party, by price or departure time.

    One query whatever the number of results (the airports are the pickers' cached list). Raises InvalidSearch
    for a bad query (unknown airport, same origin and destination, a party the rules refuse, unknown sort).
    """
    if sort not in SORTS:
        raise InvalidSearch(_l("Unknown sort order."))
    passengers.check()
    origin, destination = (origin or "").upper(), (destination or "").upper()
    if origin == destination:
        raise InvalidSearch(_l("Choose a destination different from the origin."))
    places = {place.code: place for place in airports(locale) if place.code in (origin, destination)}
    if origin not in places or destination not in places:
        raise InvalidSearch(_l("Choose an airport from the list."))
    # Plain rows, not ORM objects: a results screen only reads them (a third of the screen's work went into
    # building and tracking flight, fare and airline objects).
    query = (
        select(Flight.id.label("flight_id"), Flight.flight_number, Flight.departure_day, Flight.departs_at,
               Flight.arrives_at, Flight.duration_minutes, Flight.aircraft,
               Fare.id.label("fare_id"), Fare.fare_class, Fare.price_adult, Fare.price_child, Fare.price_infant,
               Fare.seats_left, Fare.checked_baggage_kg, Fare.cabin_baggage_kg, Fare.refundable, Fare.refund_fee,
               Fare.change_fee, Airline.code.label("airline_code"), Airline.name.label("airline_name"),
               Airline.max_seats, Airline.infants_per_adult)
        .join(Fare, Fare.flight_id == Flight.id)
        .join(Airline, Airline.code == Flight.airline_code)
        .where(Flight.origin_code == origin, Flight.destination_code == destination, Flight.departure_day == day,
               Flight.departs_at > (now or utcnow()), Fare.seats_left >= passengers.seats)
        .order_by(Flight.id, Fare.price_adult)
    )
    if airline:
        query = query.where(Flight.airline_code == airline.upper())
    grouped: dict[int, tuple[Any, list[FareOffer]]] = {}
    for row in db.session.execute(query):
        if passengers.problem(row.max_seats, row.infants_per_adult) is not None:
            continue
        entry = grouped.setdefault(row.flight_id, (row, []))
        entry[1].append(FareOffer(
            offer_id=fare_offer_id(row.fare_id), fare_id=row.fare_id, fare_class=row.fare_class,
            name=fare_class_name(row.fare_class, locale), price_adult=row.price_adult,
            price_child=row.price_child, price_infant=row.price_infant,
            total=flight_total(row, passengers), seats_left=row.seats_left,
            checked_baggage_kg=row.checked_baggage_kg, cabin_baggage_kg=row.cabin_baggage_kg,
            refundable=row.refundable, refund_fee=row.refund_fee, change_fee=row.change_fee,
        ))
    origin_place, destination_place = places[origin], places[destination]
    offers = []
    for flight, fares in grouped.values():
        fares.sort(key=lambda offer: (offer.total, offer.fare_id))
        offers.append(FlightOffer(
            offer_id=fares[0].offer_id, price=fares[0].total, flight_id=flight.flight_id,
            airline_code=flight.airline_code, airline_name=flight.airline_name, flight_number=flight.flight_number,
            origin=origin_place, destination=destination_place, departure_day=flight.departure_day,
            departs_at=flight.departs_at, arrives_at=flight.arrives_at, duration_minutes=flight.duration_minutes,
            aircraft=flight.aircraft, fares=tuple(fares),
        ))
    if sort == "price":
        offers.sort(key=lambda offer: (offer.price, offer.departs_at, offer.flight_number))
    else:
        offers.sort(key=lambda offer: (offer.departs_at, offer.price, offer.flight_number))
    return offers


def check_stay(check_in: date, check_out: date, rooms: int, guests: int, today: date | None = None) -> int:
    """Validate a stay and return its number of nights; raises InvalidSearch."""
    if check_in < (today or local_today()):
        raise InvalidSearch(_l("Choose today or a later date."))
    nights = (check_out - check_in).days
    if nights < 1:
        raise InvalidSearch(_l("Check-out must be after check-in."))
    if nights > MAX_NIGHTS:
        raise InvalidSearch(_l("Stays are limited to %(n)d nights.", n=MAX_NIGHTS))
    if isinstance(rooms, bool) or not isinstance(rooms, int) or not 1 <= rooms <= MAX_ROOMS:
        raise InvalidSearch(_l("Choose 1 to %(n)d rooms.", n=MAX_ROOMS))
    if isinstance(guests, bool) or not isinstance(guests, int) or guests < rooms:
        raise InvalidSearch(_l("Each room needs at least one guest."))
    return nights


def search_hotels(city: str, check_in: date, check_out: date, rooms: int, guests: int, *, locale: str = "vi",
                  today: date | None = None) -> list[HotelOffer]:
    """Hotels in `city` with a room type free on every night of the stay for `rooms` rooms, cheapest first.

    A room type is offered only if every night from check-in to the night before check-out has
    rooms_left >= rooms and its rooms hold the guests. One query whatever the number of results (the cities are
    the pickers' cached list).
    """
    nights = check_stay(check_in, check_out, rooms, guests, today)
    place = next((place for place in hotel_cities(locale) if place.code == (city or "").upper()), None)
    if place is None:
        raise InvalidSearch(_l("Choose a city from the list."))
    stay = (
        select(RoomNight.room_type_id, func.min(RoomNight.rooms_left).label("rooms_left"),
               func.sum(RoomNight.price).label("nights_price"))
        .where(RoomNight.night >= check_in, RoomNight.night < check_out)
        .group_by(RoomNight.room_type_id)
        .having(and_(func.count(RoomNight.id) == nights, func.min(RoomNight.rooms_left) >= rooms))
        .subquery()
    )
    query = (
        select(RoomType, Hotel, stay.c.rooms_left, stay.c.nights_price)
        .join(stay, stay.c.room_type_id == RoomType.id)
        .join(Hotel, Hotel.id == RoomType.hotel_id)
        .where(Hotel.city_code == place.code, RoomType.max_guests * rooms >= guests)
        .order_by(Hotel.id, stay.c.nights_price)
    )
    city_place = place
    grouped: dict[int, tuple[Hotel, list[RoomOffer]]] = {}
    for room_type, hotel, rooms_left, nights_price in db.session.execute(query):
        grouped.setdefault(hotel.id, (hotel, []))[1].append(RoomOffer(
            offer_id=room_offer_id(room_type.id, check_in, check_out, rooms), room_type_id=room_type.id,
            code=room_type.code, name=room_type.name(locale), bed=room_type.bed_en if locale == "en"
            else room_type.bed_vi, max_guests=room_type.max_guests, breakfast=room_type.breakfast,
            refundable=room_type.refundable, rooms=rooms, nights=nights, rooms_left=int(rooms_left),
            price_per_night=round(int(nights_price) / nights / 1_000) * 1_000,
            total=int(nights_price) * rooms,
        ))
    offers = []
    for hotel, room_offers in grouped.values():
        room_offers.sort(key=lambda offer: (offer.total, offer.room_type_id))
        offers.append(HotelOffer(
            offer_id=room_offers[0].offer_id, price=room_offers[0].total, hotel_id=hotel.id, name=hotel.name,
            stars=hotel.stars, address=hotel.address, city=city_place, check_in=check_in, check_out=check_out,
            nights=nights, rooms=tuple(room_offers),
        ))
    offers.sort(key=lambda offer: (offer.price, offer.hotel_id))
    return offers


def vip_plans(locale: str = "vi") -> list[VipOffer]:
    """The VIP membership plans, in display order."""
    plans = db.session.scalars(select(VipPlan).order_by(VipPlan.rank, VipPlan.code))
    return [VipOffer(vip_offer_id(plan.code), plan.code, plan.name(locale), plan.price, plan.duration_days,
                     tuple(plan.benefits(locale))) for plan in plans]
