"""Small builders for booking tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from webview.booking.models import Booking
from webview.booking.services import hold_booking
from webview.catalog.models import Fare, Flight
from webview.extensions import db

CONTACT = {"name": "Nguyen Van An", "email": "an.nguyen@example.com", "phone": "+84912345678"}


def traveller(name: str = "NGUYEN VAN AN", kind: str = "adult", born: date = date(1990, 5, 17)) -> dict:
    return {"full_name": name, "date_of_birth": born.isoformat(), "gender": "male",
            "document_number": "079090001234" if kind == "adult" else None, "passenger_type": kind}


def adults(count: int) -> list[dict]:
    return [traveller(f"NGUYEN VAN {chr(65 + index)}{chr(65 + index)}") for index in range(count)]


def a_fare(day: date, seats: int | None = None) -> Fare:
    """An economy fare on the first HAN→SGN flight of the day; optionally with exactly `seats` left."""
    fare = db.session.scalar(
        select(Fare).join(Flight).where(Flight.origin_code == "HAN", Flight.destination_code == "SGN",
                                        Flight.departure_day == day, Fare.fare_class == "economy")
        .order_by(Flight.departs_at))
    if seats is not None:
        fare.seats_left = seats
        db.session.commit()
    return fare


def hold(partner, customer, offer_id: str, travellers=None, **extra) -> Booking:
    return hold_booking(partner_id=partner.id, customer_id=customer.id, launch_session_id="sess-1",
                        offer_id=offer_id, travellers=travellers or adults(1), contact=CONTACT, locale="vi",
                        **extra)
