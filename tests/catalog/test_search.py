"""Catalog searches and offers: correctness, passenger rules, availability and query budgets."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select, update

from webview.catalog.generator import generate_catalog, local_today
from webview.catalog.models import Fare, Flight, RoomNight
from webview.catalog.offers import InvalidSearch, OfferNotFound, Passengers
from webview.catalog.services import airports, hotel_cities, load_offer, search_flights, search_hotels, vip_plans
from webview.extensions import db


def day(catalog, offset: int = 0):
    return catalog.first_day + timedelta(days=offset)


def test_flights_sorted_by_price_then_by_time(app, catalog):
    by_price = search_flights("HAN", "SGN", day(catalog), Passengers(1))
    assert len(by_price) >= 10
    assert [offer.price for offer in by_price] == sorted(offer.price for offer in by_price)
    by_time = search_flights("han", "sgn", day(catalog), Passengers(1), sort="time")
    assert [offer.departs_at for offer in by_time] == sorted(offer.departs_at for offer in by_time)
    assert {offer.flight_id for offer in by_time} == {offer.flight_id for offer in by_price}
    for offer in by_price:
        assert offer.origin.code == "HAN" and offer.destination.code == "SGN"
        assert offer.departure_day == day(catalog)
        assert offer.offer_id == offer.fares[0].offer_id and offer.price == offer.fares[0].total
        assert [fare.total for fare in offer.fares] == sorted(fare.total for fare in offer.fares)


def test_airline_filter_and_localised_names(app, catalog):
    offers = search_flights("SGN", "DAD", day(catalog, 1), Passengers(1), airline="vj", locale="en")
    assert offers and {offer.airline_code for offer in offers} == {"VJ"}
    assert offers[0].origin.city == "Ho Chi Minh City"
    assert offers[0].fares[0].name in {"Economy Lite", "Economy", "Business"}
    vi = search_flights("SGN", "DAD", day(catalog, 1), Passengers(1), airline="VJ")
    assert vi[0].origin.city == "TP. Hồ Chí Minh"
    assert vi[0].fares[0].name in {"Phổ thông Tiết kiệm", "Phổ thông", "Thương gia"}


def test_price_covers_every_passenger_type(app, catalog):
    party = Passengers(adults=2, children=1, infants=1)
    offer = search_flights("HAN", "DAD", day(catalog), party)[0]
    fare = offer.fares[0]
    assert fare.total == 2 * fare.price_adult + fare.price_child + fare.price_infant
    assert all(f.seats_left >= party.seats for f in offer.fares)


def test_fares_without_enough_seats_are_not_offered(app, catalog):
    offer = search_flights("HAN", "SGN", day(catalog), Passengers(1))[0]
    db.session.execute(update(Fare).where(Fare.flight_id == offer.flight_id).values(seats_left=2))
    db.session.commit()
    two = search_flights("HAN", "SGN", day(catalog), Passengers(2))
    assert offer.flight_id in {o.flight_id for o in two}
    three = search_flights("HAN", "SGN", day(catalog), Passengers(2, 1, 2))  # infants take no seat
    assert offer.flight_id not in {o.flight_id for o in three}


def test_empty_results(app, catalog):
    assert search_flights("VII", "PQC", day(catalog), Passengers(1)) == []  # no such route
    assert search_flights("HAN", "SGN", day(catalog, 30), Passengers(1)) == []  # beyond the catalog
    assert search_flights("HAN", "SGN", day(catalog), Passengers(1), airline="XX") == []
    after_last = datetime.combine(day(catalog, 1), time(0), UTC)
    assert search_flights("HAN", "SGN", day(catalog), Passengers(1), now=after_last) == []  # all departed


@pytest.mark.parametrize(
    ("party", "message"),
    [
        (Passengers(0, 1, 0), "At least one adult must travel."),
        (Passengers(5, 5, 0), "At most 9 adults and children per booking."),
        (Passengers(1, 0, 2), "Each infant must travel with their own adult."),
        (Passengers(-1, 0, 0), "Passenger counts must be whole numbers."),
    ],
)
def test_passenger_rules(app, catalog, party, message):
    with pytest.raises(InvalidSearch) as caught:
        search_flights("HAN", "SGN", day(catalog), party)
    with force_locale("en"):
        assert str(caught.value.message) == message


def test_bad_flight_queries(app, catalog):
    with pytest.raises(InvalidSearch):
        search_flights("HAN", "HAN", day(catalog), Passengers(1))
    with pytest.raises(InvalidSearch):
        search_flights("HAN", "XYZ", day(catalog), Passengers(1))
    with pytest.raises(InvalidSearch):
        search_flights("HAN", "SGN", day(catalog), Passengers(1), sort="random")
    assert Passengers.from_types(["adult", "child", "adult", "infant"]) == Passengers(2, 1, 1)
    with pytest.raises(InvalidSearch):
        Passengers.from_types(["adult", "pet"])


def test_hotels_need_every_night_available(app, catalog):
    check_in, check_out = day(catalog), day(catalog, 2)
    offers = search_hotels("DAD", check_in, check_out, 1, 2)
    assert offers and [o.price for o in offers] == sorted(o.price for o in offers)
    room = offers[0].rooms[0]
    nights = db.session.execute(select(RoomNight).where(RoomNight.room_type_id == room.room_type_id,
                                                        RoomNight.night < check_out,
                                                        RoomNight.night >= check_in)).scalars().all()
    assert room.total == sum(night.price for night in nights)
    assert room.rooms_left == min(night.rooms_left for night in nights)
    # the second night sells out: the room type disappears for this stay, not for the first night alone
    db.session.execute(update(RoomNight).where(RoomNight.room_type_id == room.room_type_id,
                                               RoomNight.night == day(catalog, 1)).values(rooms_left=0))
    db.session.commit()
    ids = {r.room_type_id for o in search_hotels("DAD", check_in, check_out, 1, 2) for r in o.rooms}
    assert room.room_type_id not in ids
    ids = {r.room_type_id for o in search_hotels("DAD", check_in, day(catalog, 1), 1, 2) for r in o.rooms}
    assert room.room_type_id in ids or room.rooms_left < 1


def test_hotels_respect_rooms_guests_and_catalog_dates(app, catalog):
    check_in = day(catalog)
    for offer in search_hotels("HAN", check_in, day(catalog, 1), 2, 7, locale="en"):
        for room in offer.rooms:
            assert room.max_guests * 2 >= 7 and room.rooms_left >= 2 and room.total % 2 == 0
            assert room.name.endswith("Room")
        assert offer.city.city == "Hanoi"
    assert search_hotels("HAN", check_in, day(catalog, 5), 1, 1) == []  # last nights not in the catalog


@pytest.mark.parametrize(
    ("offsets", "rooms", "guests"),
    [((0, 0), 1, 1), ((1, 0), 1, 1), ((0, 31), 1, 1), ((0, 1), 0, 1), ((0, 1), 2, 1), ((0, 1), 6, 6),
     ((-2, 1), 1, 1)],
)
def test_bad_hotel_queries(app, catalog, offsets, rooms, guests):
    with pytest.raises(InvalidSearch):
        search_hotels("HAN", day(catalog, offsets[0]), day(catalog, offsets[1]), rooms, guests)


def test_unknown_city(app, catalog):
    with pytest.raises(InvalidSearch):
        search_hotels("ZZZ", day(catalog), day(catalog, 1), 1, 1)


def test_pickers_and_vip_plans(app, catalog):
    places = airports("en")
    assert places[0].code == "HAN" and places[0].city == "Hanoi"
    assert places[1].name == "Tan Son Nhat International Airport"
    assert [p.city for p in hotel_cities("vi")][:2] == ["Hà Nội", "TP. Hồ Chí Minh"]
    plans = vip_plans("vi")
    assert [(p.offer_id, p.price) for p in plans] == [("V:monthly", 59_000), ("V:yearly", 599_000)]
    assert plans[0].name == "Gói VIP tháng"


def test_load_offer_reprices_with_current_data(app, catalog):
    party = Passengers(2, 1, 0)
    offer = search_flights("HAN", "SGN", day(catalog), party)[0]
    quote = load_offer(offer.offer_id, passengers=party)
    assert quote.amount == offer.price and quote.available
    assert quote.reservation.fare_id == offer.fares[0].fare_id and quote.reservation.seats == 3
    assert [line.quantity for line in quote.lines] == [2, 1]
    db.session.execute(update(Fare).where(Fare.id == offer.fares[0].fare_id)
                       .values(price_adult=offer.fares[0].price_adult + 100_000, seats_left=2))
    db.session.commit()
    again = load_offer(offer.offer_id, passengers=party)
    assert again.amount == quote.amount + 200_000 and not again.available
    snapshot = again.snapshot()
    assert snapshot["details"]["flight_number"] == offer.flight_number and snapshot["amount"] == again.amount

    stay = search_hotels("PQC", day(catalog), day(catalog, 2), 2, 3)[0]
    hotel_quote = load_offer(stay.offer_id, guests=3, locale="en")
    assert hotel_quote.amount == stay.price and hotel_quote.product == "hotel"
    assert hotel_quote.reservation.rooms == 2 and hotel_quote.reservation.check_out == day(catalog, 2)
    vip = load_offer("V:yearly", locale="en")
    assert vip.amount == 599_000 and vip.reservation.kind == "none" and vip.title == "Yearly VIP"


@pytest.mark.parametrize(
    "offer_id",
    ["", "F", "F:", "F:abc", "F:999999999", "H:1:2020-01-01", "H:x:2026-01-01:2026-01-02:1", "V:", "V:lifetime",
     "X:1", "F:-1", "H:1:2020-01-01:2020-01-02:1"],
)
def test_load_offer_refuses_bad_ids(app, catalog, offer_id):
    with pytest.raises(OfferNotFound):
        load_offer(offer_id)


def test_departed_flights_cannot_be_loaded(app, catalog):
    fare_id, departs_at = db.session.execute(select(Fare.id, Flight.departs_at).join(Flight).limit(1)).one()
    with pytest.raises(OfferNotFound):
        load_offer(f"F:{fare_id}", now=departs_at)


def test_search_query_counts_do_not_grow_with_results(app, count_queries):
    generate_catalog(1, start=local_today() + timedelta(days=1))
    first = local_today() + timedelta(days=1)
    with count_queries.counting() as counted:  # the pickers' places are read once per process and locale
        airports(), airports("en"), hotel_cities()
    assert counted.count == 3
    with count_queries.counting() as counted:
        few = search_flights("SGN", "THD", first, Passengers(1))
    small = counted.count
    with count_queries.counting() as counted:
        many = search_flights("HAN", "SGN", first, Passengers(1))
    assert len(many) > 3 * len(few) and counted.count == small == 1
    with count_queries.counting() as counted:
        search_hotels("HAN", first, first + timedelta(days=1), 1, 1)
    assert counted.count == 1
    with count_queries.counting() as counted:
        vip_plans()
        airports()
        hotel_cities()
    assert counted.count == 1
