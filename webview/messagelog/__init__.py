"""The partner message log (redacted exchanges, both directions)."""

from flask import Flask

from webview.messagelog import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Nothing to wire yet beyond the models."""
