"""How answers travel: compressed for clients that ask, a site icon, phone numbers written the Vietnamese way."""

from __future__ import annotations

import gzip

from tests.web.test_booking_screens import ADULT, CONTACT, cheapest_fare, review


def test_pages_and_assets_are_compressed_when_the_client_asks(user, catalog):
    page = user.get("/w/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == "gzip"
    assert b'data-testid="search-form"' in gzip.decompress(page.data)
    assert "Accept-Encoding" in page.headers.get("Vary", "")
    plain = user.get("/w/")
    assert "Content-Encoding" not in plain.headers and b'data-testid="search-form"' in plain.data
    css = user.get("/static/css/app.css", headers={"Accept-Encoding": "br, gzip"})
    assert css.headers.get("Content-Encoding") in ("br", "gzip")


def test_the_site_icon_is_served(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_the_contact_phone_is_written_the_vietnamese_way(user, catalog):
    page = user.get(f"/w/book?offer={cheapest_fare(catalog).offer_id}").get_data(as_text=True)
    assert 'value="0912 345 678"' in page and "+84912345678" not in page
    html = review(user, f"offer={cheapest_fare(catalog).offer_id}", {**ADULT, **CONTACT}).get_data(as_text=True)
    assert "<dd>0912 345 678</dd>" in html and "<dd>+84912345678</dd>" not in html
