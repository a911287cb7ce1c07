"""Parts of a page that are the same for every request in one language, rendered once per process.

In a template, `{% call fragment("pax-sheet", max_passengers) %}…{% endcall %}` keeps the body's output keyed by the
template's name, the fragment's name, the values passed and the language the request is served in (Flask-Babel's
choice). Only for markup that reads nothing else: no request, session, partner, theme, form value, CSRF token or
CSP nonce — the key is all a fragment may depend on, so pass every value it shows (a date, a limit).

Where templates reload (debug, TEMPLATES_AUTO_RELOAD) fragments are rendered every time, so an edit shows at once;
in production a deploy restarts the processes. The store is bounded: when full it starts again.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from webview.i18n.catalogs import current_locale

FRAGMENT_STORE_SIZE = 256
_kept: dict[tuple, Markup] = {}


@pass_context
def fragment(context: Context, name: str, *key: Hashable, caller: Callable[[], Markup]) -> Markup:
    """The body's output for this template, name, key and language: rendered on first use, then kept."""
    if context.environment.auto_reload:
        return caller()
    locale = current_locale()
    kept_as = (context.name, name, key, str(locale) if locale else None)
    html = _kept.get(kept_as)
    if html is None:
        html = caller()
        if len(_kept) >= FRAGMENT_STORE_SIZE:
            _kept.clear()
        _kept[kept_as] = html
    return html


def init_app(app: Flask) -> None:
    """Make `fragment` a template global."""
    app.jinja_env.globals["fragment"] = fragment
