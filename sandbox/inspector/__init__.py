"""The message inspector: every exchange both ways, with signature inputs, verdicts and resend."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register /sandbox/messages."""
    from sandbox.inspector.views import bp

    app.register_blueprint(bp)
