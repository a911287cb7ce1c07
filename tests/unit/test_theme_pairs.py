"""Issue 11 point 6: every foreground/background pair the screens draw is checked, light and dark, and the header
title has its own optional token, `header_text_color` (rendered as --wv-header-text-color)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from webview.themes import (
    CONTRAST_PAIRS,
    DEFAULT_THEME,
    contrast_ratio,
    css_variables,
    effective_theme,
    resolve_theme,
    validate_theme,
)

ROOT = Path(__file__).resolve().parents[2]
PARTNER_HEADER = "#a3195b"  # the partner header of the issue: dark text on it is about 2.1:1


def test_the_issue_header_is_refused_with_the_pair_named():
    assert contrast_ratio(DEFAULT_THEME["text_color"], PARTNER_HEADER) < 4.5
    _theme, problems = effective_theme({"header_bg_color": PARTNER_HEADER}, None)
    assert problems == ["theme.text_color/header_bg_color"]
    assert validate_theme({"text_color": "#1f2328", "header_bg_color": PARTNER_HEADER}) == [
        "theme.text_color/header_bg_color"
    ]


def test_header_text_color_makes_that_header_valid_and_is_rendered():
    theme = {"header_bg_color": PARTNER_HEADER, "header_text_color": "#ffffff"}
    assert validate_theme(theme) == []
    assert effective_theme(theme, None)[1] == []
    css = css_variables(resolve_theme(theme, None)).splitlines()
    assert "--wv-header-text-color: #ffffff;" in css
    assert "--wv-header-bg-color: #a3195b;" in css
    # a white header title on a white header is refused under its own name
    assert effective_theme({"header_text_color": "#fefefe"}, None)[1] == [
        "theme.header_text_color/header_bg_color"
    ]


def test_without_header_text_color_the_header_uses_text_color():
    css = css_variables(resolve_theme({"text_color": "#10243e"}, None)).splitlines()
    assert "--wv-header-text-color: #10243e;" in css
    dark = css_variables(resolve_theme({}, None), dark=True).splitlines()
    assert f"--wv-header-text-color: {DEFAULT_THEME['dark']['text_color']};" in dark


def test_dark_pairs_are_checked_too():
    _, problems = effective_theme({"dark": {"header_bg_color": "#e8f0fe"}}, None)
    assert problems == ["theme.dark.text_color/header_bg_color"]
    _, problems = effective_theme({"dark": {"link_color": "#1a1a40"}}, None)
    assert "theme.dark.link_color/bg_color" in problems
    ok = {"dark": {"header_bg_color": "#e8f0fe", "header_text_color": "#10243e"}}
    assert effective_theme(ok, None)[1] == []


@pytest.mark.parametrize(("foreground", "background"), CONTRAST_PAIRS)
def test_each_drawn_pair_is_refused_below_aa(foreground, background):
    theme = {foreground: "#777777", background: "#888888"}
    expected = f"theme.{foreground}" if (foreground, background) in CONTRAST_PAIRS[:2] else (
        f"theme.{foreground}/{background}")
    assert validate_theme(theme) == [expected]
    assert validate_theme({"dark": theme}) == [expected.replace("theme.", "theme.dark.")]


def test_links_on_cards_and_page_hint_text_and_destructive_text():
    assert "theme.link_color/bg_color" in effective_theme({"link_color": "#8ab4f8"}, None)[1]
    assert "theme.link_color/secondary_bg_color" in effective_theme({"link_color": "#8ab4f8"}, None)[1]
    assert "theme.hint_color/secondary_bg_color" in effective_theme({"hint_color": "#8a9099"}, None)[1]
    assert "theme.destructive_text_color/bg_color" in effective_theme({"destructive_text_color": "#ff8a80"}, None)[1]
    assert "theme.accent_text_color/secondary_bg_color" in effective_theme({"accent_text_color": "#ffb74d"}, None)[1]


def _rules(css: str):
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        yield selector.strip(), body


def test_every_text_on_background_rule_of_the_stylesheet_is_a_checked_pair():
    """Each rule of app.css that sets both a --wv background and a --wv text colour draws a checked pair."""
    css = (ROOT / "static/css/app.css").read_text()
    checked = {(fg, bg) for fg, bg in CONTRAST_PAIRS}
    seen = 0
    for selector, body in _rules(css):
        background = re.search(r"background:var\(--wv-([a-z-]+)\)", body)
        color = re.search(r"(?<![-a-z])color:var\(--wv-([a-z-]+)\)", body)
        if background and color:
            seen += 1
            pair = (color.group(1).replace("-", "_"), background.group(1).replace("-", "_"))
            assert pair in checked, f"{selector} draws {pair[0]} on {pair[1]}, which validation does not check"
    assert seen >= 8
    assert ".bar{" in css.replace(" ", "") and "color:var(--wv-header-text-color)" in css
    for item in (".nav a", ".nav a[aria-current]"):  # the bottom navigation sits on the header colour
        assert "var(--wv-header-text-color)" in next(body for selector, body in _rules(css) if selector == item)


def test_onboarding_refuses_the_issue_header(app):
    from tests.unit.test_partners_services import HMAC
    from webview.partners.services import PartnerError, create_partner

    with pytest.raises(PartnerError, match=r"theme\.text_color/header_bg_color"):
        create_partner(dataclasses.replace(HMAC, theme={"header_bg_color": PARTNER_HEADER}))


def test_demo_partner_themes_pass_every_pair():
    from webview.demo.services import DEMO_PARTNERS

    for demo in DEMO_PARTNERS:
        assert effective_theme(demo["theme"], None)[1] == [], demo["code"]
