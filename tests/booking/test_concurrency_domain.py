"""Concurrent holds and sweeps on PostgreSQL: never oversold, every hold expired exactly once."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.booking.factories import CONTACT, a_fare, adults
from webview.booking.models import Booking
from webview.booking.services import expire_due_holds, hold_booking
from webview.catalog.models import Fare, RoomNight, RoomType
from webview.catalog.offers import room_offer_id
from webview.db import utcnow
from webview.extensions import db

IS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)"),
]


def run_together(app, count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` in `count` threads, each in its own app context (own session), released at once."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(index: int) -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            try:
                results[index] = work(index)
            except Exception as error:  # reported to the test, which fails on it
                results[index] = error
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def statuses(results: list[object]) -> list[str]:
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    return sorted(result for result in results)


def test_twenty_customers_race_for_the_last_five_seats(app, people, catalog):
    partner, alice, _bob = people
    fare_id, partner_id, customer_id = a_fare(catalog.first_day, seats=5).id, partner.id, alice.id

    def take_a_seat(index: int) -> str:
        booking = hold_booking(partner_id=partner_id, customer_id=customer_id, launch_session_id=f"s{index}",
                               offer_id=f"F:{fare_id}", travellers=adults(1), contact=CONTACT, locale="vi")
        return booking.booking_status

    results = statuses(run_together(app, 20, take_a_seat))
    assert results.count("BOOKED") == 5 and results.count("FAILED") == 15
    db.session.expire_all()
    assert db.session.get(Fare, fare_id).seats_left == 0
    held = db.session.scalar(select(func.sum(Booking.held_seats)).where(Booking.inventory_held.is_(True)))
    assert held == 5


def test_overlapping_hotel_stays_never_oversell_or_deadlock(app, people, catalog):
    partner, alice, _bob = people
    room_type_id = db.session.scalar(select(RoomType.id).order_by(RoomType.id))
    nights = RoomNight.room_type_id == room_type_id
    db.session.execute(update(RoomNight).where(nights).values(rooms_left=3))
    db.session.commit()
    first = catalog.first_day
    stays = [(first, first + timedelta(days=3)), (first + timedelta(days=1), first + timedelta(days=3)),
             (first, first + timedelta(days=2))]
    partner_id, customer_id = partner.id, alice.id

    def take_a_room(index: int) -> str:
        check_in, check_out = stays[index % len(stays)]
        booking = hold_booking(partner_id=partner_id, customer_id=customer_id, launch_session_id=None,
                               offer_id=room_offer_id(room_type_id, check_in, check_out, 1),
                               travellers=adults(1), contact=CONTACT, locale="en")
        return booking.booking_status

    results = statuses(run_together(app, 12, take_a_room))
    db.session.expire_all()
    left = dict(db.session.execute(select(RoomNight.night, RoomNight.rooms_left).where(nights)).all())
    assert all(value >= 0 for value in left.values())
    assert results.count("BOOKED") >= 3  # at least the rooms of the busiest night were sold
    held = db.session.scalars(select(Booking).where(Booking.booking_status == "BOOKED")).all()
    for night, rooms_left in left.items():
        taken = sum(1 for b in held if b.held_check_in <= night < b.held_check_out)
        assert taken + rooms_left == 3


def test_parallel_sweepers_expire_each_hold_once(app, people, catalog):
    partner, alice, _bob = people
    fare_id = a_fare(catalog.first_day, seats=9).id
    for index in range(9):
        hold_booking(partner_id=partner.id, customer_id=alice.id, launch_session_id=f"s{index}",
                     offer_id=f"F:{fare_id}", travellers=adults(1), contact=CONTACT, locale="vi")
    assert db.session.get(Fare, fare_id).seats_left == 0
    later = utcnow() + timedelta(hours=1)

    counts = run_together(app, 4, lambda index: expire_due_holds(now=later, batch_size=2))
    assert not any(isinstance(count, Exception) for count in counts), counts
    assert sum(counts) == 9
    db.session.expire_all()
    assert db.session.get(Fare, fare_id).seats_left == 9
    assert db.session.scalar(select(func.count()).where(Booking.booking_status == "EXPIRED")) == 9
