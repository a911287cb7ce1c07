"""Partner registry: onboarding, credentials, keys and the `partners` / `keys` CLI."""

from flask import Flask

from webview.partners import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the partner CLI."""
