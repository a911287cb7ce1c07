"""The host shell: /sandbox/, the page that plays the partner super app around the webview."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the shell blueprint (it also serves the sandbox's stylesheet)."""
    from sandbox.shell.views import bp

    app.register_blueprint(bp)
