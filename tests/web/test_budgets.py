"""Budgets counted, not timed: gzip bytes per screen and per first visit, JavaScript size, SQL statements."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.web.test_search_screens import flight_query, hotel_query

STATIC = Path(__file__).resolve().parents[2] / "static"
HTML_BUDGET = 14 * 1024
FIRST_VISIT_BUDGET = 40 * 1024
JS_BUDGET = 8 * 1024
SCREEN_STATEMENTS = 6  # session lookup + a few catalog queries, whatever the number of results


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def screen_urls(day) -> list[str]:
    """The search screens with the largest result lists the demo catalog has."""
    flights = "&".join(f"{k}={v}" for k, v in flight_query(day, adults="9", children="0").items())
    hotels = "&".join(f"{k}={v}" for k, v in hotel_query(day, city="HAN").items())
    return ["/w/", "/w/?product=hotel", "/w/?product=vip", f"/w/flights?{flights}", f"/w/hotels?{hotels}",
            "/w/book?offer=V:monthly"]


def test_every_search_screen_fits_14_kb_gzipped(user, catalog):
    for url in screen_urls(catalog):
        response = user.get(url)
        assert response.status_code == 200, url
        assert gzipped(response.data) <= HTML_BUDGET, url


def test_first_visit_fits_40_kb_gzipped_with_its_css_js_and_icons(user, catalog):
    page = user.get("/w/")
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"#]+)', html)
    assert any(a.startswith("/static/css/") for a in assets) and any(a.startswith("/static/js/") for a in assets)
    total = gzipped(page.data)
    for url in sorted(set(assets)):
        response = user.get(url)
        assert response.status_code == 200, url
        total += gzipped(response.data)
    assert total <= FIRST_VISIT_BUDGET


def test_all_javascript_fits_8_kb_gzipped():
    scripts = list(STATIC.rglob("*.js"))
    assert scripts
    assert sum(gzipped(path.read_bytes()) for path in scripts) <= JS_BUDGET


def test_pages_load_nothing_from_other_hosts(user, catalog):
    for url in screen_urls(catalog):
        html = user.get(url).get_data(as_text=True)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), url


@pytest.mark.parametrize(
    ("small", "large"),
    [
        (("HAN", "HUI"), ("HAN", "SGN")),  # one flight a day against a dozen
    ],
)
def test_flight_screens_query_count_is_bounded_and_independent_of_results(user, catalog, sql_counter, small, large):
    counts = []
    for origin, destination in (small, large):
        query = flight_query(catalog, origin=origin, destination=destination)
        pages = []
        counts.append(sql_counter.count(lambda q=query, out=pages: out.append(user.get("/w/flights", query_string=q))))
        assert pages[0].get_data(as_text=True).count('data-testid="result-item"') >= 1
    assert counts[0] == counts[1] <= SCREEN_STATEMENTS


def test_hotel_screen_query_count_is_bounded_and_independent_of_results(user, catalog, sql_counter):
    counts = []
    for city in ("HLG", "HAN"):
        query = hotel_query(catalog, city=city)
        counts.append(sql_counter.count(lambda q=query: user.get("/w/hotels", query_string=q)))
    assert counts[0] == counts[1] <= SCREEN_STATEMENTS
    stay = hotel_query(catalog + timedelta(days=1))
    assert sql_counter.count(lambda: user.get("/w/hotels", query_string=stay)) == counts[0]


def test_home_and_vip_query_counts(user, catalog, sql_counter):
    for url in ("/w/", "/w/?product=hotel", "/w/?product=vip", "/w/book?offer=V:yearly"):
        assert sql_counter.count(lambda u=url: user.get(u)) <= SCREEN_STATEMENTS, url
