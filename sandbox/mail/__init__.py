"""The sandbox mail catcher: /sandbox/mail (HTML) and GET /sandbox/api/mail (JSON) over the sent_email store."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the mail catcher blueprint."""
    from sandbox.mail.views import bp

    app.register_blueprint(bp)
