"""The portal's language: the user's choice (a cookie under /portal), else the browser's, else Vietnamese."""

from __future__ import annotations

from flask import Flask, request

from webview.i18n import LOCALES
from webview.i18n.locale import add_locale_source, normalise_locale
from webview.portal.auth import PORTAL_PATH, is_portal_request

LANGUAGE_COOKIE = "wv_portal_lang"


def portal_locale() -> str | None:
    """The language chosen on a portal page (None elsewhere, or when nothing was chosen)."""
    from flask import has_request_context

    if not has_request_context() or not is_portal_request():
        return None
    return normalise_locale(request.cookies.get(LANGUAGE_COOKIE))


def set_language_cookie(response, locale: str) -> None:
    """Remember the portal language on this browser (path /portal, a year)."""
    if locale in LOCALES:
        response.set_cookie(LANGUAGE_COOKIE, locale, max_age=365 * 24 * 3600, path=PORTAL_PATH, httponly=True,
                            samesite="Strict", secure=request.is_secure)


def init_locale(app: Flask) -> None:
    """Portal pages answer in the portal's chosen language before any launch session's."""
    add_locale_source(portal_locale, first=True)
