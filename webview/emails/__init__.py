"""The emails feature."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the emails feature into the app."""
