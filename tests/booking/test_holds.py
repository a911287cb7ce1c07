"""Holds: inventory taken atomically with the booking insert, failures, release, expiry, ownership."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.booking.factories import CONTACT, a_fare, adults, hold, traveller
from webview.booking.models import Booking
from webview.booking.references import is_reference
from webview.booking.services import (
    BookingError,
    BookingNotFound,
    customer_bookings,
    expire_due_holds,
    find_customer_booking,
    order_summary,
    release_booking,
)
from webview.catalog.models import Fare, RoomNight, RoomType
from webview.catalog.offers import OfferNotFound, room_offer_id
from webview.db import utcnow
from webview.extensions import db
from webview.jobs.models import Job


def emails() -> list[tuple[str, str]]:
    """(kind, reference) of every queued email job."""
    jobs = db.session.scalars(select(Job).where(Job.kind == "email.send").order_by(Job.id))
    return [(job.payload["kind"], job.payload["order"]["reference"]) for job in jobs]


def seats(fare_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Fare, fare_id).seats_left


def booking_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_flight_hold_takes_seats_and_queues_the_held_email(app, people, catalog):
    partner, alice, _bob = people
    fare = a_fare(catalog.first_day, seats=10)
    party = [*adults(2), traveller("NGUYEN VAN BE", "child", date(2018, 1, 1)),
             traveller("NGUYEN THI EM", "infant", catalog.first_day - timedelta(days=200))]
    fare_id, expected = fare.id, 2 * fare.price_adult + fare.price_child + fare.price_infant
    before = utcnow()
    booking = hold(partner, alice, f"F:{fare_id}", party)
    db.session.remove()  # committed, not just flushed
    booking = db.session.get(Booking, booking.id)
    assert booking.statuses == ("BOOKED", "PENDING", "PENDING")
    assert is_reference(booking.reference) and booking.product == "flight" and booking.currency == "VND"
    assert booking.amount == expected
    assert seats(fare_id) == 7  # the infant takes no seat
    assert booking.inventory_held and booking.held_fare_id == fare_id and booking.held_seats == 3
    assert timedelta(minutes=19) < booking.hold_expires_at - before <= timedelta(minutes=20, seconds=5)
    assert booking.offer_snapshot["amount"] == booking.amount and booking.offer_snapshot["lines"]
    assert [t["passenger_type"] for t in booking.travellers] == ["adult", "adult", "child", "infant"]
    assert booking.contact_email == CONTACT["email"] and booking.launch_session_id == "sess-1"
    assert emails() == [("held", booking.reference)]


def test_no_seats_left_gives_a_failed_booking_and_the_hold_failed_email(app, people, catalog):
    partner, alice, _bob = people
    fare = a_fare(catalog.first_day, seats=1)
    booking = hold(partner, alice, f"F:{fare.id}", adults(2))
    assert booking.statuses == ("FAILED", "PENDING", "PENDING")
    assert booking.failure_reason == "sold_out" and booking.hold_expires_at is None
    assert not booking.inventory_held and seats(fare.id) == 1
    assert emails() == [("hold_failed", booking.reference)]


def test_hotel_hold_takes_every_night_or_none(app, people, catalog):
    partner, alice, _bob = people
    room_type_id = db.session.scalar(select(RoomType.id).order_by(RoomType.id))
    check_in, check_out = catalog.first_day, catalog.first_day + timedelta(days=3)
    night = (RoomNight.room_type_id == room_type_id)
    db.session.execute(update(RoomNight).where(night).values(rooms_left=2))
    db.session.commit()
    booking = hold(partner, alice, room_offer_id(room_type_id, check_in, check_out, 2), guests=3)
    assert booking.statuses == ("BOOKED", "PENDING", "PENDING")
    assert booking.amount == 2 * sum(db.session.scalars(select(RoomNight.price).where(night)))
    assert (booking.hold_expires_at - utcnow()) > timedelta(minutes=29)
    db.session.expire_all()
    assert set(db.session.scalars(select(RoomNight.rooms_left).where(night))) == {0}

    # one night short: nothing is taken on the other nights
    db.session.execute(update(RoomNight).where(night).values(rooms_left=1))
    db.session.execute(update(RoomNight).where(night, RoomNight.night == check_in + timedelta(days=1))
                       .values(rooms_left=0))
    db.session.commit()
    failed = hold(partner, alice, room_offer_id(room_type_id, check_in, check_out, 1))
    assert failed.booking_status == "FAILED"
    db.session.expire_all()
    assert sorted(db.session.scalars(select(RoomNight.rooms_left).where(night))) == [0, 1, 1]

    release_booking(booking.reference, customer_id=alice.id)
    db.session.expire_all()
    assert sorted(db.session.scalars(select(RoomNight.rooms_left).where(night))) == [2, 3, 3]


def test_vip_hold_has_no_inventory_and_a_shorter_hold(app, people, catalog):
    partner, alice, _bob = people
    booking = hold(partner, alice, "V:monthly")
    assert booking.statuses == ("BOOKED", "PENDING", "PENDING") and booking.amount == 59_000
    assert not booking.inventory_held
    assert timedelta(minutes=14) < booking.hold_expires_at - utcnow() <= timedelta(minutes=15)
    with pytest.raises(BookingError):
        hold(partner, alice, "V:monthly", adults(2))


def test_hold_minutes_from_config(make_app):
    app = make_app(HOLD_MINUTES_VIP=3)
    with app.app_context():
        from webview.booking.services import hold_minutes_for

        assert hold_minutes_for("vip") == 3
        assert hold_minutes_for("flight") == 20 and hold_minutes_for("hotel") == 30


def test_explicit_hold_minutes(app, people, catalog):
    partner, alice, _bob = people
    booking = hold(partner, alice, "V:yearly", hold_minutes=2)
    assert booking.hold_expires_at - utcnow() <= timedelta(minutes=2)
    with pytest.raises(BookingError):
        hold(partner, alice, "V:yearly", hold_minutes=0)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"offer_id": "F:999999"}, OfferNotFound),
        ({"offer_id": "Z:1"}, OfferNotFound),
        ({"contact": {**CONTACT, "email": "not-an-email"}}, BookingError),
        ({"contact": {**CONTACT, "name": " "}}, BookingError),
        ({"contact": "x"}, BookingError),
        ({"travellers": []}, BookingError),
        ({"travellers": [{**traveller(), "full_name": "A|B"}]}, BookingError),
        ({"travellers": [{**traveller(), "date_of_birth": "31/12/1990"}]}, BookingError),
        ({"travellers": [{**traveller(), "date_of_birth": "2999-01-01"}]}, BookingError),
        ({"travellers": [{**traveller(), "gender": "x"}]}, BookingError),
        ({"travellers": [traveller(), traveller("NGUYEN THI A", "infant", date(2026, 1, 1)),
                         traveller("NGUYEN THI B", "infant", date(2026, 1, 1))]}, BookingError),
        ({"travellers": adults(10)}, BookingError),
        ({"travellers": [traveller(kind="child")]}, BookingError),
        ({"locale": "fr"}, BookingError),
    ],
)
def test_bad_input_writes_nothing(app, people, catalog, change, error):
    partner, alice, _bob = people
    fare = a_fare(catalog.first_day, seats=9)
    values = {"offer_id": f"F:{fare.id}", "travellers": adults(1), **change}
    from webview.booking.services import hold_booking

    with pytest.raises(error):
        hold_booking(partner_id=partner.id, customer_id=alice.id, launch_session_id=None,
                     **{"contact": CONTACT, "locale": "vi", **values})
    db.session.rollback()
    assert booking_count() == 0 and seats(fare.id) == 9 and emails() == []


def test_a_repeated_submit_returns_the_same_booking(app, people, catalog):
    partner, alice, bob = people
    fare = a_fare(catalog.first_day, seats=5)
    first = hold(partner, alice, f"F:{fare.id}", idempotency_key="draft-1")
    again = hold(partner, alice, f"F:{fare.id}", idempotency_key="draft-1")
    assert again.id == first.id and seats(fare.id) == 4 and booking_count() == 1
    other = hold(partner, bob, f"F:{fare.id}", idempotency_key="draft-1")  # keys are per customer
    assert other.id != first.id and seats(fare.id) == 3


def test_release_gives_the_seats_back_once(app, people, catalog):
    partner, alice, bob = people
    fare = a_fare(catalog.first_day, seats=5)
    booking = hold(partner, alice, f"F:{fare.id}", adults(2))
    assert seats(fare.id) == 3
    with pytest.raises(BookingNotFound):
        release_booking(booking.reference, customer_id=bob.id)
    assert seats(fare.id) == 3
    released = release_booking(booking.reference.lower(), customer_id=alice.id)
    assert released.statuses == ("CANCELLED", "PENDING", "PENDING") and not released.inventory_held
    assert seats(fare.id) == 5
    assert release_booking(booking.reference, customer_id=alice.id).booking_status == "CANCELLED"
    assert seats(fare.id) == 5
    assert expire_due_holds(now=utcnow() + timedelta(hours=1)) == 0
    assert emails() == [("held", booking.reference)]  # cancelling sends no email


def test_only_a_held_unpaid_booking_can_be_released(app, people, catalog):
    partner, alice, _bob = people
    fare = a_fare(catalog.first_day, seats=1)
    failed = hold(partner, alice, f"F:{fare.id}", adults(2))
    with pytest.raises(BookingError):
        release_booking(failed.reference, customer_id=alice.id)
    paid = hold(partner, alice, f"F:{fare.id}")
    paid.payment_status = "SUCCESS"
    db.session.commit()
    with pytest.raises(BookingError):
        release_booking(paid.reference, customer_id=alice.id)
    assert seats(fare.id) == 0


def test_expiry_happens_exactly_once(app, people, catalog):
    partner, alice, _bob = people
    fare = a_fare(catalog.first_day, seats=6)
    due = hold(partner, alice, f"F:{fare.id}", adults(2))
    later = hold(partner, alice, f"F:{fare.id}", adults(1), hold_minutes=120)
    paid = hold(partner, alice, f"F:{fare.id}", adults(1))
    paid.payment_status = "SUCCESS"
    db.session.commit()
    assert seats(fare.id) == 2

    assert expire_due_holds(now=utcnow()) == 0
    in_an_hour = utcnow() + timedelta(hours=1)
    assert expire_due_holds(now=in_an_hour) == 1
    assert expire_due_holds(now=in_an_hour) == 0
    assert seats(fare.id) == 4
    db.session.expire_all()
    assert db.session.get(Booking, due.id).statuses == ("EXPIRED", "PENDING", "PENDING")
    assert db.session.get(Booking, later.id).booking_status == "BOOKED"
    assert db.session.get(Booking, paid.id).booking_status == "BOOKED"
    assert expire_due_holds(now=utcnow() + timedelta(hours=3)) == 1
    assert seats(fare.id) == 5


def test_expiry_works_in_batches(app, people, catalog):
    partner, alice, _bob = people
    fare = a_fare(catalog.first_day, seats=9)
    for _ in range(5):
        hold(partner, alice, f"F:{fare.id}")
    assert expire_due_holds(now=utcnow() + timedelta(hours=1), batch_size=2) == 5
    assert seats(fare.id) == 9


def test_other_customers_orders_are_invisible(app, people, catalog):
    partner, alice, bob = people
    booking = hold(partner, alice, "V:monthly")
    assert find_customer_booking(booking.reference, partner_id=partner.id, customer_id=alice.id).id == booking.id
    assert find_customer_booking(booking.reference, partner_id=partner.id, customer_id=bob.id) is None
    assert find_customer_booking(booking.reference, partner_id=partner.id + 1, customer_id=alice.id) is None
    assert find_customer_booking("", partner_id=partner.id, customer_id=alice.id) is None
    assert find_customer_booking("x" * 500, partner_id=partner.id, customer_id=alice.id) is None
    assert customer_bookings(partner_id=partner.id, customer_id=bob.id) == []


def test_my_orders_newest_first_in_one_query(app, people, catalog, count_queries):
    partner, alice, _bob = people
    made = [hold(partner, alice, "V:monthly", now=utcnow() + timedelta(seconds=i)) for i in range(4)]
    partner_id, customer_id = partner.id, alice.id
    db.session.commit()
    with count_queries.counting() as counted:
        listed = customer_bookings(partner_id=partner_id, customer_id=customer_id)
        statuses = [b.statuses for b in listed]
    assert [b.id for b in listed] == [b.id for b in reversed(made)]
    assert counted.count == 1 and len(statuses) == 4
    assert len(customer_bookings(partner_id=partner.id, customer_id=alice.id, limit=2)) == 2


def test_order_summary_for_emails(app, people, catalog):
    partner, alice, _bob = people
    fare = a_fare(catalog.first_day, seats=9)
    booking = hold(partner, alice, f"F:{fare.id}", adults(2))
    summary = order_summary(booking)
    summary.validate()
    assert summary.reference == booking.reference and summary.product == "flight"
    assert summary.total == booking.amount == sum(amount for _label, amount in summary.lines)
    assert summary.lines[0][0].endswith("× 2")
    assert summary.hold_expires_at == booking.hold_expires_at
    assert summary.travellers == ["NGUYEN VAN AA", "NGUYEN VAN BB"]
    assert "→" in summary.title and summary.refund_amount is None
