"""The templates' gettext: the request's catalog found in one step, not Flask-Babel's walk per word.

Flask-Babel's Jinja callables call `get_translations()` for every `_()` in a template, and each call walks Flask's
contexts several times (g, the domain, the locale: about ten proxy lookups). A screen translates 30–60 words, which
made that walk ~12 % of a screen's work. Here the locale Flask-Babel chose for this context (`babel_locale`,
including a `force_locale` block's) picks the catalog from a per-process map: one lookup per word. The first word
of a request, before Flask-Babel has chosen, goes through Flask-Babel itself, so the choice is always its own.
Catalogs are read once per process either way (Flask-Babel caches them the same way; a deploy restarts).
"""

from __future__ import annotations

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, g, has_app_context
from flask_babel import get_locale, get_translations

_by_locale: dict[object, NullTranslations] = {}


def _chosen() -> Locale | None:
    """The locale Flask-Babel already chose for this context (a `force_locale` block's included), if it did."""
    return getattr(getattr(g, "_flask_babel", None), "babel_locale", None)


def current_locale() -> Locale | None:
    """Flask-Babel's `get_locale()`, in one lookup once the context's locale is chosen; None outside a context."""
    if not has_app_context():
        return None
    return _chosen() or get_locale()


def current_translations() -> NullTranslations:
    """The catalog of the locale Flask-Babel chose for the current context (a forced locale included)."""
    locale = _chosen()
    if locale is None:
        return get_translations()
    translations = _by_locale.get(locale)
    if translations is None:
        translations = _by_locale[locale] = get_translations()
    return translations


def install(app: Flask) -> None:
    """Replace Flask-Babel's Jinja gettext callables (same behaviour, newstyle) with `current_translations` ones."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
