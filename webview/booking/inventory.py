"""Taking and giving back the inventory a booking holds: seats of a fare, rooms of a room type on each night.

Every change is one conditional UPDATE (`… SET n = n - :k WHERE … AND n >= :k`), so concurrent holds
serialise on the row locks and the CHECK constraints (>= 0) back it up: nothing is ever oversold.
"""

from __future__ import annotations

from sqlalchemy import select, update

from webview.booking.models import Booking
from webview.catalog.models import Fare, RoomNight
from webview.catalog.offers import Reservation
from webview.extensions import db

NO_SYNC = {"synchronize_session": False}


def record_reservation(booking: Booking, reservation: Reservation) -> None:
    """Write on the booking what its hold takes (not yet taken: see reserve_inventory)."""
    booking.held_fare_id = reservation.fare_id
    booking.held_seats = reservation.seats
    booking.held_room_type_id = reservation.room_type_id
    booking.held_check_in = reservation.check_in
    booking.held_check_out = reservation.check_out
    booking.held_rooms = reservation.rooms


def reserve_inventory(booking: Booking) -> bool:
    """Take what the booking records, all or nothing; False when it is no longer available.

    Used for the first hold and to re-hold after a late payment. A booking with nothing to hold (VIP)
    always succeeds; one that already holds its inventory is left as it is.
    """
    if booking.inventory_held:
        return True
    if booking.held_fare_id is not None and booking.held_seats > 0:
        taken = db.session.execute(
            update(Fare).where(Fare.id == booking.held_fare_id, Fare.seats_left >= booking.held_seats)
            .values(seats_left=Fare.seats_left - booking.held_seats).execution_options(**NO_SYNC)
        ).rowcount == 1
    elif booking.held_room_type_id is not None and booking.held_rooms > 0:
        taken = take_rooms(booking)
    else:
        return True
    booking.inventory_held = taken
    return taken


def take_rooms(booking: Booking) -> bool:
    """Decrement every night of the stay or none (a savepoint undoes a partial update)."""
    nights = (booking.held_check_out - booking.held_check_in).days
    stay = (RoomNight.room_type_id == booking.held_room_type_id, RoomNight.night >= booking.held_check_in,
            RoomNight.night < booking.held_check_out)
    savepoint = db.session.begin_nested()
    # lock the nights in date order first, so two holds on overlapping stays cannot deadlock
    db.session.execute(select(RoomNight.id).where(*stay).order_by(RoomNight.night).with_for_update())
    updated = db.session.execute(
        update(RoomNight).where(*stay, RoomNight.rooms_left >= booking.held_rooms)
        .values(rooms_left=RoomNight.rooms_left - booking.held_rooms).execution_options(**NO_SYNC)
    ).rowcount
    if updated != nights:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def release_inventory(booking: Booking) -> bool:
    """Give back exactly what the booking holds, once; False when it held nothing."""
    if not booking.inventory_held:
        return False
    if booking.held_fare_id is not None:
        db.session.execute(
            update(Fare).where(Fare.id == booking.held_fare_id)
            .values(seats_left=Fare.seats_left + booking.held_seats).execution_options(**NO_SYNC))
    elif booking.held_room_type_id is not None:
        db.session.execute(
            update(RoomNight).where(RoomNight.room_type_id == booking.held_room_type_id,
                                    RoomNight.night >= booking.held_check_in,
                                    RoomNight.night < booking.held_check_out)
            .values(rooms_left=RoomNight.rooms_left + booking.held_rooms).execution_options(**NO_SYNC))
    booking.inventory_held = False
    return True
