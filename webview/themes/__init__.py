"""The themes feature."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the themes feature into the app."""
