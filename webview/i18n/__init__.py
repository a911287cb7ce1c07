"""Languages: Vietnamese first, English second; VND and Asia/Ho_Chi_Minh formatting."""

from flask import Flask
from flask_babel import get_locale, refresh

from webview.i18n.formatting import (
    format_duration,
    format_local_date,
    format_local_datetime,
    format_local_time,
    format_vn_phone,
    format_vnd,
    to_local,
)
from webview.i18n.locale import DEFAULT_LOCALE, LOCALES, TIMEZONE, select_locale

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "TIMEZONE",
    "format_duration",
    "format_local_date",
    "format_local_datetime",
    "format_local_time",
    "format_vn_phone",
    "format_vnd",
    "init_app",
    "select_locale",
    "to_local",
]


def init_app(app: Flask) -> None:
    """Choose the locale per request and register the formatting filters and the catalog command."""
    from webview.i18n import catalogs, cli

    babel_config = app.extensions["babel"]
    babel_config.locale_selector = select_locale
    babel_config.timezone_selector = lambda: TIMEZONE
    app.jinja_env.filters.update(
        vnd=format_vnd,
        local_date=format_local_date,
        local_time=format_local_time,
        local_datetime=format_local_datetime,
        duration=format_duration,
        phone=format_vn_phone,
    )
    # <html lang> is the very choice gettext and the date/duration filters use (Flask-Babel's, cached per request),
    # so a page's words, its formatting and its declared language never differ.
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or select_locale())
    # Flask-Babel caches the locale on g, and g outlives a request when the caller pushed an app
    # context first (tests, CLI); every request chooses afresh.
    app.before_request(refresh)
    catalogs.install(app)
    cli.init_app(app)
