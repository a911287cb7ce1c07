"""The demo catalog: airports, airlines, flights and fares; hotels, room types and nights; VIP plans.

Inventory lives in two counters, `Fare.seats_left` and `RoomNight.rooms_left`; both are guarded by a
CHECK constraint so no code path (or concurrent race) can ever take them below zero.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webview.db import Base


class Airport(Base):
    """A domestic airport with its city and airport names in Vietnamese and English."""

    __tablename__ = "airport"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)  # IATA
    city_vi: Mapped[str] = mapped_column(String(80))
    city_en: Mapped[str] = mapped_column(String(80))
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    rank: Mapped[int] = mapped_column(Integer, default=100)  # order in pickers: busiest first

    def city(self, locale: str) -> str:
        """The city name in `locale` (vi or en)."""
        return self.city_en if locale == "en" else self.city_vi

    def name(self, locale: str) -> str:
        """The airport name in `locale` (vi or en)."""
        return self.name_en if locale == "en" else self.name_vi


class Airline(Base):
    """A carrier and its passenger rules for one booking."""

    __tablename__ = "airline"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)  # IATA designator
    name: Mapped[str] = mapped_column(String(80))
    max_seats: Mapped[int] = mapped_column(Integer, default=9)  # adults + children per booking
    infants_per_adult: Mapped[int] = mapped_column(Integer, default=1)
    child_min_age: Mapped[int] = mapped_column(Integer, default=2)
    child_max_age: Mapped[int] = mapped_column(Integer, default=11)
    infant_max_age: Mapped[int] = mapped_column(Integer, default=1)  # under 2 on the travel date


class Flight(Base):
    """One scheduled departure; `departure_day` is its local (GMT+7) date, the search key."""

    __tablename__ = "flight"
    __table_args__ = (
        UniqueConstraint("airline_code", "flight_number", "departure_day"),
        Index("ix_flight_route_day", "origin_code", "destination_code", "departure_day"),
        CheckConstraint("origin_code <> destination_code", name="distinct_airports"),
        CheckConstraint("arrives_at > departs_at", name="arrives_after_departure"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    airline_code: Mapped[str] = mapped_column(ForeignKey("airline.code"))
    flight_number: Mapped[str] = mapped_column(String(8))  # e.g. VN213
    origin_code: Mapped[str] = mapped_column(ForeignKey("airport.code"))
    destination_code: Mapped[str] = mapped_column(ForeignKey("airport.code"))
    departure_day: Mapped[date] = mapped_column(Date, index=True)
    departs_at: Mapped[datetime]
    arrives_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    aircraft: Mapped[str] = mapped_column(String(20), default="")

    airline: Mapped[Airline] = relationship(lazy="raise_on_sql")
    fares: Mapped[list[Fare]] = relationship(back_populates="flight", lazy="raise_on_sql")


class Fare(Base):
    """A fare class on a flight: prices per passenger type, conditions and the seats still for sale."""

    __tablename__ = "fare"
    __table_args__ = (
        UniqueConstraint("flight_id", "fare_class"),
        CheckConstraint("seats_left >= 0", name="seats_left_not_negative"),
        CheckConstraint("price_adult > 0 AND price_child > 0 AND price_infant > 0", name="prices_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flight_id: Mapped[int] = mapped_column(ForeignKey("flight.id", ondelete="CASCADE"), index=True)
    fare_class: Mapped[str] = mapped_column(String(20))  # economy_lite | economy | business
    price_adult: Mapped[int] = mapped_column(Integer)  # VND, taxes and fees included
    price_child: Mapped[int] = mapped_column(Integer)
    price_infant: Mapped[int] = mapped_column(Integer)
    seats_left: Mapped[int] = mapped_column(Integer)
    checked_baggage_kg: Mapped[int] = mapped_column(Integer, default=0)
    cabin_baggage_kg: Mapped[int] = mapped_column(Integer, default=7)
    refundable: Mapped[bool] = mapped_column(Boolean, default=False)
    refund_fee: Mapped[int | None] = mapped_column(Integer)  # VND per passenger; None when not refundable
    change_fee: Mapped[int | None] = mapped_column(Integer)  # VND per passenger; None when no changes

    flight: Mapped[Flight] = relationship(back_populates="fares", lazy="raise_on_sql")


class HotelCity(Base):
    """A city where the catalog has hotels."""

    __tablename__ = "hotel_city"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    rank: Mapped[int] = mapped_column(Integer, default=100)

    def name(self, locale: str) -> str:
        """The city name in `locale` (vi or en)."""
        return self.name_en if locale == "en" else self.name_vi


class Hotel(Base):
    """A hotel in a city."""

    __tablename__ = "hotel"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("hotel_city.code"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    stars: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(200))
    check_in_time: Mapped[str] = mapped_column(String(5), default="14:00")
    check_out_time: Mapped[str] = mapped_column(String(5), default="12:00")

    room_types: Mapped[list[RoomType]] = relationship(back_populates="hotel", lazy="raise_on_sql")


class RoomType(Base):
    """A kind of room in a hotel; prices and availability are per night in RoomNight."""

    __tablename__ = "room_type"
    __table_args__ = (UniqueConstraint("hotel_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))  # standard | deluxe | family | suite
    name_vi: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    max_guests: Mapped[int] = mapped_column(Integer)
    bed_vi: Mapped[str] = mapped_column(String(80), default="")
    bed_en: Mapped[str] = mapped_column(String(80), default="")
    breakfast: Mapped[bool] = mapped_column(Boolean, default=False)
    refundable: Mapped[bool] = mapped_column(Boolean, default=False)
    base_price: Mapped[int] = mapped_column(Integer)  # VND per night on a weekday

    hotel: Mapped[Hotel] = relationship(back_populates="room_types", lazy="raise_on_sql")

    def name(self, locale: str) -> str:
        """The room type's name in `locale` (vi or en)."""
        return self.name_en if locale == "en" else self.name_vi


class RoomNight(Base):
    """Price and rooms still for sale of one room type on one night (the date the stay begins)."""

    __tablename__ = "room_night"
    __table_args__ = (
        UniqueConstraint("room_type_id", "night"),
        CheckConstraint("rooms_left >= 0", name="rooms_left_not_negative"),
        CheckConstraint("price > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_type_id: Mapped[int] = mapped_column(ForeignKey("room_type.id", ondelete="CASCADE"))
    night: Mapped[date] = mapped_column(Date, index=True)
    price: Mapped[int] = mapped_column(Integer)  # VND for one room, this night
    rooms_left: Mapped[int] = mapped_column(Integer)


class VipPlan(Base):
    """A VIP membership plan (no inventory)."""

    __tablename__ = "vip_plan"
    __table_args__ = (CheckConstraint("price > 0", name="price_positive"),)

    code: Mapped[str] = mapped_column(String(20), primary_key=True)  # monthly | yearly
    name_vi: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    price: Mapped[int] = mapped_column(Integer)
    duration_days: Mapped[int] = mapped_column(Integer)
    benefits_vi: Mapped[list[str]] = mapped_column(JSON, default=list)
    benefits_en: Mapped[list[str]] = mapped_column(JSON, default=list)
    rank: Mapped[int] = mapped_column(Integer, default=100)

    def name(self, locale: str) -> str:
        """The plan's name in `locale` (vi or en)."""
        return self.name_en if locale == "en" else self.name_vi

    def benefits(self, locale: str) -> list[str]:
        """The plan's benefits in `locale` (vi or en)."""
        return list(self.benefits_en if locale == "en" else self.benefits_vi)
