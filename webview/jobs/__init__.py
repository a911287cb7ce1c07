"""The jobs feature."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the jobs feature into the app."""
