"""Count phrases are plural-aware (gaps 4): English says "1 seat left" / "2 seats left", Vietnamese (one plural form,
`Plural-Forms: nplurals=1`) says "Còn 1 chỗ" for every count; the flight results screen shows them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale, ngettext
from sqlalchemy import update

from tests.web.conftest import make_launch, make_partner, sign_in
from webview.catalog.generator import generate_catalog, local_today
from webview.catalog.models import Fare
from webview.extensions import db

ROOT = Path(__file__).resolve().parents[2]
PHRASES = [  # (singular, plural, English for 1, English for 2, Vietnamese for 2)
    ("%(num)d seat left", "%(num)d seats left", "1 seat left", "2 seats left", "Còn 2 chỗ"),
    ("up to %(num)d guest", "up to %(num)d guests", "up to 1 guest", "up to 2 guests", "tối đa 2 khách"),
    ("%(num)d day", "%(num)d days", "1 day", "2 days", "2 ngày"),
    ("%(num)d day from payment", "%(num)d days from payment", "1 day from payment", "2 days from payment",
     "2 ngày kể từ khi thanh toán"),
]


def test_the_vietnamese_catalog_has_one_plural_form():
    header = (ROOT / "webview/translations/vi/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header


@pytest.mark.parametrize(("singular", "plural", "one", "two", "vi_two"), PHRASES)
def test_count_phrases_agree_in_both_languages(app, singular, plural, one, two, vi_two):
    with app.test_request_context():
        with force_locale("en"):
            assert (ngettext(singular, plural, 1), ngettext(singular, plural, 2)) == (one, two)
        with force_locale("vi"):
            assert ngettext(singular, plural, 2) == vi_two
            assert ngettext(singular, plural, 1) == vi_two.replace("2", "1")


@pytest.mark.parametrize(("locale", "seats", "shown", "wrong"), [
    ("en", 1, "1 seat left", "1 seats left"), ("en", 3, "3 seats left", "3 seat left"),
    ("vi", 1, "Còn 1 chỗ", "seat"), ("vi", 3, "Còn 3 chỗ", "seats")])
def test_flight_results_say_the_seats_left_in_the_users_language(app, locale, seats, shown, wrong):
    generate_catalog(2)
    day = local_today() + timedelta(days=1)
    db.session.execute(update(Fare).values(seats_left=seats))
    db.session.commit()
    client = sign_in(app.test_client(), make_launch(make_partner(), locale=locale))
    query = {"origin": "HAN", "destination": "SGN", "depart_date": day.isoformat(), "adults": "1", "children": "0",
             "infants": "0"}
    html = client.get("/w/flights", query_string=query).get_data(as_text=True)
    assert shown in html and wrong not in html
