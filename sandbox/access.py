"""Who may use the sandbox: one guard in front of the whole /sandbox tree (docs/sandbox.md "Access").

Operator and QA tools (host shell, test API, message inspector, operator panel, test cases, mail catcher and any
other /sandbox URL) are open on loopback while no SANDBOX_TOKEN is set. Once one is set it is required from every
address, loopback included: behind a reverse proxy every caller looks like loopback. Callers present it as
`Authorization: Bearer <token>`; a browser gives it once (`?token=` on any page, or the form on the refusal page)
and then carries this guard's own cookie. The partner-side routes the merchant and the user's browser reach in a
journey (PARTNER_ENDPOINTS) are authenticated by their own signatures and PIN, never by the token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, render_template, request
from flask_babel import lazy_gettext as _l

from webview.extensions import csrf

COOKIE_NAME = "sandbox_token"
COOKIE_PATH = "/sandbox"
COOKIE_MAX_AGE = 12 * 3600
COOKIE_PURPOSE = b"webview sandbox page cookie"
MAX_TOKEN_LENGTH = 512

# The sandbox partner's side of the journeys, open to everyone like a real partner's endpoints:
PARTNER_ENDPOINTS = frozenset({
    "sandbox_partner.create",           # merchant -> partner APIs, each verifying the merchant's hmac signature
    "sandbox_partner.query",
    "sandbox_partner.refund",
    "sandbox_reconciliation.reconciliation",  # the partner's reconciliation file (hmac: verifies our signature)
    "sandbox_place_order.place_order",  # the merchant's signed and encrypted place-order redirect (envelope)
    "sandbox_pay.payment_page",         # the wallet payment page the user's browser opens (PIN 123456)
    "sandbox_styled.redirect_create",   # a styled partner's payment_url: the merchant's signed redirect create
    "sandbox_shell.app_link_pay",       # the https app link opened outside the shell: redirects to that page
    "sandbox_shell.static",             # the payment page's stylesheet and scripts
    "sandbox_access.unlock",            # takes the token itself
})

REFUSALS = {
    "loopback_only": (403, _l("The sandbox is open on loopback only; set SANDBOX_TOKEN to allow other callers.")),
    "token_required": (401, _l("This sandbox needs its token: send Authorization: Bearer <SANDBOX_TOKEN>, or "
                               "enter the token below once.")),
    "wrong_token": (403, _l("Wrong sandbox token.")),
}

bp = Blueprint("sandbox_access", __name__, url_prefix="/sandbox")


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison of a presented token with SANDBOX_TOKEN."""
    if not given or len(given) > MAX_TOKEN_LENGTH:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def cookie_value(token: str) -> str:
    """What the page cookie holds: a MAC proving the token was given (never the token itself)."""
    return hmac.new(token.encode(), COOKIE_PURPOSE, hashlib.sha256).hexdigest()


def access_refusal(remote_addr: str | None, authorization: str, cookie: str | None, token: str | None) -> str | None:
    """None when the caller may use the sandbox's operator and QA tools, else the REFUSALS key."""
    if not token:
        return None if is_loopback(remote_addr) else "loopback_only"
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() == "bearer" and given.strip():
        return None if token_matches(given, token) else "wrong_token"
    if cookie:
        return None if hmac.compare_digest(cookie.encode(), cookie_value(token).encode()) else "wrong_token"
    return "token_required"


def is_guarded(path: str, endpoint: str | None) -> bool:
    """Whether a request falls under the guard: any /sandbox URL but the partner-side routes."""
    inside = path == "/sandbox" or path.startswith("/sandbox/")
    return inside and endpoint not in PARTNER_ENDPOINTS


def safe_next(target: str | None) -> str:
    """Where to send the browser after the token was taken: a path inside the sandbox, else the shell."""
    parts = urlsplit(target or "")
    inside = parts.path == "/sandbox" or parts.path.startswith("/sandbox/")
    if parts.scheme or parts.netloc or not inside or "\\" in (target or ""):
        return "/sandbox/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def address_without_token() -> str:
    """This request's path and query, without a `token` parameter."""
    query = urlencode([(key, value) for key, value in request.args.items(multi=True) if key != "token"])
    return request.path + (f"?{query}" if query else "")


def remember(response: Response, token: str) -> Response:
    """Set this guard's cookie: HttpOnly, SameSite=Strict, only sent to /sandbox."""
    response.set_cookie(COOKIE_NAME, cookie_value(token), max_age=COOKIE_MAX_AGE, path=COOKIE_PATH, httponly=True,
                        samesite="Strict", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def refuse(reason: str) -> Response:
    """The refusal: JSON for the test API, a page with the token form elsewhere."""
    status, message = REFUSALS[reason]
    if request.path.startswith("/sandbox/api/"):
        response = jsonify(error=str(message))
    else:
        next_path = safe_next(address_without_token() if request.method in {"GET", "HEAD"} else request.path)
        response = Response(render_template("sandbox/locked.html", message=message, next_path=next_path,
                                            with_form=bool(current_app.config.get("SANDBOX_TOKEN"))), status)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sandbox"'
    return response


def guard_sandbox() -> Response | None:
    """before_request: refuse operator and QA URLs to callers without loopback or the token (see the module)."""
    if not is_guarded(request.path, request.endpoint):
        return None
    token = current_app.config.get("SANDBOX_TOKEN")
    given = request.args.get("token")
    if token and given is not None and request.method in {"GET", "HEAD"} and not request.path.startswith(
            "/sandbox/api/"):
        if not token_matches(given, token):
            return refuse("wrong_token")
        return remember(redirect(address_without_token(), code=303), token)
    reason = access_refusal(request.remote_addr, request.headers.get("Authorization", ""),
                            request.cookies.get(COOKIE_NAME), token)
    return refuse(reason) if reason else None


@bp.post("/unlock")
@csrf.exempt  # it only sets the guard's cookie, and only for the right token
def unlock() -> Response:
    """The refusal page's form: check the token, keep it in the cookie, go back to the page."""
    token = current_app.config.get("SANDBOX_TOKEN")
    if not token:
        return refuse("loopback_only") if not is_loopback(request.remote_addr) else redirect("/sandbox/", code=303)
    if not token_matches(request.form.get("token"), token):
        return refuse("wrong_token")
    return remember(redirect(safe_next(request.form.get("next")), code=303), token)


def init_app(app: Flask) -> None:
    """Register the unlock form and put the guard first, before CSRF and every other hook, so it answers first."""
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, guard_sandbox)
