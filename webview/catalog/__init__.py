"""The catalog feature: the deterministic demo catalog (flights, hotels, VIP plans) and its searches."""

from flask import Flask

from webview.catalog import models  # noqa: F401  (tables for create_all and migrations)


def init_app(app: Flask) -> None:
    """Wire the catalog feature into the app: its CLI commands and its step of `flask demo seed`."""
    from webview.catalog import cli
    from webview.catalog.generator import seed_catalog
    from webview.demo import register_seed_step

    cli.init_app(app)
    register_seed_step("catalog", seed_catalog)
