"""The booking feature."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the booking feature into the app."""
