"""Launch options that change how the screens sit inside the host app: the web bar, and the language.

Both can be named in the launch request (hmac `POST /api/v1/webview-url`) and, for either profile, as query
parameters the partner app appends to `url_open` / `redirect_url` when it opens the webview (the app knows its
own header and its user's language); a parameter in the URL wins over the launch request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from webview.i18n.locale import LOCALES, normalise_locale

WEB_BAR_SHOW = "show"  # the webview draws its top bar (title, back arrow, language)
WEB_BAR_HIDE = "hide"  # the host app's own header is the only header: no second bar, no second back arrow
WEB_BAR_OPTIONS: tuple[str, ...] = (WEB_BAR_SHOW, WEB_BAR_HIDE)
URL_OPTIONS = ("locale", "web_bar")  # the query parameters /w/launch accepts beside the token


@dataclass(frozen=True)
class OpenOptions:
    """What the partner app asked for when it opened url_open (None: not asked, the launch request decides)."""

    locale: str | None = None
    web_bar: str | None = None


class InvalidOpenOption(ValueError):
    """A launch URL parameter with a value we do not know; `names` lists the parameters."""

    def __init__(self, names: list[str]) -> None:
        super().__init__("invalid launch option: " + ", ".join(names))
        self.names = names


def open_options(args: Mapping[str, str]) -> OpenOptions:
    """The options in the launch URL's query string. A language tag is reduced to its language ("en-US" → "en");
    an unknown language or web_bar value is refused (InvalidOpenOption), never silently ignored."""
    bad: list[str] = []
    locale = args.get("locale") or None
    if locale is not None:
        locale = normalise_locale(locale)
        if locale is None:
            bad.append("locale")
    web_bar = args.get("web_bar") or None
    if web_bar is not None and web_bar not in WEB_BAR_OPTIONS:
        bad.append("web_bar")
    if bad:
        raise InvalidOpenOption(bad)
    return OpenOptions(locale=locale, web_bar=web_bar)


def switchable_locales() -> tuple[str, ...]:
    """The languages the in-page switch offers (vi first)."""
    return LOCALES
