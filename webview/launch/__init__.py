"""Launch tokens, /w/launch and the server-side session record."""

from flask import Flask

from webview.launch import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the launch blueprint."""
    from webview.launch.views import bp

    app.register_blueprint(bp)
