"""The booking feature: the screens under /w/ (search, select, travellers, review, hold, orders)."""

from flask import Flask

from webview.booking import models  # noqa: F401  (tables for create_all and migrations)


def init_app(app: Flask) -> None:
    """Wire the booking feature into the app: its screens' blueprint and the hold-expiry sweeper."""
    from webview.booking import sweeper  # noqa: F401  (registers the hold-expiry periodic job)
    from webview.booking.views import bp

    app.jinja_env.add_extension("jinja2.ext.do")  # the form macros build attribute lists
    app.register_blueprint(bp)
