"""Deterministic demo catalog: the same seed and day always give the same flights, fares and room nights.

Each day is generated from its own `random.Random` keyed on (seed, day, item), so a run on any date yields
the same rows for a given day, and re-running only tops up days that are missing: inventory already in the
database (seats and rooms sold since) is never touched.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select

from webview.catalog import data
from webview.catalog.models import (
    Airline,
    Airport,
    Fare,
    Flight,
    Hotel,
    HotelCity,
    RoomNight,
    RoomType,
    VipPlan,
)
from webview.extensions import db

PLACES = "webview.catalog.places"  # app.extensions key of the pickers' airports and cities
log = logging.getLogger(__name__)

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_SEED = "webview-demo-catalog"
DEFAULT_DAYS = 60
MAX_DAYS = 400
MIN_FARE, MAX_FARE = 600_000, 4_000_000
FIRST_DEPARTURE, LAST_DEPARTURE = 6 * 60, 22 * 60 + 30  # local minutes after midnight


@dataclass(frozen=True)
class GenerationResult:
    """What one run inserted."""

    flights: int
    fares: int
    room_nights: int
    first_day: date
    last_day: date


def local_today() -> date:
    """Today's date in Vietnam (GMT+7)."""
    return datetime.now(LOCAL_ZONE).date()


def round_vnd(amount: float, low: int = 1_000, high: int | None = None) -> int:
    """Round to the nearest 1.000 ₫ and clamp to [low, high]."""
    value = max(low, round(amount / 1_000) * 1_000)
    return min(value, high) if high is not None else value


def generate_catalog(days: int = DEFAULT_DAYS, *, start: date | None = None, seed: str = DEFAULT_SEED,
                     commit: bool = True) -> GenerationResult:
    """Insert the reference data and every missing day of flights and room nights from `start` (today, GMT+7)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    first = start or local_today()
    wanted = [first + timedelta(days=offset) for offset in range(days)]
    ensure_reference_data(seed)
    flights, fares = insert_flights(wanted, seed)
    nights = insert_room_nights(wanted, seed)
    if commit:
        db.session.commit()
    log.info("catalog: %d flights, %d fares, %d room nights added for %s..%s",
             flights, fares, nights, wanted[0], wanted[-1])
    return GenerationResult(flights, fares, nights, wanted[0], wanted[-1])


def ensure_reference_data(seed: str = DEFAULT_SEED) -> None:
    """Insert airports, airlines, cities, hotels, room types and VIP plans that are not there yet."""
    current_app.extensions.pop(PLACES, None)  # the pickers' places, kept per process by catalog.services
    insert_missing(Airport, Airport.code, [
        {"code": code, "city_vi": city_vi, "city_en": city_en, "name_vi": name_vi, "name_en": name_en, "rank": rank}
        for rank, (code, city_vi, city_en, name_vi, name_en) in enumerate(data.AIRPORTS)
    ], "code")
    insert_missing(Airline, Airline.code, [{"code": row[0], "name": row[1]} for row in data.AIRLINES], "code")
    insert_missing(HotelCity, HotelCity.code, [
        {"code": code, "name_vi": name_vi, "name_en": name_en, "rank": rank}
        for rank, (code, name_vi, name_en) in enumerate(data.HOTEL_CITIES)
    ], "code")
    insert_missing(Hotel, Hotel.slug, [
        {"city_code": city, "slug": slug, "name": name, "stars": stars, "address": address}
        for city, slug, name, stars, address in data.HOTELS
    ], "slug")
    insert_missing(VipPlan, VipPlan.code, [
        {"code": code, "name_vi": name_vi, "name_en": name_en, "price": price, "duration_days": duration,
         "benefits_vi": benefits_vi, "benefits_en": benefits_en, "rank": rank}
        for rank, (code, name_vi, name_en, price, duration, benefits_vi, benefits_en) in enumerate(data.VIP_PLANS)
    ], "code")
    hotels = db.session.execute(select(Hotel.id, Hotel.slug, Hotel.stars)).all()
    have = set(db.session.execute(select(RoomType.hotel_id, RoomType.code)))
    rows = []
    for hotel_id, slug, stars in hotels:
        hotel_factor = random.Random(f"{seed}|hotel|{slug}").uniform(0.85, 1.3)
        for code, name_vi, name_en, guests, bed_vi, bed_en, factor, breakfast, refundable in data.ROOM_TYPES:
            if (hotel_id, code) in have:
                continue
            rows.append({
                "hotel_id": hotel_id, "code": code, "name_vi": name_vi, "name_en": name_en, "max_guests": guests,
                "bed_vi": bed_vi, "bed_en": bed_en, "breakfast": breakfast or stars == 5, "refundable": refundable,
                "base_price": round_vnd(data.STAR_PRICES[stars] * factor * hotel_factor),
            })
    if rows:
        db.session.connection().execute(insert(RoomType.__table__), rows)


def bulk_insert(model, rows: list[dict]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL, executemany elsewhere.

    COPY applies no Python-side column defaults: every row must name every column it needs.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(model.__table__), rows)
        return
    columns = list(rows[0])
    sql = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([copy_value(row[column]) for column in columns])


def copy_value(value):
    """Aware datetimes are stored as naive UTC (see webview.db.UTCDateTime)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def insert_missing(model, key_column, rows: list[dict], key: str) -> None:
    """Bulk-insert the rows whose `key` is not in the table yet."""
    have = set(db.session.scalars(select(key_column)))
    missing = [row for row in rows if row[key] not in have]
    if missing:
        db.session.connection().execute(insert(model.__table__), missing)


def departure_schedule(seed: str) -> list[dict]:
    """Every daily departure (same each day): airline, number, route, local time, duration, aircraft."""
    airlines = {row[0]: row for row in data.AIRLINES}
    schedule = []
    for route_index, (origin, destination, minutes, frequencies) in enumerate(data.ROUTES):
        for direction, (frm, to) in enumerate(((origin, destination), (destination, origin))):
            slots = [(code, slot) for slot in range(max(frequencies.values()))
                     for code in frequencies if slot < frequencies[code]]
            spacing = (LAST_DEPARTURE - FIRST_DEPARTURE) // len(slots) // 5 * 5
            for position, (code, slot) in enumerate(slots):
                rng = random.Random(f"{seed}|schedule|{frm}{to}|{code}|{slot}")
                local_minutes = min(LAST_DEPARTURE, FIRST_DEPARTURE + position * spacing + rng.randrange(0, 45, 5))
                schedule.append({
                    "airline_code": code,
                    "flight_number": f"{code}{100 + route_index * 20 + slot * 2 + direction}",
                    "origin_code": frm,
                    "destination_code": to,
                    "local_minutes": local_minutes,
                    "duration_minutes": minutes + rng.choice((-5, 0, 0, 5, 10)),
                    "aircraft": rng.choice(airlines[code][5]),
                })
    return schedule


def insert_flights(days: list[date], seed: str) -> tuple[int, int]:
    """Insert the flights and fares of the days that have none yet; returns (flights, fares) inserted."""
    have = set(db.session.scalars(
        select(Flight.departure_day).where(Flight.departure_day.between(days[0], days[-1])).distinct()))
    missing = [day for day in days if day not in have]
    if not missing:
        return 0, 0
    schedule = departure_schedule(seed)
    airlines = {row[0]: row for row in data.AIRLINES}
    flight_rows, fare_sets = [], []
    for day in missing:
        for item in schedule:
            departs = datetime.combine(day, time(0), LOCAL_ZONE) + timedelta(minutes=item["local_minutes"])
            departs = departs.astimezone(UTC)
            flight_rows.append({
                "airline_code": item["airline_code"], "flight_number": item["flight_number"],
                "origin_code": item["origin_code"], "destination_code": item["destination_code"],
                "departure_day": day, "departs_at": departs,
                "arrives_at": departs + timedelta(minutes=item["duration_minutes"]),
                "duration_minutes": item["duration_minutes"], "aircraft": item["aircraft"],
            })
            rng = random.Random(f"{seed}|{day.isoformat()}|{item['flight_number']}")
            fare_sets.append(fare_rows(rng, day, item["duration_minutes"], airlines[item["airline_code"]]))
    # Plain executemany, then read the ids back: RETURNING with a guaranteed row order would make
    # PostgreSQL insert one row per statement.
    bulk_insert(Flight, flight_rows)
    ids = {(code, number, day): flight_id for flight_id, code, number, day in db.session.execute(
        select(Flight.id, Flight.airline_code, Flight.flight_number, Flight.departure_day)
        .where(Flight.departure_day.in_(missing)))}
    fares = [{**fare, "flight_id": ids[row["airline_code"], row["flight_number"], row["departure_day"]]}
             for row, fare_set in zip(flight_rows, fare_sets, strict=True) for fare in fare_set]
    bulk_insert(Fare, fares)
    return len(flight_rows), len(fares)


def fare_rows(rng: random.Random, day: date, duration: int, airline: tuple) -> list[dict]:
    """The fare classes of one flight on one day: prices, seats and conditions."""
    _code, _name, price_factor, checked_kg, classes, _aircraft = airline
    weekend = 1.12 if day.weekday() in (4, 6) else 1.0  # Friday and Sunday are the busy days
    economy = (450_000 + duration * 11_000) * price_factor * weekend * rng.uniform(0.85, 1.25)
    rows = []
    for fare_class in classes:
        if fare_class == "economy_lite":
            adult = round_vnd(economy * 0.78, MIN_FARE, MAX_FARE)
            seats = 0 if rng.random() < 0.12 else rng.randint(1, 40)
            terms = {"checked_baggage_kg": 0, "cabin_baggage_kg": 7, "refundable": False,
                     "refund_fee": None, "change_fee": None}
        elif fare_class == "economy":
            adult = round_vnd(economy, MIN_FARE, MAX_FARE)
            seats = rng.randint(1, 4) if rng.random() < 0.1 else rng.randint(8, 90)
            terms = {"checked_baggage_kg": checked_kg, "cabin_baggage_kg": 7, "refundable": True,
                     "refund_fee": 350_000, "change_fee": 300_000}
        else:
            adult = round_vnd(economy * 2.2, MIN_FARE, MAX_FARE)
            seats = 0 if rng.random() < 0.2 else rng.randint(1, 12)
            terms = {"checked_baggage_kg": 32, "cabin_baggage_kg": 14, "refundable": True,
                     "refund_fee": 0, "change_fee": 0}
        rows.append({
            "fare_class": fare_class, "price_adult": adult, "price_child": round_vnd(adult * 0.9),
            "price_infant": round_vnd(max(100_000, adult * 0.1)), "seats_left": seats, **terms,
        })
    return rows


def insert_room_nights(days: list[date], seed: str) -> int:
    """Insert the price and rooms of every (room type, night) not there yet; returns how many."""
    room_types = db.session.execute(select(RoomType.id, RoomType.code, RoomType.base_price, Hotel.slug)
                                    .join(Hotel, Hotel.id == RoomType.hotel_id)).all()
    have = set(db.session.execute(
        select(RoomNight.room_type_id, RoomNight.night).where(RoomNight.night.between(days[0], days[-1]))))
    rows = []
    for day in days:
        weekend = 1.15 if day.weekday() in (4, 5) else 1.0  # Friday and Saturday nights
        for room_type_id, code, base_price, slug in room_types:
            if (room_type_id, day) in have:
                continue
            rng = random.Random(f"{seed}|{day.isoformat()}|{slug}|{code}")
            rooms = 0 if rng.random() < 0.08 else rng.randint(1, 12 if code == "standard" else 6)
            rows.append({"room_type_id": room_type_id, "night": day, "rooms_left": rooms,
                         "price": round_vnd(base_price * weekend * rng.uniform(0.92, 1.1))})
    if rows:
        bulk_insert(RoomNight, rows)
    return len(rows)


def seed_catalog(credentials: list[dict]) -> None:
    """The `flask demo seed` step: CATALOG_SEED_DAYS (default 60) days from today; the seed commits."""
    generate_catalog(int(current_app.config["CATALOG_SEED_DAYS"]), commit=False)
