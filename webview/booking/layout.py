"""What every screen's layout needs: the partner's brand and its theme as CSS custom properties."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask import request
from flask_babel import get_locale
from markupsafe import Markup

from webview.launch.models import LaunchSession
from webview.launch.options import WEB_BAR_HIDE, switchable_locales
from webview.partners.models import Partner
from webview.themes import css_variables, resolve_theme

log = logging.getLogger(__name__)

# One declaration per line as css_variables renders it; anything else never reaches the page.
DECLARATION = re.compile(r"--wv-[a-z0-9-]+:\s*[#0-9A-Za-z .,'\"()-]+;")
SAFE_LOGO = re.compile(r"(?:/(?!/)[A-Za-z0-9/._-]+|data:image/(?:png|webp|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]+)")


# The language switch names each language in itself (a user who cannot read the current one still finds theirs).
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


@dataclass(frozen=True)
class LanguageChoice:
    """One button of the VI/EN switch in the web bar."""

    code: str
    label: str  # "VI", "EN"
    name: str  # the language's own name, for screen readers
    current: bool


@dataclass(frozen=True)
class Brand:
    """The partner as the header shows it."""

    name: str
    initials: str
    logo_src: str | None


def brand_for(partner: Partner) -> Brand:
    """Name, initials and a logo that loads from this host only (CSP allows 'self' and data: images)."""
    words = partner.name.split()
    initials = "".join(word[0] for word in words[:2]).upper() or "?"
    logo = partner.logo_url if partner.logo_url and SAFE_LOGO.fullmatch(partner.logo_url) else None
    return Brand(partner.name, initials, logo)


def checked_declarations(text: str) -> str | None:
    """The declarations joined for a <style> block, or None if any line is not a plain token."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not all(DECLARATION.fullmatch(line) for line in lines):
        return None
    return "".join(lines)


def theme_css(partner: Partner, override: dict | None) -> str | None:
    """The partner's theme with the launch override on top, as :root rules (light, then dark)."""
    theme = resolve_theme(partner.theme or {}, override or {})
    light = checked_declarations(css_variables(theme, dark=False))
    if light is None:
        log.error("theme of partner %s rendered unexpected CSS; using the default look", partner.code)
        return None
    css = f":root{{{light}}}"
    if theme.get("dark"):
        dark = checked_declarations(css_variables(theme, dark=True))
        if dark:
            css += f"@media (prefers-color-scheme:dark){{:root{{{dark}}}}}"
    return css


def language_choices() -> list[LanguageChoice]:
    """The switch's buttons, the request's language marked current."""
    current = str(get_locale() or "")
    return [LanguageChoice(code, code.upper(), LANGUAGE_NAMES.get(code, code), code == current)
            for code in switchable_locales()]


def layout_context(launch: LaunchSession | None) -> dict:
    """Template variables for base.html, computed once per request."""
    if launch is None:
        return {}
    cached = request.environ.get("webview.layout")
    if cached is None:
        css = theme_css(launch.partner, launch.theme_override)
        cached = request.environ["webview.layout"] = {
            "page_brand": brand_for(launch.partner),
            "page_theme_css": Markup(css) if css else None,  # noqa: S704  (declarations checked above)
            "web_bar_hidden": launch.web_bar == WEB_BAR_HIDE,
            # a page reached by a GET can be shown again in the other language; a posted one (the review) cannot
            "language_switch": language_choices() if request.method == "GET" else None,
            "language_return": request.full_path.rstrip("?"),
        }
    return cached
