"""Themes as the screens use them: the resolved token set and its CSS custom properties."""

from __future__ import annotations

import logging

from webview.themes.validation import COLOR_TOKENS, DEFAULT_THEME, FONT_STACKS, drawn_foreground, effective_theme

log = logging.getLogger(__name__)


def resolve_theme(partner_theme: dict, override: dict | None) -> dict:
    """The theme to render: default, partner and launch override merged; a theme that fails validation
    (it never should: both are validated on the way in) falls back to the partner's, then the default."""
    theme, problems = effective_theme(partner_theme or {}, override)
    if not problems:
        return theme
    log.warning("launch theme override refused at render time: %s", ", ".join(problems))
    theme, problems = effective_theme(partner_theme or {}, None)
    if not problems:
        return theme
    log.warning("partner theme refused at render time: %s", ", ".join(problems))
    return effective_theme({}, None)[0]


def _declaration(name: str, value: str) -> str:
    return f"--wv-{name.replace('_', '-')}: {value};"


def css_variables(theme: dict, dark: bool = False) -> str:
    """One `--wv-<token>: value;` declaration per line: the colour tokens (of `dark` when asked), the header
    text colour (`header_text_color`, else `text_color`), plus radius and font stack for the light set.
    Only validated values are rendered."""
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
