"""The partner API's blueprint, defined once: its views (views.py, payments.py) register on it.

Before authentication only the client address counts against the rate limit; each partner's own limit counts after
its signature verifies (`auth.count_partner_call`), so an unsigned call naming a partner cannot use up its limit.
"""

from __future__ import annotations

from flask import Blueprint

from webview.api.auth import address_rate_limit, client_address_key
from webview.api.openapi import register_openapi
from webview.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api")
register_openapi(bp)
limiter.limit(address_rate_limit, key_func=client_address_key)(bp)
