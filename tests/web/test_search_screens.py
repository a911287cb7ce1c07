"""Home, search and results screens: tabs per layout, validation, sort/filter, empty states, fares and rooms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from webview.catalog.offers import Passengers
from webview.catalog.services import search_flights


def count_testid(html: str, name: str) -> int:
    return html.count(f'data-testid="{name}"')


def flight_query(day, **extra) -> dict:
    return {"origin": "HAN", "destination": "SGN", "depart_date": day.isoformat(), "adults": "1", "children": "0",
            "infants": "0", **extra}


def hotel_query(day, **extra) -> dict:
    return {"city": "DAD", "check_in": day.isoformat(), "check_out": (day + timedelta(days=2)).isoformat(),
            "rooms": "1", "guests": "2", **extra}


def test_home_dual_layout_shows_every_product_tab_with_the_launch_product_focused(screen):
    html = screen(product="hotel").get("/w/").get_data(as_text=True)
    for product in ("flight", "hotel", "vip"):
        assert count_testid(html, f"product-tab-{product}") == 1
    assert re.search(r'data-testid="product-tab-hotel" aria-current="page"', html)
    assert 'name="city"' in html and 'name="check_in"' in html  # the hotel search form
    assert count_testid(html, "search-form") == count_testid(html, "search-submit") == 1


def test_home_single_layout_shows_one_product_and_hides_the_others(screen):
    client = screen(product="vip", layout="single")
    html = client.get("/w/?product=flight").get_data(as_text=True)
    assert "product-tab-" not in html
    assert count_testid(html, "result-item") == 2  # the VIP plans, not the flight form
    assert client.get("/w/flights", query_string={"origin": "HAN"}).status_code == 404


def test_home_flight_form_has_the_contract_field_names(user):
    html = user.get("/w/?product=flight").get_data(as_text=True)
    for name in ("origin", "destination", "depart_date", "adults", "children", "infants"):
        assert f'name="{name}"' in html
    assert "Nội Bài" not in html  # pickers show city names with codes
    assert "Hà Nội (HAN)" in html


def test_flight_results_sorted_by_price_then_by_time(user, catalog):
    by_price = user.get("/w/flights", query_string=flight_query(catalog)).get_data(as_text=True)
    prices = [int(p) for p in re.findall(r'data-price="(\d+)"', by_price)]
    assert len(prices) >= 5 and prices == sorted(prices)
    by_time = user.get("/w/flights", query_string=flight_query(catalog, sort="time")).get_data(as_text=True)
    departures = re.findall(r'data-departs="([^"]+)"', by_time)
    assert departures == sorted(departures) and len(departures) == len(prices)
    assert count_testid(by_price, "result-item") == count_testid(by_price, "select-offer") == len(prices)


def test_flight_results_filter_by_airline_keeps_the_airline_choices(user, catalog):
    html = user.get("/w/flights", query_string=flight_query(catalog, airline="VN")).get_data(as_text=True)
    numbers = re.findall(r'data-flight-number="([A-Z0-9]+)"', html)
    assert numbers and all(number.startswith("VN") for number in numbers)
    assert '<option value="VJ">Vietjet Air</option>' in html  # still offered after filtering


def test_flight_results_empty_state_offers_the_next_day(user, catalog):
    query = flight_query(catalog, origin="HAN", destination="THD")  # no such route in the catalog
    html = user.get("/w/flights", query_string=query).get_data(as_text=True)
    assert count_testid(html, "result-item") == 0
    assert count_testid(html, "empty-results") == 1
    assert (catalog + timedelta(days=1)).isoformat() in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"destination": "HAN"}, "Chọn điểm đến khác điểm đi"),
        ({"depart_date": "2001-01-01"}, "Chọn hôm nay hoặc một ngày sau"),
        ({"depart_date": "31/12/2030"}, "Nhập một ngày hợp lệ"),
        ({"infants": "2"}, "Mỗi em bé phải đi cùng một người lớn"),
        ({"origin": "XXX"}, "Not a valid choice"),
    ],
)
def test_bad_flight_search_shows_the_form_again_with_errors(user, catalog, changes, message):
    response = user.get("/w/flights", query_string=flight_query(catalog, **changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert count_testid(html, "form-errors") == 1 and count_testid(html, "search-form") == 1
    assert 'aria-invalid="true"' in html


def test_fare_selection_lists_the_flights_fares_and_links_to_travellers(user, catalog):
    offers = search_flights("HAN", "SGN", catalog, Passengers(2, 1, 0))
    flight = offers[0]
    query = flight_query(catalog, adults="2", children="1")
    html = user.get(f"/w/flights/{flight.flight_id}", query_string=query).get_data(as_text=True)
    assert count_testid(html, "result-item") == len(flight.fares)
    for fare in flight.fares:
        assert f'offer={fare.offer_id}&amp;adults=2&amp;children=1&amp;infants=0' in html
    assert user.get("/w/flights/999999", query_string=query).status_code == 404


def test_hotel_results_and_room_selection(user, catalog):
    html = user.get("/w/hotels", query_string=hotel_query(catalog)).get_data(as_text=True)
    hotel_ids = re.findall(r'href="/w/hotels/(\d+)\?', html)
    assert hotel_ids and count_testid(html, "result-item") == len(hotel_ids)
    rooms = user.get(f"/w/hotels/{hotel_ids[0]}", query_string=hotel_query(catalog)).get_data(as_text=True)
    assert count_testid(rooms, "result-item") >= 1
    assert re.search(r'/w/book\?offer=H:\d+:[\d-]+:[\d-]+:1&amp;guests=2', rooms)


def test_hotel_search_checks_the_stay(user, catalog):
    response = user.get("/w/hotels", query_string=hotel_query(catalog, check_out=catalog.isoformat()))
    assert response.status_code == 422
    assert "Ngày trả phòng phải sau ngày nhận phòng" in response.get_data(as_text=True)


def test_vip_plans_link_to_the_traveller_form(screen):
    html = screen(product="vip").get("/w/").get_data(as_text=True)
    assert count_testid(html, "result-item") == count_testid(html, "select-offer") == 2
    assert "/w/book?offer=V:monthly" in html and "59.000 ₫" in html


def test_screens_follow_the_launch_locale(screen, catalog):
    html = screen(locale="en").get("/w/flights", query_string=flight_query(catalog)).get_data(as_text=True)
    assert '<html lang="en">' in html and "Ho Chi Minh City (SGN)" in html
    assert re.search(r"\d,\d{3},000 ₫", html)
    vi = screen(user="user-2").get("/w/flights", query_string=flight_query(catalog)).get_data(as_text=True)
    assert '<html lang="vi">' in vi and re.search(r"\d\.\d{3}\.000 ₫", vi)


def test_screens_without_a_session_show_the_friendly_expired_page(client, catalog):
    for path in ("/w/", "/w/flights", "/w/book?offer=V:monthly"):
        response = client.get(path)
        assert response.status_code == 401
        assert 'data-testid="session-expired"' in response.get_data(as_text=True)


def test_an_expired_session_shows_the_friendly_page(screen):
    client = screen(ttl=timedelta(seconds=-1))
    response = client.get("/w/")
    assert response.status_code == 401
    assert 'data-testid="session-expired"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("locale", "party_label", "nights", "room_basis"), [
    ("en", "total for 4 passengers", "2 nights", "× 1 room × 2 nights"),
    ("vi", "tổng cho 4 hành khách", "2 đêm", "× 1 phòng × 2 đêm"),
])
def test_prices_say_what_they_are_for(screen, catalog, locale, party_label, nights, room_basis):
    """A flight price is labelled as the party's total; a room price shows rooms and nights; plurals are words."""
    client = screen(locale=locale)
    flights = client.get("/w/flights", query_string=flight_query(catalog, adults="2", children="1", infants="1"))
    html = flights.get_data(as_text=True)
    assert html.count(f'data-testid="price-basis">{party_label}<') == count_testid(html, "result-item") > 0
    hotels = client.get("/w/hotels", query_string=hotel_query(catalog)).get_data(as_text=True)
    rooms_url = re.search(r'href="(/w/hotels/[^"]+)"', hotels).group(1).replace("&amp;", "&")
    rooms = client.get(rooms_url).get_data(as_text=True)
    bases = re.findall(r'data-testid="price-basis">([^<]+)<', rooms)
    assert bases and all(basis.endswith(room_basis) for basis in bases), bases
    offer = re.search(r'href="/w/book\?offer=([^&"]+)', rooms).group(1)
    travellers = client.get(f"/w/book?offer={offer}&guests=2").get_data(as_text=True)
    assert nights in travellers and "night(s)" not in travellers


def test_result_links_carry_the_search_exactly_as_url_for_writes_it(app, user, catalog):
    """The results lists encode their search once and append it to each item's link (issue 15): every link is
    still byte for byte what url_for gives for that item with the whole search."""
    from html import unescape

    from flask import url_for

    pages = {"booking.fares": ("/w/flights", flight_query(catalog, adults="2", children="1"), "flight_id",
                               r'href="/w/flights/(\d+)\?'),
             "booking.rooms": ("/w/hotels", hotel_query(catalog, city="HAN"), "hotel_id", r'href="/w/hotels/(\d+)\?')}
    for endpoint, (path, query, key, pattern) in pages.items():
        html = user.get(path, query_string=query).get_data(as_text=True)
        links = [unescape(link) for link in re.findall(r'data-testid="select-offer" href="([^"]+)"', html)]
        assert links, endpoint
        with app.test_request_context():
            for link in links:
                item = int(re.match(r"/w/(?:flights|hotels)/(\d+)\?", link).group(1))
                assert link == url_for(endpoint, **{key: item}, **query), link
        assert re.search(pattern, html)
