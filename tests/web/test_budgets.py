"""Budgets counted, not timed: gzip bytes per screen and per first visit, JavaScript size, SQL statements, and
the per-request work issue 15 took out (theme merges, filesystem stat calls, SQL statements per screen and IPN)."""

from __future__ import annotations

import gzip
import os
import re
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.api.test_ipn import wallet  # noqa: F401  (the fixture)
from tests.payments.conftest import StatementCounter
from tests.payments.factories import hold_vip
from tests.web.test_search_screens import flight_query, hotel_query
from webview.extensions import db
from webview.themes import validation

STATIC = Path(__file__).resolve().parents[2] / "static"
HTML_BUDGET = 14 * 1024
FIRST_VISIT_BUDGET = 40 * 1024
JS_BUDGET = 8 * 1024
# After a process's first request: the session lookup (launch, partner and customer in one joined query) plus the
# screen's own query; the pickers' airports and cities are read once per process.
SCREEN_STATEMENTS = 2
HOME_STATEMENTS = 1  # the session lookup alone
IPN_FIRST_APPLY_STATEMENTS = 9  # partner, replay store, booking lock, apply, event, issue job, message log
IPN_REPEAT_STATEMENTS = 5  # the partner is read once (the replay store commit keeps it loaded)


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
    warm_screens(user, catalog)
    counts = []
    for origin, destination in (small, large):
        query = flight_query(catalog, origin=origin, destination=destination)
        pages = []
        counts.append(sql_counter.count(lambda q=query, out=pages: out.append(user.get("/w/flights", query_string=q))))
        assert pages[0].get_data(as_text=True).count('data-testid="result-item"') >= 1
    assert counts[0] == counts[1] <= SCREEN_STATEMENTS


def test_hotel_screen_query_count_is_bounded_and_independent_of_results(user, catalog, sql_counter):
    warm_screens(user, catalog)
    counts = []
    for city in ("HLG", "HAN"):
        query = hotel_query(catalog, city=city)
        counts.append(sql_counter.count(lambda q=query: user.get("/w/hotels", query_string=q)))
    assert counts[0] == counts[1] <= SCREEN_STATEMENTS
    stay = hotel_query(catalog + timedelta(days=1))
    assert sql_counter.count(lambda: user.get("/w/hotels", query_string=stay)) == counts[0]


def test_home_and_vip_query_counts(user, catalog, sql_counter):
    for url in ("/w/", "/w/?product=hotel", "/w/?product=vip", "/w/book?offer=V:yearly"):
        user.get(url)  # the process's first look at the pickers
        limit = HOME_STATEMENTS if url in ("/w/", "/w/?product=hotel") else SCREEN_STATEMENTS
        assert sql_counter.count(lambda u=url: user.get(u)) <= limit, url


def warm_screens(user, catalog) -> list[str]:
    """Every search screen, visited once (what a process keeps is filled)."""
    urls = screen_urls(catalog)
    for url in urls:
        assert user.get(url).status_code == 200, url
    return urls


def test_no_theme_is_merged_again_for_a_theme_already_seen(user, catalog, monkeypatch):
    urls = warm_screens(user, catalog)
    merges = []
    real = validation.merge_theme
    monkeypatch.setattr(validation, "merge_theme", lambda *args: merges.append(args) or real(*args))
    for url in urls:
        assert user.get(url).status_code == 200
    assert merges == []


def where(depth: int = 6) -> str:
    """The callers of a patched function, for the failure message (no linecache: it would stat)."""
    frame, seen = sys._getframe(2), []
    while frame is not None and len(seen) < depth:
        seen.append(f"{frame.f_code.co_filename}:{frame.f_lineno}")
        frame = frame.f_back
    return " < ".join(seen)


def test_screens_make_no_filesystem_stat_calls(app, user, catalog, monkeypatch):
    """Static hashes, templates and translations are read once per process (templates do not reload here)."""
    assert not app.debug and not app.config.get("TEMPLATES_AUTO_RELOAD")
    urls = warm_screens(user, catalog)
    calls = Counter()
    for name in ("stat", "lstat"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda *args, _real=real, _name=name, **kwargs: calls.update([(_name, where())])
                            or _real(*args, **kwargs))
    for url in urls:
        assert user.get(url).status_code == 200
    monkeypatch.undo()
    assert calls == Counter()


def test_ipn_statements_first_apply_and_repeat(client, wallet):  # noqa: F811  (the fixture)
    booking = hold_vip(wallet.partner)
    with StatementCounter(db.engine) as first:
        assert wallet.ipn(client, booking.reference, amount=booking.amount, transaction_id="T1").get_json()["code"] == 0
    with StatementCounter(db.engine) as repeat:
        assert wallet.ipn(client, booking.reference, amount=booking.amount, transaction_id="T1").get_json()["code"] == 0
    assert first.count <= IPN_FIRST_APPLY_STATEMENTS, first.statements
    assert repeat.count <= IPN_REPEAT_STATEMENTS, repeat.statements
