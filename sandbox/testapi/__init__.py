"""The sandbox test API (DESIGN.md "Hooks"): launch as a demo partner, drive payments, read the partner's view."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the /sandbox/api blueprint."""
    from sandbox.testapi.views import bp

    app.register_blueprint(bp)
