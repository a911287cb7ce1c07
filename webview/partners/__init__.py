"""Partner registry: onboarding, credentials, keys and the `partners` / `keys` CLI."""

from flask import Flask

from webview.partners import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the partner CLI, and `support_contact(partner or id)` for templates (the order screens' help)."""
    from webview.partners.cli import keys_cli, partners_cli
    from webview.partners.services import support_contact

    app.cli.add_command(partners_cli)
    app.cli.add_command(keys_cli)
    app.jinja_env.globals["support_contact"] = support_contact
