"""Dark tokens a partner did not give, derived from its own colours (docs/partners/theming.md, "Dark mode").

Rule: a dark token the partner (or the launch override) gives is used as given. A dark token it omits follows the
partner's own colours: backgrounds from its dark background, text tints from its dark text, and every colour that
carries its brand (accent, link, button, status colours) is the partner's light token of the same name, lightened
(same hue) until it passes WCAG AA on the dark backgrounds. A token the partner set in neither light nor dark keeps
our default dark value when that passes on its backgrounds. What cannot be derived with passing contrast stays
failing and the theme is refused, by the same pair names validation uses.
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping
from typing import Any

from webview.themes.validation import DEFAULT_THEME, HEX_COLOR, MIN_CONTRAST, contrast_ratio

NON_TEXT_CONTRAST = 3.0  # WCAG 1.4.11: marks and borders (success_color, warning_color) next to text
LIGHTNESS_STEP = 0.01
# Derived tokens, in dependency order: what each one must stay readable on, and at which ratio.
BRAND_TOKENS: dict[str, tuple[tuple[str, ...], float]] = {
    "accent_text_color": (("bg_color", "secondary_bg_color"), MIN_CONTRAST),
    "link_color": (("bg_color", "secondary_bg_color"), MIN_CONTRAST),
    "destructive_text_color": (("bg_color",), MIN_CONTRAST),
    "success_color": (("bg_color", "secondary_bg_color"), NON_TEXT_CONTRAST),
    "warning_color": (("bg_color", "secondary_bg_color"), NON_TEXT_CONTRAST),
}
BUTTON_ON_BACKGROUND = MIN_CONTRAST  # dark-mode buttons take the light brand tone the accent takes
# Aim a little above the minimum where a lighter shade exists, as our own default dark does (#8ab4f8 is 8:1).
COMFORT = {MIN_CONTRAST: 6.0, NON_TEXT_CONTRAST: 4.5}
SECONDARY_MIX = 0.06  # the page is the card colour moved 6 % toward the text colour (our default dark does the same)
HEADER_MIX = 0.03
HINT_MIXES = tuple(round(0.40 - 0.05 * step, 2) for step in range(9))  # text moved toward the card, less each try


def _is_color(value: object) -> bool:
    return isinstance(value, str) and HEX_COLOR.fullmatch(value) is not None


def _rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in rgb)


def mix(color: str, other: str, share: float) -> str:
    """`color` moved `share` (0..1) of the way toward `other`, in sRGB."""
    a, b = _rgb(color), _rgb(other)
    return _hex(tuple(x + (y - x) * share for x, y in zip(a, b, strict=True)))  # type: ignore[arg-type]


def passes(color: str, backgrounds: tuple[str, ...], ratio: float) -> bool:
    """Whether `color` reaches `ratio` on every background."""
    return all(contrast_ratio(color, background) >= ratio for background in backgrounds)


def lighten_until_readable(color: str, backgrounds: tuple[str, ...], ratio: float = MIN_CONTRAST) -> str:
    """The brand colour with the same hue and saturation, lightened in small steps until it reads comfortably
    (`COMFORT`, or `ratio` when higher) on every background; else the first shade that reaches `ratio`; else
    white (the caller's validation then names the pair)."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(color))
    target = max(ratio, COMFORT.get(ratio, ratio))
    enough = None
    while True:
        candidate = _hex(colorsys.hls_to_rgb(hue, lightness, saturation))
        if passes(candidate, backgrounds, target):
            return candidate
        if enough is None and passes(candidate, backgrounds, ratio):
            enough = candidate
        if lightness >= 1.0:
            return enough or "#ffffff"
        lightness = min(1.0, lightness + LIGHTNESS_STEP)


def _readable_text_on(background: str, candidates: list[str]) -> str:
    """The first candidate with AA contrast on `background`, else the one with the most."""
    usable = [c for c in candidates if _is_color(c)]
    for candidate in usable:
        if contrast_ratio(candidate, background) >= MIN_CONTRAST:
            return candidate
    return max(usable, key=lambda c: contrast_ratio(c, background))


def given_dark(partner_theme: Mapping[str, Any] | None, override: Mapping[str, Any] | None) -> dict[str, Any]:
    """The dark tokens the partner and the launch override actually give (override on top)."""
    given: dict[str, Any] = {}
    for layer in (partner_theme or {}, override or {}):
        dark = layer.get("dark") if isinstance(layer, Mapping) else None
        if isinstance(dark, Mapping):
            given.update(dark)
    return given


def _set_in_light(name: str, partner_theme: Mapping[str, Any] | None, override: Mapping[str, Any] | None) -> bool:
    return any(isinstance(layer, Mapping) and name in layer for layer in (partner_theme, override))


def derive_dark(light: Mapping[str, Any], given: Mapping[str, Any], set_in_light: set[str]) -> dict[str, Any]:
    """The complete dark token set: `given` as is, every other token derived (module docstring).

    `light` is the merged light theme (defaults under the partner's colours), `set_in_light` the names of the light
    tokens the partner chose. Only well-formed colours are derived from; a malformed one is left to validation.
    """
    default = DEFAULT_THEME["dark"]
    dark: dict[str, Any] = {**default, **given}
    if not (_is_color(dark["bg_color"]) and _is_color(dark["text_color"])):
        return dark  # validation names the malformed token; nothing sensible to derive from
    background, text = dark["bg_color"], dark["text_color"]

    def keep_default(name: str, backgrounds: tuple[str, ...], ratio: float) -> bool:
        return name not in set_in_light and passes(default[name], backgrounds, ratio)

    if "secondary_bg_color" not in given and "bg_color" in given:
        dark["secondary_bg_color"] = mix(background, text, SECONDARY_MIX)
    if "header_bg_color" not in given and "bg_color" in given:
        dark["header_bg_color"] = mix(background, text, HEADER_MIX)
    if not _is_color(dark["secondary_bg_color"]):
        return dark
    surfaces = {"bg_color": background, "secondary_bg_color": dark["secondary_bg_color"]}

    own_surfaces = "bg_color" in given or "text_color" in given
    if "hint_color" not in given and (own_surfaces or not keep_default("hint_color", tuple(surfaces.values()),
                                                                       MIN_CONTRAST)):
        hints = (mix(text, background, share) for share in HINT_MIXES)
        dark["hint_color"] = next((h for h in hints if passes(h, tuple(surfaces.values()), MIN_CONTRAST)), text)

    for name, (on, ratio) in BRAND_TOKENS.items():
        backgrounds = tuple(surfaces[b] for b in on)
        if name in given or keep_default(name, backgrounds, ratio):
            continue
        source = light.get(name)
        if name == "link_color" and "link_color" not in set_in_light and _is_color(dark.get("accent_text_color")):
            source = dark["accent_text_color"]  # no link colour of its own: links follow the accent
        if _is_color(source):
            dark[name] = lighten_until_readable(source, backgrounds, ratio)

    button = dark["button_color"]
    if ("button_color" not in given and _is_color(light.get("button_color"))
            and not keep_default("button_color", (background,), BUTTON_ON_BACKGROUND)):
        dark["button_color"] = lighten_until_readable(light["button_color"], (background,), BUTTON_ON_BACKGROUND)
    if "button_text_color" not in given and _is_color(dark["button_color"]) and (
        dark["button_color"] != button or not passes(default["button_text_color"], (button,), MIN_CONTRAST)
    ):
        dark["button_text_color"] = _readable_text_on(dark["button_color"], [
            background, light.get("text_color"), light.get("button_text_color"), default["button_text_color"],
            "#ffffff", "#000000"])
    return dark


def with_derived_dark(merged: dict[str, Any], partner_theme: Mapping[str, Any] | None,
                      override: Mapping[str, Any] | None) -> dict[str, Any]:
    """`merged` (defaults, partner theme, launch override) with its `dark` completed from the partner's own colours
    instead of our defaults; a theme whose `dark` is not an object is returned as is, for validation to refuse."""
    if not isinstance(merged.get("dark"), Mapping):
        return merged
    given = given_dark(partner_theme, override)
    set_in_light = {name for name in DEFAULT_THEME["dark"] if _set_in_light(name, partner_theme, override)}
    if not given and not set_in_light:
        return merged  # no colour of its own: our default dark goes with our default light
    return {**merged, "dark": derive_dark(merged, given, set_in_light)}
