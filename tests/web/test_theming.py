"""Per-partner theming on the screens: tokens inlined with the CSP nonce, launch overrides, dark variant, assets."""

from __future__ import annotations

import re

from tests.web.conftest import make_launch, make_partner, sign_in
from webview.core.assets import IMMUTABLE


def head_style(html: str) -> str:
    match = re.search(r'<style nonce="([^"]+)">(.*?)</style>', html, re.S)
    assert match, "no themed <style> in <head>"
    return match.group(2)


def test_partner_tokens_are_inlined_as_custom_properties_with_the_request_nonce(user):
    response = user.get("/w/")
    html = response.get_data(as_text=True)
    css = head_style(html)
    assert "--wv-button-color: #c2185b;" in css and "--wv-radius: 18px;" in css
    assert "@media (prefers-color-scheme:dark)" in css and "--wv-bg-color: #25101a;" in css
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert "<script>" not in html and re.search(r'<script src="/static/js/app\.js\?v=[0-9a-f]{12}" defer>', html)


def test_a_launch_override_is_applied_on_top_of_the_partner_theme(app, partner, catalog):
    launch = make_launch(partner, "override", theme_override={"button_color": "#1b5e20", "dark": {
        "button_color": "#81c784", "button_text_color": "#0e1a11"}})
    css = head_style(sign_in(app.test_client(), launch).get("/w/").get_data(as_text=True))
    assert "--wv-button-color: #1b5e20;" in css and "--wv-button-color: #81c784;" in css
    assert "--wv-bg-color: #fff8fb;" in css  # the partner's own tokens stay


def test_an_override_that_fails_the_contrast_check_is_never_rendered(app, partner, catalog):
    launch = make_launch(partner, "bad", theme_override={"button_color": "#ffffff"})  # white text on white
    css = head_style(sign_in(app.test_client(), launch).get("/w/").get_data(as_text=True))
    assert "#ffffff;" not in css.split("--wv-button-color:")[1].split(";")[0]
    assert "--wv-button-color: #c2185b;" in css


def test_distinct_partners_get_distinct_themes(app, catalog):
    blue = make_partner("blue", {"button_color": "#0b57d0", "button_text_color": "#ffffff"})
    green = make_partner("green", {"button_color": "#1b5e20", "button_text_color": "#ffffff", "radius": 4})
    pages = [sign_in(app.test_client(), make_launch(p, "u")).get("/w/").get_data(as_text=True) for p in (blue, green)]
    assert "--wv-button-color: #0b57d0;" in head_style(pages[0])
    assert "--wv-button-color: #1b5e20;" in head_style(pages[1]) and "--wv-radius: 4px;" in head_style(pages[1])
    assert "Blue Wallet" in pages[0] and "Green Wallet" in pages[1]


def test_the_one_stylesheet_is_shared_and_cached_forever(app, user, catalog):
    html = user.get("/w/").get_data(as_text=True)
    (href,) = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    response = user.get(href)
    assert response.headers["Cache-Control"] == IMMUTABLE
    css = response.get_data(as_text=True)
    assert "env(safe-area-inset-bottom)" in css and "var(--wv-font-stack" in css
    assert "@import" not in css and "url(http" not in css


def test_every_form_on_the_screens_is_csrf_protected(user):
    response = user.post("/w/book?offer=V:monthly", data={"contact_name": "A"})
    assert response.status_code == 400
