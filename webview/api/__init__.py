"""The partner-facing API (both profiles), its errors and the OpenAPI document."""

from flask import Flask

from webview.api import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the API blueprint."""
