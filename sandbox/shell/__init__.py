"""The host shell: /sandbox/, the page that plays the partner super app around the webview."""

from datetime import datetime

from flask import Flask, current_app, has_request_context, request
from flask_babel import lazy_gettext as _l

from webview.i18n import to_local
from webview.i18n.locale import add_locale_source

# The sandbox's own navigation (endpoint, label); entries whose feature is not registered are left out.
NAV = (
    ("sandbox_shell.index", _l("Host shell")),
    ("sandbox_inspector.message_list", _l("Messages")),
    ("sandbox_operator.panel", _l("Operator")),
    ("sandbox_cases.case_list", _l("Test cases")),
    ("sandbox_mail.mail_list", _l("Mail")),
)


def sandbox_nav() -> list[dict]:
    """Navigation items for templates/sandbox/base.html, marking the current section."""
    current = (request.endpoint or "").split(".", 1)[0] if request else ""
    return [{"endpoint": endpoint, "label": label, "current": endpoint.split(".", 1)[0] == current}
            for endpoint, label in NAV if endpoint in current_app.view_functions]


# The sandbox's developer pages: one language (English) whatever the webview session or the device says, so
# page words and the verdicts and reasons in the message log (always English) never mix. The wallet's payment
# page is the end user's and follows the launch like the webview.
DEVELOPER_BLUEPRINTS = frozenset({"sandbox_shell", "sandbox_inspector", "sandbox_operator", "sandbox_cases",
                                  "sandbox_mail"})
DEVELOPER_LOCALE = "en"


def developer_pages_locale() -> str | None:
    """English on the developer pages; None elsewhere (the next locale source decides)."""
    if has_request_context() and request.blueprint in DEVELOPER_BLUEPRINTS:
        return DEVELOPER_LOCALE
    return None


def sandbox_framed() -> bool:
    """The page is shown inside a frame (the host shell's phone or its payment sheet): no desktop navigation.

    Told by `?via=sheet` (the shell's sheet), `?embedded=1` (any embedder) or the browser's own
    `Sec-Fetch-Dest: iframe` (the webview frame following a redirect handoff to the wallet)."""
    return (request.args.get("via") == "sheet" or request.args.get("embedded") == "1"
            or request.headers.get("Sec-Fetch-Dest", "").lower() in {"iframe", "frame"})


def precise_time(value: datetime | None) -> str:
    """Developer pages' time: date, time to the millisecond, GMT+7 (`2026-11-30 10:45:07.123 +07:00`)."""
    if value is None:
        return "—"
    local = to_local(value)
    return f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d} +07:00"


def init_app(app: Flask) -> None:
    """Register the shell blueprint (it also serves the sandbox's stylesheet and scripts) and the navigation."""
    from sandbox.shell.views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["sandbox_nav"] = sandbox_nav
    app.jinja_env.globals["sandbox_framed"] = sandbox_framed
    app.jinja_env.filters["precise_time"] = precise_time
    add_locale_source(developer_pages_locale, first=True)
