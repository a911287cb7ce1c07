"""The partner-facing API (both profiles), its errors and the OpenAPI document."""

from flask import Flask

from webview.api import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the API blueprint: signature-authenticated, CSRF exempt, JSON errors, rate limited per partner."""
    from webview.api import payments, reference, styled, views  # noqa: F401  (their endpoints register on bp)
    from webview.api.blueprint import bp
    from webview.api.errors import register_error_handlers
    from webview.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    register_error_handlers(app)
    reference.init_app(app)
