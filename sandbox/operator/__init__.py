"""The operator panel: refund (partial or full) and cancel orders as the CLI does."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register /sandbox/operator and `flask sandbox set-style`."""
    from sandbox.operator import cli  # noqa: F401  (adds set-style to the `flask sandbox` group)
    from sandbox.operator.views import bp

    app.register_blueprint(bp)
