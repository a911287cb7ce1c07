"""Themes as the screens use them: the resolved token set and its CSS custom properties.

Resolving a theme (merge default, partner and launch override, validate, check every contrast pair) and
rendering its CSS are pure functions of the theme objects, so both are kept in per-process LRU caches keyed by the
objects' canonical JSON: a partner's edited theme or another launch override is another key and shows at once, in
every process, with nothing to invalidate. A caller gets its own copy of a resolved theme (it may change it).
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache

from webview.themes.validation import COLOR_TOKENS, DEFAULT_THEME, FONT_STACKS, drawn_foreground, effective_theme

log = logging.getLogger(__name__)

THEME_CACHE_SIZE = 1024  # distinct (partner theme, launch override) pairs kept per process


def theme_key(theme: dict | None) -> str | None:
    """The canonical JSON of a theme object (None when it has no JSON form: then it is resolved uncached)."""
    try:
        return json.dumps(theme or {}, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None


def _copy(theme: dict) -> dict:
    """A copy the caller may change: token values are strings and numbers, `dark` the only nested object."""
    copied = dict(theme)
    if isinstance(copied.get("dark"), dict):
        copied["dark"] = dict(copied["dark"])
    return copied


def _resolve(partner_theme: dict, override: dict | None) -> dict:
    theme, problems = effective_theme(partner_theme or {}, override)
    if not problems:
        return theme
    log.warning("launch theme override refused at render time: %s", ", ".join(problems))
    theme, problems = effective_theme(partner_theme or {}, None)
    if not problems:
        return theme
    log.warning("partner theme refused at render time: %s", ", ".join(problems))
    return effective_theme({}, None)[0]


@lru_cache(maxsize=THEME_CACHE_SIZE)
def _resolved(partner_key: str, override_key: str) -> dict:
    return _resolve(json.loads(partner_key), json.loads(override_key))


def resolve_theme(partner_theme: dict, override: dict | None) -> dict:
    """The theme to render: default, partner and launch override merged; a theme that fails validation
    (it never should: both are validated on the way in) falls back to the partner's, then the default."""
    partner_key, override_key = theme_key(partner_theme), theme_key(override)
    if partner_key is None or override_key is None:
        return _resolve(partner_theme, override)
    return _copy(_resolved(partner_key, override_key))


def _declaration(name: str, value: str) -> str:
    return f"--wv-{name.replace('_', '-')}: {value};"


def _css_variables(theme: dict, dark: bool) -> str:
    resolved = resolve_theme(theme, None)
    tokens = resolved.get("dark", {}) if dark else resolved
    fallback = DEFAULT_THEME["dark"] if dark else DEFAULT_THEME
    lines = [_declaration(name, tokens.get(name, fallback[name])) for name in COLOR_TOKENS]
    header_text = drawn_foreground(tokens, "header_text_color")  # absent: the header uses text_color
    lines.append(_declaration("header_text_color", tokens.get(header_text, fallback.get(header_text))))
    if not dark:
        lines.append(_declaration("radius", f"{int(resolved.get('radius', DEFAULT_THEME['radius']))}px"))
        font = FONT_STACKS.get(str(resolved.get("font_stack", "system")), FONT_STACKS["system"])
        lines.append(_declaration("font-stack", font))
    return "\n".join(lines)


@lru_cache(maxsize=THEME_CACHE_SIZE)
def _cached_css_variables(key: str, dark: bool) -> str:
    return _css_variables(json.loads(key), dark)


def css_variables(theme: dict, dark: bool = False) -> str:
    """One `--wv-<token>: value;` declaration per line: the colour tokens (of `dark` when asked), the header
    text colour (`header_text_color`, else `text_color`), plus radius and font stack for the light set.
    Only validated values are rendered."""
    key = theme_key(theme)
    return _css_variables(theme, dark) if key is None else _cached_css_variables(key, dark)


def clear_theme_caches() -> None:
    """Forget every resolved theme and its CSS (tests; nothing in the product needs it: keys are the content)."""
    _resolved.cache_clear()
    _cached_css_variables.cache_clear()
