"""Behind a proxy: Werkzeug's ProxyFix, trusting PROXY_FIX_X_FOR / PROXY_FIX_X_PROTO hops (0 = off), so client
addresses (rate limits, logs) and https (cookies, URLs) are the client's, not the proxy's."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Wrap the WSGI app when at least one proxy hop is trusted."""
    x_for, x_proto = app.config["PROXY_FIX_X_FOR"], app.config["PROXY_FIX_X_PROTO"]
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0, x_port=0, x_prefix=0)
