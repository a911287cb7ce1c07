"""The theme editor: the onboarding rules decide (a low-contrast colour is refused by the live check and on save),
every drawn pair gets its WCAG verdict, and the preview renders the real screens with the draft in a signed
short-lived token, pinned to light or dark, never saved."""

from __future__ import annotations

import pytest

from tests.portal.conftest import csrf_token, make_partner, make_user, post_form, sign_in
from webview.catalog.generator import ensure_reference_data
from webview.extensions import db
from webview.partners.models import Partner
from webview.portal.theme_editor import preview_token

LOW = {"button_color": "#ffcc00", "button_text_color": "#ffffff"}  # 1.6:1
GOOD = {"button_color": "#7a1fa2", "button_text_color": "#ffffff", "dark.button_color": "#e1bee7",
        "dark.button_text_color": "#2a0a38"}


@pytest.fixture
def editor(app):
    ensure_reference_data()  # the catalog the screens show (seeded in every deployment)
    db.session.commit()
    partner = make_partner("wallet-a")
    browser = app.test_client()
    assert sign_in(browser, make_user(partner, "developer").email).status_code == 302
    return partner, browser


def check(browser, data: dict):
    return post_form(browser, "/portal/p/wallet-a/theme", "/portal/p/wallet-a/theme/check", data).get_json()


def test_a_low_contrast_colour_is_refused_live_and_on_save(editor):
    partner, browser = editor
    page = browser.get("/portal/p/wallet-a/theme").get_data(as_text=True)
    assert 'data-testid="theme-verdicts"' in page and "/theme/preview/home/light?t=" in page
    refused = check(browser, LOW)
    assert refused["valid"] is False and refused["token"] is None
    assert "theme.button_text_color" in refused["problems"]
    pair = next(v for v in refused["verdicts"] if v["scheme"] == "light" and v["foreground"] == "button_text_color")
    assert pair["passes"] is False and pair["ratio"] < 4.5
    saved = post_form(browser, "/portal/p/wallet-a/theme", "/portal/p/wallet-a/theme", LOW)
    assert saved.status_code == 422 and "theme.button_text_color" in saved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).theme.get("button_color") != "#ffcc00"


def test_a_valid_theme_is_previewed_light_and_dark_and_saved(editor):
    partner, browser = editor
    result = check(browser, GOOD)
    assert result["valid"] and result["token"]
    assert all(v["passes"] for v in result["verdicts"]), [v for v in result["verdicts"] if not v["passes"]]
    for screen in ("home", "results", "held", "result"):
        light = browser.get(f"/portal/p/wallet-a/theme/preview/{screen}/light?t={result['token']}")
        assert light.status_code == 200, screen
        html = light.get_data(as_text=True)
        assert "--wv-button-color: #7a1fa2;" in html and "color-scheme:light" in html, screen
        assert "frame-ancestors 'self'" in light.headers["Content-Security-Policy"]
        dark = browser.get(f"/portal/p/wallet-a/theme/preview/{screen}/dark?t={result['token']}").get_data(
            as_text=True)
        assert "--wv-button-color: #e1bee7;" in dark and "color-scheme:dark" in dark, screen
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).theme.get("button_color") != "#7a1fa2"  # a preview saves nothing
    assert post_form(browser, "/portal/p/wallet-a/theme", "/portal/p/wallet-a/theme", GOOD).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Partner, partner.id).theme
    assert saved["button_color"] == "#7a1fa2" and saved["dark"]["button_text_color"] == "#2a0a38"


def test_preview_tokens_are_signed_and_bound_to_their_partner(app, editor):
    partner, browser = editor
    other = make_partner("wallet-b")
    assert browser.get("/portal/p/wallet-a/theme/preview/home/light?t=forged").status_code == 404
    token = preview_token(partner, {"button_color": "#7a1fa2"})
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert browser.get(f"/portal/p/wallet-a/theme/preview/home/light?t={tampered}").status_code == 404
    operator = app.test_client()
    sign_in(operator, make_user(None, "operator", "ops@merchant.example").email)
    assert operator.get(f"/portal/p/wallet-b/theme/preview/home/light?t={token}").status_code == 404
    assert operator.get(f"/portal/p/wallet-a/theme/preview/home/light?t={token}").status_code == 200
    assert browser.get(f"/portal/p/wallet-b/theme?t={token}").status_code == 404
    finance = app.test_client()
    sign_in(finance, make_user(partner, "finance").email)
    assert finance.get("/portal/p/wallet-a/theme").status_code == 403
    assert other.theme == {} or other.theme is not None
    assert csrf_token(browser, "/portal/p/wallet-a/theme")
