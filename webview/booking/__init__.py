"""The booking feature: the screens under /w/ (search, select, travellers, review, hold, orders)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the booking feature into the app: its screens' blueprint."""
    from webview.booking.views import bp

    app.jinja_env.add_extension("jinja2.ext.do")  # the form macros build attribute lists
    app.register_blueprint(bp)
