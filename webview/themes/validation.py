"""Theme tokens (DESIGN "Theming"): validation, merging and WCAG contrast, as pure functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

COLOR_TOKENS: tuple[str, ...] = (
    "bg_color",
    "text_color",
    "hint_color",
    "link_color",
    "button_color",
    "button_text_color",
    "secondary_bg_color",
    "header_bg_color",
    "accent_text_color",
    "destructive_text_color",
    "success_color",
    "warning_color",
)
# Optional colour tokens: when absent, the screens draw with another token (`HEADER_TEXT_FALLBACK`).
OPTIONAL_COLOR_TOKENS: tuple[str, ...] = ("header_text_color",)
ALL_COLOR_TOKENS: tuple[str, ...] = (*COLOR_TOKENS, *OPTIONAL_COLOR_TOKENS)
HEADER_TEXT_FALLBACK = "text_color"
ONBOARDING_ONLY = ("radius", "logo_url", "font_stack")  # set at onboarding, never by a launch override
THEME_KEYS = (*ALL_COLOR_TOKENS, "radius", "dark", "logo_url", "font_stack")
MIN_CONTRAST = 4.5
# Every foreground/background pair the screens draw text with (static/css/app.css, templates/base.html), in light
# and in dark alike. The first two are the pairs of DESIGN and are named by their foreground token alone
# ("theme.text_color"); every other pair is named "theme.<foreground>/<background>".
CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    ("text_color", "bg_color"),  # text on cards, forms and the sticky action bar
    ("button_text_color", "button_color"),  # buttons, the active tab, the "best" pill, the monogram
    ("text_color", "secondary_bg_color"),  # the page itself, pills, notes, airline badges
    ("header_text_color", "header_bg_color"),  # header title, back arrow, user name; bottom navigation (all items)
    ("link_color", "bg_color"),  # links and ghost buttons on cards, the swap button
    ("link_color", "secondary_bg_color"),  # links on the page background
    ("hint_color", "bg_color"),  # hint text, muted lines, labels of key/value lists on cards
    ("hint_color", "secondary_bg_color"),  # section titles and steps on the page background
    ("accent_text_color", "bg_color"),  # prices and the hold countdown on cards
    ("accent_text_color", "secondary_bg_color"),  # product badges
    ("destructive_text_color", "bg_color"),  # field errors, the danger button, the expired countdown
)
SHORT_NAMED_PAIRS = CONTRAST_PAIRS[:2]
RADIUS_RANGE = (0, 24)
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")

# System font stacks only: no web fonts to download inside a partner app.
FONT_STACKS: dict[str, str] = {
    "system": 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "humanist": '"Segoe UI", Candara, "Noto Sans", "DejaVu Sans", Roboto, sans-serif',
    "serif": 'Georgia, "Noto Serif", "Times New Roman", Times, serif',
    "rounded": 'ui-rounded, "SF Pro Rounded", "Nunito", "Segoe UI", Roboto, sans-serif',
    "monospace": 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace',
}

DEFAULT_THEME: dict[str, Any] = {
    "bg_color": "#ffffff",
    "text_color": "#1f2328",
    "hint_color": "#59636e",
    "link_color": "#0b57d0",
    "button_color": "#0b57d0",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f3f5f7",
    "header_bg_color": "#ffffff",
    "accent_text_color": "#0b57d0",
    "destructive_text_color": "#b3261e",
    "success_color": "#1a7f37",
    "warning_color": "#9a6700",
    "radius": 12,
    "dark": {
        "bg_color": "#16181d",
        "text_color": "#e8eaed",
        "hint_color": "#9aa0a6",
        "link_color": "#8ab4f8",
        "button_color": "#8ab4f8",
        "button_text_color": "#0b1f3a",
        "secondary_bg_color": "#23262d",
        "header_bg_color": "#1c1f25",
        "accent_text_color": "#8ab4f8",
        "destructive_text_color": "#f28b82",
        "success_color": "#81c995",
        "warning_color": "#fdd663",
    },
}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour."""
    if not isinstance(color, str) or not HEX_COLOR.fullmatch(color):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two #rrggbb colours (1.0 to 21.0, order does not matter)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def _is_color(value: object) -> bool:
    return isinstance(value, str) and HEX_COLOR.fullmatch(value) is not None


def drawn_foreground(tokens: Mapping[str, Any], foreground: str) -> str:
    """The token the screens really draw with: `header_text_color` falls back to `text_color` when absent."""
    if foreground == "header_text_color" and tokens.get(foreground) is None:
        return HEADER_TEXT_FALLBACK
    return foreground


def contrast_failures(tokens: Mapping[str, Any], prefix: str = "theme") -> list[tuple[str, str, str, float]]:
    """(path, foreground token, background token, ratio) of each drawn pair, both given and well-formed, that
    is below AA contrast. Only what `tokens` holds is checked (a partial theme is checked again once merged)."""
    failures = []
    for pair in CONTRAST_PAIRS:
        background = pair[1]
        foreground = drawn_foreground(tokens, pair[0])
        fg, bg = tokens.get(foreground), tokens.get(background)
        if not (_is_color(fg) and _is_color(bg)):
            continue
        ratio = contrast_ratio(fg, bg)
        if ratio < MIN_CONTRAST:
            path = f"{prefix}.{foreground}" if pair in SHORT_NAMED_PAIRS else f"{prefix}.{foreground}/{background}"
            failures.append((path, foreground, background, ratio))
    return failures


def _contrast_problems(tokens: Mapping[str, Any], prefix: str) -> list[str]:
    """Paths naming each drawn pair (both given and well-formed) that is below AA contrast."""
    return [failure[0] for failure in contrast_failures(tokens, prefix)]


def _color_problems(tokens: Mapping[str, Any], prefix: str, allowed: tuple[str, ...]) -> list[str]:
    problems = []
    for name, value in tokens.items():
        if not isinstance(name, str) or name not in allowed or not _is_color(value):
            problems.append(f"{prefix}.{name}")
    return problems


def _valid_logo_url(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 500 and not any(c.isspace() for c in value)


def validate_theme(data: object, launch_override: bool = False) -> list[str]:
    """The sorted offending paths of a theme object ([] when it is fine); checks only what it is given.

    A launch override may carry colour tokens and `dark` only; onboarding may also set radius, logo_url
    and font_stack.
    """
    if not isinstance(data, Mapping):
        return ["theme"]
    allowed = (*ALL_COLOR_TOKENS, "dark") if launch_override else THEME_KEYS
    problems: set[str] = set()
    for name, value in data.items():
        path = f"theme.{name}"
        if not isinstance(name, str) or name not in allowed:
            problems.add(path)
        elif name in ALL_COLOR_TOKENS:
            if not _is_color(value):
                problems.add(path)
        elif name == "radius":
            low, high = RADIUS_RANGE
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                problems.add(path)
        elif name == "font_stack":
            if not isinstance(value, str) or value not in FONT_STACKS:
                problems.add(path)
        elif name == "logo_url":
            if not _valid_logo_url(value):
                problems.add(path)
        elif name == "dark":
            if not isinstance(value, Mapping):
                problems.add(path)
            else:
                problems.update(_color_problems(value, "theme.dark", ALL_COLOR_TOKENS))
                problems.update(_contrast_problems(value, "theme.dark"))
    problems.update(_contrast_problems(data, "theme"))
    return sorted(problems)


def merge_theme(base: dict, override: dict | None) -> dict:
    """A new theme: `base` with the tokens of `override` on top (`dark` merged token by token)."""
    merged = deepcopy(dict(base))
    for name, value in (override or {}).items():
        if name == "dark" and isinstance(value, Mapping) and isinstance(merged.get("dark"), Mapping):
            merged["dark"] = {**merged["dark"], **deepcopy(dict(value))}
        else:
            merged[name] = deepcopy(value)
    return merged


def effective_theme(partner_theme: dict, override: dict | None) -> tuple[dict, list[str]]:
    """The theme a screen uses (default, then the partner's, then the launch override) and its problems."""
    merged = merge_theme(merge_theme(DEFAULT_THEME, partner_theme or {}), override)
    from webview.themes.dark import with_derived_dark  # dark.py builds on this module (no import cycle)
    merged = with_derived_dark(merged, partner_theme, override)  # dark tokens the partner omits, from its colours
    return merged, validate_theme(merged)
