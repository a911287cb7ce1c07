"""Limits counted by hand, where a decorator cannot say the key (a partner code, a sign-in email).

They share Flask-Limiter's storage (RATELIMIT_STORAGE_URI) and its key prefix (RATELIMIT_KEY_PREFIX), so several
deployments, or several apps in one test run, sharing a Redis never count against each other.
"""

from __future__ import annotations

from flask import current_app
from limits import parse as parse_limit

from webview.extensions import limiter


def hit(setting: str, scope: str, key: str) -> bool:
    """Count one hit of `key` in `scope` against the limit the config `setting` names; False once it is exhausted
    (always True when RATELIMIT_ENABLED is off)."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    prefix = config.get("RATELIMIT_KEY_PREFIX") or ""
    return limiter.limiter.hit(parse_limit(config[setting]), *([prefix] if prefix else []), scope, key)
