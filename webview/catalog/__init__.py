"""The catalog feature."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the catalog feature into the app."""
