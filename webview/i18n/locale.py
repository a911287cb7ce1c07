"""Which language a request is served in: the launch's choice, then Accept-Language, then Vietnamese."""

from __future__ import annotations

from flask import has_request_context, request

DEFAULT_LOCALE = "vi"
LOCALES = ("vi", "en")
TIMEZONE = "Asia/Ho_Chi_Minh"


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
    from webview.launch.sessions import current_launch

    launch = current_launch()
    chosen = normalise_locale(launch.locale) if launch is not None else None
    if chosen:
        return chosen
    return normalise_locale(request.accept_languages.best_match(LOCALES)) or DEFAULT_LOCALE
