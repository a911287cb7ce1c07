"""The host shell: /sandbox/, the page that plays the partner super app around the webview."""

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l

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


def init_app(app: Flask) -> None:
    """Register the shell blueprint (it also serves the sandbox's stylesheet and scripts) and the navigation."""
    from sandbox.shell.views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["sandbox_nav"] = sandbox_nav
