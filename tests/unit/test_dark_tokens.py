"""Issue 17 point 9: dark tokens a partner omits follow its own colours (not our blue accent and grey page), and
every pair still passes AA; what cannot be derived with passing contrast is refused at onboarding."""

from __future__ import annotations

import colorsys
import dataclasses

import pytest

from webview.demo.services import DEMO_PARTNERS
from webview.themes import CONTRAST_PAIRS, DEFAULT_THEME, contrast_ratio, css_variables, effective_theme, resolve_theme
from webview.themes.dark import derive_dark, lighten_until_readable, mix

DEMOS = {demo["code"]: demo["theme"] for demo in DEMO_PARTNERS}
# The three demo partners of the designer's review, by their brand hue (degrees on the colour wheel).
BRANDS = {"demo-deeplink": "pink", "demo-bridge": "green", "demo-envelope": "orange"}
HUES = {"pink": (320, 360), "green": (90, 150), "orange": (10, 40)}
DEFAULT_DARK = DEFAULT_THEME["dark"]


def hue(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(r, g, b)[0] * 360


def dark_of(theme: dict, override: dict | None = None) -> dict:
    resolved, problems = effective_theme(theme, override)
    assert problems == []
    return resolved["dark"]


@pytest.mark.parametrize("code", sorted(BRANDS))
def test_demo_dark_prices_countdown_and_links_carry_the_partners_hue(code):
    theme = DEMOS[code]
    assert "accent_text_color" not in theme["dark"] and "secondary_bg_color" not in theme["dark"]  # the review's case
    dark = dark_of(theme)
    low, high = HUES[BRANDS[code]]
    for token in ("accent_text_color", "link_color", "button_color"):
        assert low <= hue(dark[token]) <= high, (code, token, dark[token])
    assert dark["accent_text_color"] != DEFAULT_DARK["accent_text_color"]
    # the accent is the partner's own light accent, lightened: same hue within a few degrees
    assert abs(hue(dark["accent_text_color"]) - hue(theme["accent_text_color"])) < 4


@pytest.mark.parametrize("code", sorted(BRANDS))
def test_demo_dark_page_is_the_partners_dark_not_neutral_grey(code):
    theme = DEMOS[code]
    dark = dark_of(theme)
    assert dark["secondary_bg_color"] != DEFAULT_DARK["secondary_bg_color"]
    assert dark["secondary_bg_color"] == mix(theme["dark"]["bg_color"], theme["dark"]["text_color"], 0.06)
    low, high = HUES[BRANDS[code]]
    assert low <= hue(dark["secondary_bg_color"]) <= high
    assert dark["hint_color"] != DEFAULT_DARK["hint_color"]  # tinted from the partner's own dark text


@pytest.mark.parametrize("code", sorted(DEMOS))
def test_every_demo_pair_passes_in_dark_and_given_tokens_are_kept(code):
    theme = DEMOS[code]
    dark = dark_of(theme)
    for name, value in theme["dark"].items():
        assert dark[name] == value
    for foreground, background in CONTRAST_PAIRS:
        fg = dark.get(foreground) or dark["text_color"]  # header_text_color absent: the header uses text_color
        assert contrast_ratio(fg, dark[background]) >= 4.5, (code, foreground, background)
    css = css_variables(resolve_theme(theme, None), dark=True).splitlines()
    assert f"--wv-accent-text-color: {dark['accent_text_color']};" in css
    assert f"--wv-accent-text-color: {DEFAULT_DARK['accent_text_color']};" not in css


def test_a_theme_with_no_colour_of_its_own_keeps_our_default_dark():
    assert dark_of({}) == DEFAULT_DARK
    assert dark_of({"radius": 4, "font_stack": "serif"}) == DEFAULT_DARK


def test_light_brand_only_gives_a_brand_dark_button_with_readable_text():
    dark = dark_of({"button_color": "#1b5e20", "accent_text_color": "#1b5e20"})
    assert 90 <= hue(dark["button_color"]) <= 150 and 90 <= hue(dark["accent_text_color"]) <= 150
    assert contrast_ratio(dark["button_text_color"], dark["button_color"]) >= 4.5
    assert dark["bg_color"] == DEFAULT_DARK["bg_color"]  # no dark background of its own: ours is kept


def test_launch_override_dark_tokens_win_and_the_rest_follows_them():
    override = {"dark": {"bg_color": "#0a0a0a", "accent_text_color": "#ffd54f"}}
    dark = dark_of(DEMOS["demo-deeplink"], override)
    assert dark["accent_text_color"] == "#ffd54f"
    assert dark["secondary_bg_color"] == mix("#0a0a0a", DEMOS["demo-deeplink"]["dark"]["text_color"], 0.06)


def test_lightening_keeps_the_hue_and_stops_at_readable():
    shade = lighten_until_readable("#ad1457", ("#25101a",))
    assert contrast_ratio(shade, "#25101a") >= 4.5
    assert abs(hue(shade) - hue("#ad1457")) < 4
    assert lighten_until_readable("#f8bbd0", ("#ffffff",)) == "#ffffff"  # nothing lighter reads on white


def test_what_cannot_be_derived_is_refused_with_the_pair_named():
    # a mid-grey "dark" background: no lightened brand colour reaches 4.5:1 on it
    theme = {**DEMOS["demo-deeplink"], "dark": {"bg_color": "#777777", "text_color": "#000000"}}
    _, problems = effective_theme(theme, None)
    assert "theme.dark.accent_text_color/bg_color" in problems
    assert "theme.dark.link_color/bg_color" in problems


def test_onboarding_refuses_an_underivable_dark_and_accepts_the_demo_ones(app):
    from tests.unit.test_partners_services import HMAC
    from webview.partners.services import PartnerError, create_partner

    with pytest.raises(PartnerError, match=r"theme\.dark\.accent_text_color/bg_color"):
        create_partner(dataclasses.replace(HMAC, theme={"accent_text_color": "#ad1457",
                                                        "dark": {"bg_color": "#777777", "text_color": "#000000"}}))
    partner, _credentials = create_partner(dataclasses.replace(HMAC, theme=DEMOS["demo-bridge"]))
    assert partner.theme == DEMOS["demo-bridge"]  # stored as given; derivation happens when it is drawn


def test_malformed_dark_is_left_for_validation():
    _, problems = effective_theme({"dark": "black"}, None)
    assert problems == ["theme.dark"]
    _, problems = effective_theme({"accent_text_color": "#ad1457", "dark": {"bg_color": "dark"}}, None)
    assert "theme.dark.bg_color" in problems
    assert derive_dark({"accent_text_color": "#ad1457"}, {"bg_color": "nope"}, {"accent_text_color"})["bg_color"] == (
        "nope")
