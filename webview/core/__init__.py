"""Health check, security headers and the `serve` command."""

from webview.core.views import init_app

__all__ = ["init_app"]
