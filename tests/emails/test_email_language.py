"""Issue 11 point 8 in emails: an email's words, its weekdays and its <html lang> are one language, the language
the customer used the screens in (also when the device, not the launch, chose it)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.emails.conftest import add_partner, make_order
from tests.web.conftest import sign_in
from tests.web.test_booking_screens import ADULT, CONTACT, cheapest_fare, hold
from webview.catalog.generator import generate_catalog, local_today
from webview.emails import EMAIL_KINDS, SentEmail, render_email
from webview.extensions import db
from webview.jobs import run_once

WEEKDAY = {"vi": re.compile(r"\b(?:Thứ [2-7]|CN), \d{2}/\d{2}/\d{4}"), "en": re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri"
                                                                                        r"|Sat|Sun), \d{1,2} \w{3}")}
WORDS = {"vi": "Đơn hàng", "en": "Booking"}


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("kind", EMAIL_KINDS)
def test_every_email_is_in_one_language(app, kind, locale):
    other = "en" if locale == "vi" else "vi"
    rendered = render_email(kind, locale=locale, partner=add_partner(), order=make_order())
    assert f'<html lang="{locale}">' in rendered.html
    for part in (rendered.html, rendered.text, rendered.subject):
        assert not WEEKDAY[other].search(part), (kind, locale, WEEKDAY[other].search(part).group(0))
    if kind == "held":
        assert WEEKDAY[locale].search(rendered.subject) and WEEKDAY[locale].search(rendered.html)
        assert WEEKDAY[locale].search(rendered.text)


@pytest.fixture
def catalog(app):
    generate_catalog(3)
    return local_today() + timedelta(days=1)


def test_an_english_email_for_an_english_device(app, catalog):
    """Launch without a locale, device in English: the held email is English, weekdays and <html lang> too."""
    from webview.launch.services import LaunchRequest, consume_launch_token, issue_launch_token

    partner = add_partner(name="Device Wallet")
    grant = issue_launch_token(partner, LaunchRequest(identify_code="device-user", identify_phone="0912345678"), 300)
    client = sign_in(app.test_client(), consume_launch_token(grant.token, 3600))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = hold(client, f"offer={cheapest_fare(catalog).offer_id}", {**ADULT, **CONTACT})
    assert response.status_code == 303
    while run_once():
        pass
    held = db.session.scalars(select(SentEmail).where(SentEmail.kind == "held")).one()
    assert held.locale == "en"
    assert '<html lang="en">' in held.html
    assert WEEKDAY["en"].search(held.html) and not WEEKDAY["vi"].search(held.html)
    assert held.subject.startswith(WORDS["en"])
