"""The partner API endpoints of the launch (both profiles)."""

from __future__ import annotations

import time

from flask import current_app, g, request, url_for
from werkzeug.exceptions import HTTPException

from webview.api.auth import authenticate_hmac, note_exchange
from webview.api.blueprint import bp
from webview.api.envelope import (
    EnvelopeRefusal,
    identify_envelope_partner,
    open_envelope_request,
    refusal_response,
    sealed_reply,
)
from webview.api.errors import ApiError, api_response, envelope_plain_error, is_envelope_path
from webview.api.payments import partner_commit, partner_query_trans
from webview.api.schemas import WebviewUrlRequest, parse_json_body
from webview.core.metrics import observe_api_exchange
from webview.extensions import db
from webview.launch.services import LaunchRequest, issue_launch_token
from webview.messagelog.services import log_exchange
from webview.products import DEFAULT_PRODUCT, PRODUCTS
from webview.signing.envelope import LOGIN_REQUEST, LOGIN_RESPONSE
from webview.themes import validate_theme

BODYLESS_METHODS = frozenset({"GET", "HEAD"})


@bp.before_request
def start_exchange():
    """Start the message-log entry, refuse a body on GET/HEAD and insist on JSON bodies."""
    g.api_started = time.perf_counter()
    g.api_exchange = {"kind": request.endpoint.rsplit(".", 1)[-1].replace("_", "-") if request.endpoint else ""}
    if request.endpoint == "api.styled_ipn":
        return None  # a styled partner's transport (form, query, GET) is the style's: it answers in its own words
    if request.method in BODYLESS_METHODS and request.get_data(cache=True):
        # A GET is signed over its request target only when it has no body: a body would be all that is signed,
        # so a signature made for anything else (a result link, one of our own calls) would fit it.
        note_exchange(verdict="refused: a GET or HEAD request carries no body")
        if request.endpoint == "api.booking_detail":
            note_exchange(result_code="07")
            return envelope_plain_error("07")
        raise ApiError(1, "a GET or HEAD request carries no body", fields=["body"])
    if request.method == "POST" and request.mimetype != "application/json":
        if is_envelope_path():
            return None  # envelope calls answer 07 from their own parser
        raise ApiError(1, "send the body as application/json", fields=["body"], http_status=415)
    return None


@bp.after_request
def log_api_exchange(response):
    """Every partner call lands in the message log, after the view's own transaction; logging never fails it."""
    exchange = g.pop("api_exchange", None)
    if exchange is None or request.endpoint in {"api.openapi_document"}:
        return response
    observe_api_exchange(exchange, response)  # IPN outcomes by code (webview.core.metrics)
    db.session.rollback()
    try:
        request_body = request.get_data(cache=True)
    except HTTPException:  # e.g. the body was too large to read
        request_body = b""
    facts = {
        "direction": "inbound",
        "method": request.method,
        "url": request.url,
        "status_code": response.status_code,
        "latency_ms": int((time.perf_counter() - g.get("api_started", time.perf_counter())) * 1000),
        **exchange,
    }
    try:
        log_exchange(request_headers=dict(request.headers), request_body=request_body,
                     response_body=response.get_data() if response.is_json else b"", **facts)
        db.session.commit()
    except Exception as error:  # whatever broke the entry, the partner still gets its answer
        db.session.rollback()
        current_app.logger.warning("message log: full entry not written (%s); keeping a reduced one",
                                   type(error).__name__)
        reduced = {**facts, "verdict": f"{facts.get('verdict', '')} [entry reduced: {type(error).__name__}]"}
        try:
            log_exchange(**reduced)
            db.session.commit()
        except Exception as second:  # the log store itself is down
            db.session.rollback()
            current_app.logger.error("message log: exchange not logged (%s)", type(second).__name__)
    return response


def launch_urls(grant, partner_code: str) -> dict:
    """url_open and url_checkout_result for a fresh launch."""
    base = current_app.config["PUBLIC_BASE_URL"]
    return {
        "url_open": base + url_for("launch.launch", token=grant.token),
        "url_checkout_result": f"{base}/w/result?partner_code={partner_code}",
        "request_id": grant.request_id,
        "expires_at": grant.expires_at_ms,
    }


@bp.post("/v1/webview-url")
def webview_url():
    """hmac: return the one-time URL that opens the webview for a partner's user."""
    partner = authenticate_hmac()
    body = parse_json_body(request.get_data(cache=True), WebviewUrlRequest)
    if body.theme is not None:
        bad = validate_theme(body.theme, launch_override=True)
        if bad:
            raise ApiError(1, "invalid theme", fields=bad)
    grant = issue_launch_token(
        partner,
        LaunchRequest(**body.model_dump(exclude_none=False)),
        current_app.config["LAUNCH_TOKEN_TTL_SECONDS"],
    )
    db.session.commit()
    note_exchange(verdict="launch issued")
    return api_response(0, launch_urls(grant, partner.code))


@bp.post("/v1/partner/login")
def partner_login():
    """envelope: the same launch, answered with a sealed redirect_url."""
    values: dict[str, str] = {"redirect_url": ""}
    try:
        partner = identify_envelope_partner()
        values = open_envelope_request(partner, LOGIN_REQUEST)
        layout, product = values.get("layout") or "dual", values.get("product") or DEFAULT_PRODUCT.code
        user_id = values.get("user_id", "")
        if layout not in {"single", "dual"} or product not in PRODUCTS or not user_id:
            raise EnvelopeRefusal("07", "layout, product or user_id invalid", partner)
        if len(user_id) > 100:
            raise EnvelopeRefusal("07", "user_id too long", partner)
        grant = issue_launch_token(
            partner,
            LaunchRequest(identify_code=user_id, layout=layout, product=product),
            current_app.config["LAUNCH_TOKEN_TTL_SECONDS"],
        )
        db.session.commit()
    except EnvelopeRefusal as refusal:
        db.session.rollback()
        return refusal_response(refusal, LOGIN_RESPONSE, {"redirect_url": ""})
    note_exchange(verdict="launch issued")
    reply = {
        "access_code": partner.access_code,
        "error_code": "00",
        "redirect_url": launch_urls(grant, partner.code)["url_open"],
    }
    return sealed_reply(partner, LOGIN_RESPONSE, reply, "00")



# Gotadi-compatible aliases (issue 14): their published client code posts to /api/partner/*. The same view
# functions under the same endpoint names, so rate limits, CSRF exemption, the message log and errors are the same.
GOTADI_ALIASES = {
    "/partner/login": partner_login,
    "/partner/commit": partner_commit,
    "/partner/query-trans": partner_query_trans,
}
for _alias, _view in GOTADI_ALIASES.items():
    bp.add_url_rule(_alias, view_func=_view, methods=["POST"])
