"""Launch tokens, /w/launch and the server-side session record."""

from flask import Flask, g

from webview.launch import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the launch blueprint."""
    from webview.launch.views import bp

    app.register_blueprint(bp)
    # g outlives a request when the caller pushed an app context first (tests, CLI): look the session up afresh.
    app.before_request(lambda: g.pop("launch", None) and None)
