"""The catalog feature: the deterministic demo catalog (flights, hotels, VIP plans) and its searches."""

from flask import Flask

from webview.catalog import models  # noqa: F401  (tables for create_all and migrations)


def init_app(app: Flask) -> None:
    """Wire the catalog feature into the app: its CLI commands."""
    from webview.catalog import cli

    cli.init_app(app)
