"""Issue 11 point 8: the UI language and the formatting language are always the same, whichever decides it (the
launch's explicit locale, or the device's Accept-Language when the launch names none), on every booking screen."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.web.conftest import make_launch, sign_in
from tests.web.test_booking_screens import ADULT, CONTACT, cheapest_fare, hold, review
from tests.web.test_search_screens import flight_query, hotel_query

VI_WEEKDAY = re.compile(r"\b(?:Thứ [2-7]|CN),")
EN_WEEKDAY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),")
VI_DURATION = re.compile(r"\b\d+ (?:giờ|phút)\b")
EN_DURATION = re.compile(r"\b\d+h \d{2}m\b|\b\d+m\b")

# (locale given at launch, the device's Accept-Language, the language every screen must be in)
SCENARIOS = [
    pytest.param("vi", "en", "vi", id="launch-vi-device-en"),
    pytest.param("en", "vi", "en", id="launch-en-device-vi"),
    pytest.param("", "en", "en", id="no-launch-locale-device-en"),
    pytest.param("", "vi", "vi", id="no-launch-locale-device-vi"),
    pytest.param("", "fr", "vi", id="no-launch-locale-device-unknown"),
]


def language_of(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


def assert_one_language(html: str, expected: str, screen: str, *, weekday: bool = True, duration: bool = False):
    """The page's <html lang> and its weekday/duration words are all `expected`."""
    text = unescape(html)
    assert language_of(html) == expected, screen
    wrong_weekday, right_weekday = (EN_WEEKDAY, VI_WEEKDAY) if expected == "vi" else (VI_WEEKDAY, EN_WEEKDAY)
    wrong_duration, right_duration = (EN_DURATION, VI_DURATION) if expected == "vi" else (VI_DURATION, EN_DURATION)
    assert not wrong_weekday.search(text), f"{screen}: {wrong_weekday.search(text).group(0)!r} under lang={expected}"
    assert not wrong_duration.search(text), f"{screen}: {wrong_duration.search(text).group(0)!r} under lang={expected}"
    if weekday:
        assert right_weekday.search(text), f"{screen}: no weekday in {expected}"
    if duration:
        assert right_duration.search(text), f"{screen}: no duration in {expected}"


@pytest.fixture
def device(app, partner, catalog):
    def factory(launch_locale: str, accept_language: str, user: str = "user-1", product: str = "flight"):
        client = sign_in(app.test_client(), make_launch(partner, user, locale=launch_locale, product=product))
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
        return client

    return factory


@pytest.mark.parametrize(("launch_locale", "accept_language", "expected"), SCENARIOS)
def test_flight_screens_speak_one_language(device, catalog, launch_locale, accept_language, expected):
    client = device(launch_locale, accept_language)
    results = client.get("/w/flights", query_string=flight_query(catalog)).get_data(as_text=True)
    assert_one_language(results, expected, "flight results", duration=True)
    fare = cheapest_fare(catalog)
    travellers = client.get(f"/w/book?offer={fare.offer_id}").get_data(as_text=True)
    assert_one_language(travellers, expected, "traveller form")
    reviewed = review(client, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).get_data(as_text=True)
    assert_one_language(reviewed, expected, "review")
    location = hold(client, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).headers["Location"]
    order = client.get(location).get_data(as_text=True)
    assert_one_language(order, expected, "order")
    orders = client.get("/w/orders").get_data(as_text=True)
    assert_one_language(orders, expected, "orders list")


@pytest.mark.parametrize(("launch_locale", "accept_language", "expected"), SCENARIOS)
def test_hotel_screens_speak_one_language(device, catalog, launch_locale, accept_language, expected):
    client = device(launch_locale, accept_language, product="hotel")
    home = client.get("/w/").get_data(as_text=True)
    assert language_of(home) == expected
    hotels = client.get("/w/hotels", query_string=hotel_query(catalog)).get_data(as_text=True)
    assert_one_language(hotels, expected, "hotel results")
    hotel = re.search(r'href="(/w/hotels/\d+\?[^"]+)"', hotels).group(1)
    rooms = client.get(unescape(hotel)).get_data(as_text=True)
    assert_one_language(rooms, expected, "hotel rooms")
    offer = re.search(r'href="/w/book\?([^"]+)"', rooms).group(1)
    guest = {k: v for k, v in ADULT.items() if "document" not in k}
    location = hold(client, unescape(offer), {**guest, **CONTACT}).headers["Location"]
    assert_one_language(client.get(location).get_data(as_text=True), expected, "hotel order")


def test_a_launch_without_a_locale_lets_the_device_decide(app, partner, catalog):
    """The cause of point 8: a launch that names no locale used to store `vi`, so the device's language never
    counted; now it stores no choice and every screen (words and formatting alike) follows Accept-Language."""
    from webview.launch.services import LaunchRequest, consume_launch_token, issue_launch_token

    grant = issue_launch_token(partner, LaunchRequest(identify_code="device-user", identify_phone="0912345678"), 300)
    session = consume_launch_token(grant.token, 3600)
    assert session.locale == ""
    client = sign_in(app.test_client(), session)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    html = client.get("/w/flights", query_string=flight_query(catalog)).get_data(as_text=True)
    assert_one_language(html, "en", "flight results", duration=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi-VN"
    html = client.get("/w/flights", query_string=flight_query(catalog)).get_data(as_text=True)
    assert_one_language(html, "vi", "flight results", duration=True)
    # an explicit launch locale still wins over the device
    grant = issue_launch_token(partner, LaunchRequest(identify_code="device-user", locale="en"), 300)
    assert consume_launch_token(grant.token, 3600).locale == "en"

