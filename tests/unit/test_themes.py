"""Theme tokens: names, #rrggbb, radius, dark, launch-override limits and WCAG AA contrast."""

from __future__ import annotations

import pytest

from webview.themes import (
    COLOR_TOKENS,
    DEFAULT_THEME,
    FONT_STACKS,
    contrast_ratio,
    css_variables,
    effective_theme,
    merge_theme,
    resolve_theme,
    validate_theme,
)


def test_twelve_color_tokens_of_design():
    assert len(COLOR_TOKENS) == 12
    assert {"bg_color", "text_color", "button_color", "button_text_color", "warning_color"} <= set(COLOR_TOKENS)


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#ffffff", "#0b57d0") == contrast_ratio("#0b57d0", "#ffffff")
    with pytest.raises(ValueError):
        contrast_ratio("red", "#ffffff")


def test_default_theme_is_valid_and_accessible():
    assert validate_theme(DEFAULT_THEME) == []
    assert "system" in FONT_STACKS


def test_good_partial_theme_and_override_pass():
    assert validate_theme({"button_color": "#0B57D0"}) == []
    assert validate_theme({"bg_color": "#ffffff", "text_color": "#111111", "dark": {"bg_color": "#000000"}},
                          launch_override=True) == []


@pytest.mark.parametrize(
    ("theme", "expected"),
    [
        ({"button_color": "red"}, ["theme.button_color"]),
        ({"button_color": "#fff"}, ["theme.button_color"]),
        ({"button_color": "#12345g"}, ["theme.button_color"]),
        ({"button_color": 123}, ["theme.button_color"]),
        ({"button_color": "#0b57d0;x"}, ["theme.button_color"]),
        ({"unknown_name": "#ffffff"}, ["theme.unknown_name"]),
        ({"radius": 25}, ["theme.radius"]),
        ({"radius": -1}, ["theme.radius"]),
        ({"radius": "8"}, ["theme.radius"]),
        ({"radius": True}, ["theme.radius"]),
        ({"radius": 8.5}, ["theme.radius"]),
        ({"dark": "#000000"}, ["theme.dark"]),
        ({"dark": {"radius": 4}}, ["theme.dark.radius"]),
        ({"dark": {"bg_color": "black"}}, ["theme.dark.bg_color"]),
        ({"font_stack": "Comic Sans"}, ["theme.font_stack"]),
        ({"logo_url": ""}, ["theme.logo_url"]),
        ({"zeta": 1, "button_color": "x", "dark": {"text_color": "y"}},
         ["theme.button_color", "theme.dark.text_color", "theme.zeta"]),
    ],
)
def test_bad_tokens_are_named(theme, expected):
    assert validate_theme(theme) == expected


@pytest.mark.parametrize("value", [None, [], "theme", 3, ["#ffffff"]])
def test_theme_that_is_not_an_object(value):
    assert validate_theme(value) == ["theme"]


def test_low_contrast_is_refused_for_both_pairs():
    assert validate_theme({"text_color": "#777777", "bg_color": "#ffffff"}) == ["theme.text_color"]
    assert validate_theme({"button_text_color": "#ffffff", "button_color": "#ffcc00"}) == ["theme.button_text_color"]
    assert validate_theme({"text_color": "#595959", "bg_color": "#ffffff"}) == []  # 7:1


def test_low_contrast_inside_dark_is_refused():
    assert validate_theme({"dark": {"text_color": "#333333", "bg_color": "#000000"}}) == ["theme.dark.text_color"]
    assert validate_theme({"dark": {"button_text_color": "#000000", "button_color": "#222222"}}) == [
        "theme.dark.button_text_color"
    ]


def test_contrast_checked_only_on_what_is_given():
    assert validate_theme({"bg_color": "#000000"}) == []
    merged, problems = effective_theme({}, {"bg_color": "#000000"})  # default text is dark
    assert merged["bg_color"] == "#000000"
    # every pair drawn on the card background is checked (issue 11 point 6), the text pair among them
    assert problems == ["theme.accent_text_color/bg_color", "theme.destructive_text_color/bg_color",
                        "theme.hint_color/bg_color", "theme.link_color/bg_color", "theme.text_color"]


@pytest.mark.parametrize("name", ["radius", "logo_url", "font_stack", "unknown_name"])
def test_launch_override_may_not_set_onboarding_tokens(name):
    value = {"radius": 8, "logo_url": "/static/logo.png", "font_stack": "system", "unknown_name": "#ffffff"}[name]
    assert validate_theme({name: value}) == ([] if name != "unknown_name" else ["theme.unknown_name"])
    assert validate_theme({name: value}, launch_override=True) == [f"theme.{name}"]


def test_merge_keeps_base_and_merges_dark_token_by_token():
    base = {"bg_color": "#ffffff", "dark": {"bg_color": "#000000", "text_color": "#eeeeee"}}
    merged = merge_theme(base, {"text_color": "#111111", "dark": {"bg_color": "#101010"}})
    assert merged == {"bg_color": "#ffffff", "text_color": "#111111",
                      "dark": {"bg_color": "#101010", "text_color": "#eeeeee"}}
    assert base["dark"]["bg_color"] == "#000000"  # not mutated
    assert merge_theme(base, None) == base


def test_effective_theme_layers_default_partner_override():
    theme, problems = effective_theme({"button_color": "#1b5e20"}, {"link_color": "#0b57d0"})
    assert problems == []
    assert theme["button_color"] == "#1b5e20" and theme["link_color"] == "#0b57d0"
    assert theme["bg_color"] == DEFAULT_THEME["bg_color"]


def test_css_variables_render_tokens_and_fall_back_on_a_bad_override():
    css = css_variables(resolve_theme({"button_color": "#1b5e20"}, None))
    assert "--wv-button-color: #1b5e20;" in css.splitlines()
    assert "--wv-radius: 12px;" in css.splitlines()
    dark = css_variables(resolve_theme({}, None), dark=True)
    assert f"--wv-bg-color: {DEFAULT_THEME['dark']['bg_color']};" in dark.splitlines()
    bad = resolve_theme({"button_color": "#1b5e20"}, {"bg_color": "</style>"})
    assert bad["bg_color"] == DEFAULT_THEME["bg_color"] and bad["button_color"] == "#1b5e20"
