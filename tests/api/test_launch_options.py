"""Issue 17 point 12: launch options that fit the webview inside the host app — `web_bar` (hmac body and, for both
profiles, a parameter the app appends to the URL it opens) and `locale` for envelope launches; the VI/EN switch."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from tests.api.test_launch_envelope import make_partner
from webview.api.openapi import build_document
from webview.extensions import db
from webview.launch.models import LaunchSession, LaunchToken

LAUNCH = {"identify_code": "user-42", "identify_phone": "0912345678", "product": "flight", "layout": "dual"}


def launch_url(client, hmac_partner, **fields) -> str:
    response = hmac_partner.post(client, "/api/v1/webview-url", {**LAUNCH, **fields})
    assert response.status_code == 200, response.get_json()
    url = urlsplit(response.get_json()["data"]["url_open"])
    return f"{url.path}?{url.query}"


def session_row() -> LaunchSession:
    return db.session.scalar(select(LaunchSession).order_by(LaunchSession.created_at.desc()))


def test_web_bar_hide_in_the_launch_body_hides_the_bar_for_the_session(client, hmac_partner):
    assert client.get(launch_url(client, hmac_partner, web_bar="hide")).status_code == 303
    assert db.session.scalar(select(LaunchToken.web_bar)) == "hide"
    assert session_row().web_bar == "hide"
    page = client.get("/w/").get_data(as_text=True)
    assert '<html lang="vi" data-web-bar="hide">' in page or 'data-web-bar="hide"' in page.split(">", 2)[1]
    assert re.search(r"<h1>[^<]+</h1>", page)  # the heading stays for screen readers


def test_without_web_bar_the_bar_is_shown(client, hmac_partner):
    assert client.get(launch_url(client, hmac_partner)).status_code == 303
    assert session_row().web_bar == "show"
    page = client.get("/w/").get_data(as_text=True)
    assert "data-web-bar" not in page and 'data-testid="web-bar"' in page


@pytest.mark.parametrize("value", ["none", "HIDE", "1"])
def test_an_unknown_web_bar_in_the_body_is_code_1(client, hmac_partner, value):
    response = hmac_partner.post(client, "/api/v1/webview-url", {**LAUNCH, "web_bar": value})
    assert response.status_code == 400
    assert response.get_json()["code"] == 1 and response.get_json()["data"]["fields"] == ["web_bar"]


def test_url_parameters_win_over_the_launch_request(client, hmac_partner):
    url = launch_url(client, hmac_partner, locale="vi", web_bar="show")
    assert client.get(url + "&locale=en-US&web_bar=hide").status_code == 303
    row = session_row()
    assert (row.locale, row.web_bar) == ("en", "hide")
    assert '<html lang="en"' in client.get("/w/").get_data(as_text=True)


@pytest.mark.parametrize(("extra", "named"), [("&locale=fr", "locale"), ("&web_bar=none", "web_bar"),
                                              ("&locale=xx&web_bar=0", "locale, web_bar")])
def test_a_bad_url_option_is_named_and_the_token_is_not_spent(client, hmac_partner, extra, named):
    url = launch_url(client, hmac_partner)
    refused = client.get(url + extra)
    assert refused.status_code == 400
    assert named in refused.get_data(as_text=True)
    assert db.session.scalar(select(LaunchToken.used_at)) is None
    assert client.get(url).status_code == 303  # the same link, fixed, still opens


def test_envelope_launch_takes_locale_and_web_bar_from_the_url(client, runner, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import rsa

    partner = make_partner(runner, tmp_path, rsa.generate_private_key(public_exponent=65537, key_size=2048),
                           "modern")
    reply = partner.open_reply(partner.post(client, partner.login_body()))
    assert reply["error_code"] == "00"
    url = urlsplit(reply["redirect_url"])
    opened = client.get(f"{url.path}?{url.query}&locale=en&web_bar=hide", headers={"Accept-Language": "vi"})
    assert opened.status_code == 303
    row = session_row()
    assert (row.locale, row.web_bar) == ("en", "hide")
    page = client.get("/w/", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert '<html lang="en" data-web-bar="hide">' in page


def test_the_sandbox_opens_an_envelope_url_with_the_launch_locale(app):
    from sandbox.testapi.launch import opened_with_options

    url = "http://127.0.0.1:5000/w/launch?token=abc"
    assert opened_with_options(url, {"locale": "en", "web_bar": "hide", "product": "hotel"}) == (
        url + "&locale=en&web_bar=hide")
    assert opened_with_options(url, {"locale": None}) == url
    assert parse_qs(urlsplit(opened_with_options(url, {"locale": "vi"})).query) == {"token": ["abc"], "locale": ["vi"]}


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_language_switch_changes_the_session_and_stays_on_the_screen(client, hmac_partner):
    client.get(launch_url(client, hmac_partner, locale="vi"))
    page = client.get("/w/orders").get_data(as_text=True)
    assert '<html lang="vi"' in page and 'data-testid="language-switch"' in page
    assert 'value="/w/orders"' in page
    switched = client.post("/w/language", data={"csrf_token": csrf_of(page), "locale": "en", "next": "/w/orders"})
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/w/orders")
    assert session_row().locale == "en" and session_row().customer.locale == "en"
    page = client.get("/w/orders").get_data(as_text=True)
    assert '<html lang="en"' in page and "My orders" in page
    assert re.search(r'aria-pressed="true" data-testid="language-en"', page)


@pytest.mark.parametrize("target", ["https://evil.example/w/", "//evil.example/w/", "/sandbox/", "/w\\x", ""])
def test_the_switch_never_leaves_our_screens(client, hmac_partner, target):
    client.get(launch_url(client, hmac_partner))
    page = client.get("/w/").get_data(as_text=True)
    switched = client.post("/w/language", data={"csrf_token": csrf_of(page), "locale": "en", "next": target})
    assert switched.status_code == 303 and urlsplit(switched.headers["Location"]).path == "/w/"
    assert not urlsplit(switched.headers["Location"]).netloc or "evil" not in switched.headers["Location"]


def test_the_switch_refuses_a_bad_language_a_missing_token_and_no_session(client, hmac_partner, app):
    client.get(launch_url(client, hmac_partner, locale="vi"))
    page = client.get("/w/").get_data(as_text=True)
    bad = client.post("/w/language", data={"csrf_token": csrf_of(page), "locale": "fr", "next": "/w/"})
    assert bad.status_code == 400 and session_row().locale == "vi"
    no_token = client.post("/w/language", data={"locale": "en", "next": "/w/"})
    assert no_token.status_code == 400 and session_row().locale == "vi"
    assert "This form has expired" in no_token.get_data(as_text=True)
    stranger = app.test_client()
    assert stranger.post("/w/language", data={"locale": "en"}).status_code in (400, 401)


def test_openapi_documents_web_bar_and_the_url_options():
    document = build_document("https://merchant.example")
    schema = document["components"]["schemas"]["WebviewUrlRequest"]["properties"]["web_bar"]
    assert {"show", "hide"} <= set(re.findall(r"show|hide", str(schema)))
    text = str(document["paths"]["/api/v1/partner/login"]) + str(document["components"]["schemas"]["WebviewUrlData"])
    assert "web_bar" in text and "locale" in text
