"""Partner themes: token validation, merging, WCAG contrast and the CSS custom properties screens inline."""

from flask import Flask

from webview.themes.render import css_variables, resolve_theme
from webview.themes.validation import (
    ALL_COLOR_TOKENS,
    COLOR_TOKENS,
    CONTRAST_PAIRS,
    DEFAULT_THEME,
    FONT_STACKS,
    contrast_failures,
    contrast_ratio,
    effective_theme,
    merge_theme,
    validate_theme,
)

__all__ = [
    "ALL_COLOR_TOKENS",
    "COLOR_TOKENS",
    "CONTRAST_PAIRS",
    "DEFAULT_THEME",
    "FONT_STACKS",
    "contrast_failures",
    "contrast_ratio",
    "css_variables",
    "effective_theme",
    "merge_theme",
    "resolve_theme",
    "validate_theme",
]


def init_app(app: Flask) -> None:
    """Nothing to wire at start-up: themes are pure functions used by the API and the screens."""
