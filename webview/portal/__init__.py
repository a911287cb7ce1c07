"""The partner portal at /portal/: partner accounts (admin, developer, finance) and merchant operators.

How to add a page (read this first)
-----------------------------------
1. A module in this package (e.g. `webview/portal/golive.py`) imports the blueprint and the helpers:

       from webview.portal import bp
       from webview.portal.auth import audit, current_partner, require_role
       from webview.portal.nav import add_nav
       from webview.portal.models import ADMIN, DEVELOPER, FINANCE, OPERATOR

   and add its module name to `PAGE_MODULES` below (a one-word edit: the list is the one place page modules are
   imported, before the blueprint is registered — a route added after that is an error).
2. A partner's page takes the partner code in its URL and names the roles that may open it:

       @bp.get("/p/<code>/golive")
       @require_role(ADMIN, OPERATOR)
       def golive(code):
           partner = current_partner()   # already checked: another partner's user got 404, a wrong role 403
           ...

   `require_role` implies sign-in (`portal_login_required`). An operator-only page has no `<code>`:
   `@require_role(OPERATOR)`. Never look a partner up by id or code yourself in a view: an IDOR test
   (tests/portal/test_access.py) walks every portal URL as each role of partner A against partner B.
   Objects that belong to a partner (a refund, a transaction) must be loaded with `partner_id ==
   current_partner().id` in the query and 404 otherwise.
3. Navigation: `add_nav("portal.golive", _l("Go-live"), roles=(ADMIN, OPERATOR), order=60)` at module level
   (`_l` is flask_babel.lazy_gettext); sections are "partner" (takes `code`), "operator", "account".
4. Every change is audited in the same transaction: `audit("golive.requested", partner=partner, note=...)`
   then `db.session.commit()` (or `with unit_of_work():`). Detail keys naming a secret are refused.
5. Forms: a `FlaskForm` (CSRF is on for every POST); render `{{ form.csrf_token }}` or use the macros in
   `templates/portal/_forms.html`. Templates extend `portal/base.html` and set `{% block title %}`; a page of a
   partner passes nothing more (the base reads `current_partner()`), and strings are translated (vi + en).
6. A secret shown once (a new credential): render it only in the response to the POST that made it, with
   `reveal_once(...)` from `webview.portal.pages` (never store it, flash it, log it or put it in a redirect).
"""

from __future__ import annotations

import importlib

from flask import Blueprint, Flask

from webview.portal import models  # noqa: F401  (registers the tables)

bp = Blueprint("portal", __name__, url_prefix="/portal")

# The page modules, imported at start-up in this order; the nav order comes from each entry's `order`.
PAGE_MODULES = ("account", "pages", "team", "operator", "golive", "theme_editor", "transactions", "style_page",
                "reconciliation_page")


def init_app(app: Flask) -> None:
    """Register the portal: its session cookie and login, its pages, its template helpers and `flask portal`."""
    from webview.partners.cli import partner_created
    from webview.portal.auth import current_partner, init_auth
    from webview.portal.cli import portal_cli
    from webview.portal.demo import seed_demo_operator
    from webview.portal.locale import init_locale
    from webview.portal.nav import portal_nav
    from webview.portal.onboarding import on_partner_created

    init_auth(app)
    init_locale(app)
    for name in PAGE_MODULES:
        importlib.import_module(f"webview.portal.{name}")
    app.register_blueprint(bp)
    app.jinja_env.globals.update(portal_nav=portal_nav, current_partner=current_partner)
    app.cli.add_command(portal_cli)
    partner_created.connect(on_partner_created)  # `flask partners create` emails the activation link

    from webview.demo import register_seed_step

    register_seed_step("portal-operator", seed_demo_operator)
