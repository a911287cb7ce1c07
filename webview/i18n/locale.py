"""Which language a request is served in: the launch's choice, then Accept-Language, then Vietnamese."""

from __future__ import annotations

from collections.abc import Callable

from flask import has_request_context, request

DEFAULT_LOCALE = "vi"
LOCALES = ("vi", "en")
TIMEZONE = "Asia/Ho_Chi_Minh"

# Where a request's chosen language comes from before Accept-Language (the launch registers its session's locale),
# so this lower layer never imports the features built on it.
_chosen_locale_sources: list[Callable[[], str | None]] = []


def add_locale_source(source: Callable[[], str | None], *, first: bool = False) -> Callable[[], str | None]:
    """Register a function giving the request's chosen language (or None); the first answer wins.

    `first=True` puts it before the sources already registered (the sandbox's developer pages, which are English
    whatever the launch session says)."""
    if source not in _chosen_locale_sources:
        if first:
            _chosen_locale_sources.insert(0, source)
        else:
            _chosen_locale_sources.append(source)
    return source


def normalise_locale(value: str | None) -> str | None:
    """'en-US' or 'EN' → 'en'; None when the language is not one we serve."""
    if not value:
        return None
    language = value.replace("_", "-").split("-", 1)[0].strip().lower()
    return language if language in LOCALES else None


def select_locale() -> str:
    """Flask-Babel's locale selector for the current request."""
    if not has_request_context():
        return DEFAULT_LOCALE
    for source in _chosen_locale_sources:
        chosen = normalise_locale(source())
        if chosen:
            return chosen
    return normalise_locale(request.accept_languages.best_match(LOCALES)) or DEFAULT_LOCALE
