"""The demo feature."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the demo feature into the app."""
