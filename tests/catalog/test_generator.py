"""The demo catalog generator: deterministic per day, idempotent, realistic, fast enough to seed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from tests.catalog.conftest import SEED
from webview.catalog import data
from webview.catalog.generator import departure_schedule, generate_catalog, local_today
from webview.catalog.models import Airline, Airport, Fare, Flight, Hotel, HotelCity, RoomNight, RoomType, VipPlan
from webview.extensions import db


def catalog_rows() -> tuple[list, list]:
    """Every flight with its fares, and every room night, keyed on natural keys (ids differ between runs)."""
    flights = db.session.execute(
        select(Flight.airline_code, Flight.flight_number, Flight.departure_day, Flight.departs_at,
               Flight.arrives_at, Flight.origin_code, Flight.destination_code, Fare.fare_class, Fare.price_adult,
               Fare.price_child, Fare.price_infant, Fare.seats_left, Fare.checked_baggage_kg, Fare.refundable)
        .join(Fare, Fare.flight_id == Flight.id)
        .order_by(Flight.departure_day, Flight.flight_number, Fare.fare_class)
    ).all()
    nights = db.session.execute(
        select(Hotel.slug, RoomType.code, RoomNight.night, RoomNight.price, RoomNight.rooms_left)
        .join(RoomType, RoomType.id == RoomNight.room_type_id).join(Hotel, Hotel.id == RoomType.hotel_id)
        .order_by(Hotel.slug, RoomType.code, RoomNight.night)
    ).all()
    return flights, nights


def wipe_inventory() -> None:
    for model in (Fare, Flight, RoomNight):
        db.session.execute(delete(model))
    db.session.commit()


def test_counts_and_reference_data(app, catalog):
    per_day = len(departure_schedule(SEED))
    assert catalog.flights == 3 * per_day
    assert db.session.scalar(select(func.count()).select_from(Flight)) == 3 * per_day
    assert catalog.fares == db.session.scalar(select(func.count()).select_from(Fare))
    assert catalog.fares > 2 * catalog.flights
    room_types = db.session.scalar(select(func.count()).select_from(RoomType))
    assert room_types == len(data.HOTELS) * len(data.ROOM_TYPES)
    assert catalog.room_nights == 3 * room_types
    assert set(db.session.scalars(select(Airline.code))) == {"VN", "VJ", "QH", "VU"}
    codes = set(db.session.scalars(select(Airport.code)))
    assert {"HAN", "SGN", "DAD", "CXR", "PQC", "HPH", "VCA", "HUI", "VII", "DLI", "UIH", "BMV"} <= codes
    assert db.session.scalar(select(func.count()).select_from(HotelCity)) == 8
    assert dict(db.session.execute(select(VipPlan.code, VipPlan.price)).all()) == {
        "monthly": 59_000, "yearly": 599_000}
    assert db.session.get(Airport, "DAD").city_vi == "Đà Nẵng"


def test_prices_times_and_inventory_are_realistic(app, catalog):
    flights, nights = catalog_rows()
    for row in flights:
        assert 600_000 <= row.price_adult <= 4_000_000
        assert row.price_adult % 1_000 == row.price_child % 1_000 == row.price_infant % 1_000 == 0
        assert row.price_infant < row.price_child <= row.price_adult
        assert row.seats_left >= 0
        assert timedelta(minutes=45) <= row.arrives_at - row.departs_at <= timedelta(hours=2, minutes=30)
        local = row.departs_at + timedelta(hours=7)
        assert local.date() == row.departure_day
        assert 6 <= local.hour <= 22
    for row in nights:
        assert row.price % 1_000 == 0 and 300_000 <= row.price <= 10_000_000
        assert row.rooms_left >= 0
    numbers = [(row.airline_code, row.flight_number, row.departure_day) for row in flights
               if row.fare_class == "economy"]
    assert len(numbers) == len(set(numbers))  # a flight number flies once a day
    busy = [row for row in flights if (row.origin_code, row.destination_code) == ("HAN", "SGN")
            and row.departure_day == catalog.first_day and row.fare_class == "economy"]
    assert len(busy) >= 10


def test_the_same_day_always_gives_the_same_rows(app, catalog):
    first = catalog_rows()
    wipe_inventory()
    # one day at a time, in another order: each day is keyed on its own date
    for offset in (2, 0, 1):
        generate_catalog(1, start=catalog.first_day + timedelta(days=offset), seed=SEED)
    assert catalog_rows() == first
    wipe_inventory()
    generate_catalog(3, start=catalog.first_day, seed="another-seed")
    assert catalog_rows() != first


def test_rerun_tops_up_missing_days_and_keeps_sold_inventory(app, catalog):
    fare_id = db.session.scalar(select(Fare.id).order_by(Fare.id).limit(1))
    night_id = db.session.scalar(select(RoomNight.id).order_by(RoomNight.id).limit(1))
    db.session.execute(update(Fare).where(Fare.id == fare_id).values(seats_left=0))
    db.session.execute(update(RoomNight).where(RoomNight.id == night_id).values(rooms_left=0))
    db.session.commit()

    again = generate_catalog(3, start=catalog.first_day, seed=SEED)
    assert (again.flights, again.fares, again.room_nights) == (0, 0, 0)

    more = generate_catalog(5, start=catalog.first_day, seed=SEED)
    assert more.flights == 2 * len(departure_schedule(SEED))
    assert more.last_day == catalog.first_day + timedelta(days=4)
    assert db.session.get(Fare, fare_id).seats_left == 0
    assert db.session.get(RoomNight, night_id).rooms_left == 0
    assert db.session.scalar(select(func.count(func.distinct(Flight.departure_day)))) == 5


def test_generate_refuses_a_silly_horizon(app):
    with pytest.raises(ValueError):
        generate_catalog(0)
    with pytest.raises(ValueError):
        generate_catalog(10_000)


def test_inventory_can_never_go_negative(app, catalog):
    fare_id = db.session.scalar(select(Fare.id).limit(1))
    with pytest.raises(IntegrityError):
        db.session.execute(update(Fare).where(Fare.id == fare_id).values(seats_left=-1))
        db.session.flush()
    db.session.rollback()
    night_id = db.session.scalar(select(RoomNight.id).limit(1))
    with pytest.raises(IntegrityError):
        db.session.execute(update(RoomNight).where(RoomNight.id == night_id).values(rooms_left=-1))
        db.session.flush()
    db.session.rollback()


def test_cli_generates_from_today(app, runner):
    result = runner.invoke(args=["catalog", "generate", "--days", "2"])
    assert result.exit_code == 0, result.output
    assert "added" in result.output
    assert set(db.session.scalars(select(Flight.departure_day).distinct())) == {
        local_today(), local_today() + timedelta(days=1)}
    rerun = runner.invoke(args=["catalog", "generate", "--days", "2"])
    assert "added 0 flights, 0 fares, 0 room nights" in rerun.output
    assert runner.invoke(args=["catalog", "generate", "--days", "0"]).exit_code != 0


def test_demo_seed_step_generates_the_configured_horizon(make_app):
    from webview.catalog.generator import seed_catalog
    from webview.demo import seed_steps

    app = make_app(CATALOG_SEED_DAYS=2)
    with app.app_context():
        assert "catalog" in seed_steps()
        seed_catalog([])
        db.session.commit()
        days = set(db.session.scalars(select(Flight.departure_day).distinct()))
        assert days == {local_today(), local_today() + timedelta(days=1)}
        assert db.session.scalar(select(func.count()).select_from(VipPlan)) == 2
