"""Security headers on every response (OWASP ASVS L2 V14.4): a nonce-based CSP, framing rules, nosniff, referrer
and permissions policies, COOP, HSTS in production, and `Cache-Control: no-store` on everything but static files."""

from __future__ import annotations

import secrets
from functools import lru_cache

from flask import Flask, Response, current_app, request

NONCE_BYTES = 18
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"
PRIVATE_PREFIXES = ("/w/", "/api/")  # screens and answers with personal data: never cacheable, whatever a view says
# Browser features no screen uses (ASVS 14.4): a partner's injected script or a framed page cannot ask for them.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth", "hid", "midi",
    "accelerometer", "gyroscope", "magnetometer", "display-capture", "browsing-topics"))


def csp_nonce() -> str:
    """This request's CSP nonce (made on first use); templates put it on <script> and <style>."""
    # kept on the request, not on g: an app context (and its g) can outlive one request
    nonce = request.environ.get("webview.csp_nonce")
    if nonce is None:
        nonce = request.environ["webview.csp_nonce"] = secrets.token_urlsafe(NONCE_BYTES)
    return nonce


def allow_csp_source(directive: str, source: str) -> None:
    """Widen one directive for this response only (e.g. form-action to a partner's payment host)."""
    extra = request.environ.setdefault("webview.csp_extra", {})
    extra.setdefault(directive, []).append(source)


def content_security_policy(nonce: str, framed_by_self: bool, extra: dict[str, list[str]] | None = None) -> str:
    """The CSP header value: same-origin only, scripts and inline styles only with the nonce."""
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"] if framed_by_self else ["'none'"],
    }
    for directive, sources in (extra or {}).items():
        bucket = directives.setdefault(directive, [])
        bucket.extend(source for source in sources if source not in bucket and source != "'none'")
        if len(bucket) > 1 and "'none'" in bucket:
            bucket.remove("'none'")
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


@lru_cache(maxsize=2)
def _policy_template(framed_by_self: bool) -> tuple[str, str, str]:
    """The usual policy (no source added for this response) split around its nonce: built once per process."""
    marker = "\x00"
    before, _, after = content_security_policy(marker, framed_by_self).partition(marker)
    head, _, tail = after.partition(marker)
    return before, head, tail


def set_security_headers(response: Response) -> Response:
    """after_request hook: add the headers unless a view already chose its own policy."""
    framed_by_self = bool(current_app.config.get("SANDBOX_ENABLED"))
    if "Content-Security-Policy" not in response.headers:
        extra = request.environ.get("webview.csp_extra")
        if extra:
            policy = content_security_policy(csp_nonce(), framed_by_self, extra)
        else:  # the same text content_security_policy writes, with this request's nonce in its two places
            nonce = csp_nonce()
            before, middle, after = _policy_template(framed_by_self)
            policy = f"{before}{nonce}{middle}{nonce}{after}"
        response.headers["Content-Security-Policy"] = policy
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN" if framed_by_self else "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("APP_ENV") == "production":  # PUBLIC_BASE_URL is https there (webview.config)
        response.headers["Strict-Transport-Security"] = HSTS
    if request.path.startswith(PRIVATE_PREFIXES):
        response.headers["Cache-Control"] = NO_STORE
    elif not is_static_file(request.endpoint):  # static files keep their cache (webview.core.assets)
        response.headers.setdefault("Cache-Control", NO_STORE)
    return response


def is_static_file(endpoint: str | None) -> bool:
    """Whether the request was for a static file (the app's or a blueprint's)."""
    return bool(endpoint) and (endpoint == "static" or endpoint.endswith(".static"))


def init_app(app: Flask) -> None:
    """Install the header hook and the `csp_nonce()` template global."""
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
