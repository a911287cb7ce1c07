"""The sandbox partner's hmac APIs the merchant calls: create, query and refund (DESIGN.md sandbox URLs)."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox.credentials import PartnerCredentials, load_credentials
from sandbox.exchange import INBOUND
from sandbox.partner.schemas import CreateTransactionBody, RefundBody, RequestInvalid, parse_body
from sandbox.partner.services import (
    CODES,
    PartnerApiError,
    create_transaction,
    find_transaction,
    payment_links,
    refund_transaction,
    refund_view,
)
from sandbox.partner.styled import spoken_style, styled_create, styled_query, styled_refund
from sandbox.protocol import hmac_auth
from webview.extensions import csrf, db
from webview.messagelog.services import log_exchange

bp = Blueprint("sandbox_partner", __name__, url_prefix="/sandbox/partner")


def answer(code: int = 0, data: dict | None = None, message: str | None = None,
           http_status: int | None = None) -> Response:
    """The {"code", "message", "data"?} envelope."""
    default_message, default_status = CODES[code]
    body: dict = {"code": code, "message": message or default_message}
    if data is not None:
        body["data"] = data
    response = jsonify(body)
    response.status_code = http_status or default_status
    return response


def note(**fields) -> None:
    """Add facts to this request's message-log entry."""
    g.setdefault("sandbox_exchange", {}).update(fields)


def raw_request_target() -> bytes:
    """The request target as sent (path and query, no '?' when the query is empty)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        return raw.encode("latin-1")
    query = request.query_string.decode("latin-1")
    return (request.path + ("?" + query if query else "")).encode()


def authenticate_merchant(partner_code: str) -> PartnerCredentials:
    """Verify the merchant's X-Client-Id/X-Timestamp/X-Signature with this partner's own secret."""
    partner = load_credentials(partner_code)
    if partner is None or partner.profile != "hmac":
        note(verdict="refused: unknown partner")
        raise PartnerApiError(7, "unknown partner")
    body = request.get_data(cache=True)
    verdict = hmac_auth.verify(
        client_id=request.headers.get(hmac_auth.HEADER_CLIENT_ID, "").strip(),
        timestamp=request.headers.get(hmac_auth.HEADER_TIMESTAMP, "").strip(),
        signature=request.headers.get(hmac_auth.HEADER_SIGNATURE, "").strip(),
        message=body if body else raw_request_target(),
        expected_client_id=partner.client_id,
        secrets=[partner.client_secret],
    )
    note(canonical=verdict.canonical, verdict=("" if verdict.ok else "refused: ") + verdict.reason)
    if not verdict.ok:
        raise PartnerApiError(7, verdict.reason)
    return partner


def styled_partner(partner_code: str):
    """(credentials, style) when this sandbox partner speaks an integration style; None otherwise."""
    style = spoken_style(partner_code)
    partner = load_credentials(partner_code) if style is not None else None
    return None if partner is None or style is None else (partner, style)


@bp.before_request
def start_exchange() -> None:
    """Start timing; the entry is written after the view."""
    g.sandbox_started = time.perf_counter()
    g.sandbox_exchange = {"kind": (request.endpoint or "").rsplit(".", 1)[-1].replace("_", "-")}


@bp.after_request
def log_inbound(response: Response) -> Response:
    """Every merchant call reaches the message log (after the view's own commit)."""
    exchange = g.pop("sandbox_exchange", None)
    if exchange is None:
        return response
    db.session.rollback()
    try:
        request_body = request.get_data(cache=True)
    except HTTPException:
        request_body = b""
    answer_json = response.get_json(silent=True) if response.is_json else None
    log_exchange(
        direction=INBOUND, method=request.method, url=request.url,
        partner_code=(request.view_args or {}).get("partner_code"),
        status_code=response.status_code,
        latency_ms=int((time.perf_counter() - g.get("sandbox_started", time.perf_counter())) * 1000),
        request_headers=dict(request.headers), request_body=request_body,
        response_body=response.get_data() if response.is_json else b"",
        result_code=str(answer_json.get("code")) if isinstance(answer_json, dict) else None,
        **exchange,
    )
    db.session.commit()
    return response


@bp.errorhandler(PartnerApiError)
def refused(error: PartnerApiError) -> Response:
    """A refusal in the code envelope."""
    db.session.rollback()
    return answer(error.code, {"fields": error.fields} if error.fields else None, error.message, error.http_status)


@bp.errorhandler(RequestInvalid)
def invalid(error: RequestInvalid) -> Response:
    """Schema errors: code 1 with the offending fields."""
    note(verdict="refused: invalid request")
    return answer(1, {"fields": error.fields})


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """JSON, never HTML, for HTTP errors raised inside these APIs (e.g. 413)."""
    return answer(1 if (error.code or 500) < 500 else 2, None, error.description, error.code)


@bp.post("/<partner_code>/transactions")
@csrf.exempt
def create(partner_code: str) -> Response:
    """Create (or return the existing) payment for the merchant's reference_transaction_id."""
    styled = styled_partner(partner_code)
    if styled is not None:
        return styled_create(*styled, raw_request_target(), note)
    partner = authenticate_merchant(partner_code)
    body = parse_body(request.get_data(cache=True), CreateTransactionBody)
    note(reference=body.reference_transaction_id)
    transaction, created = create_transaction(partner, body)
    note(verdict=f"signature ok; {'created' if created else 'existing'} {transaction.transaction_id}")
    links = payment_links(transaction, partner.handoff, current_app.config["PUBLIC_BASE_URL"])
    return answer(0, {"transaction_id": transaction.transaction_id, **links})


@bp.route("/<partner_code>/transactions/query", methods=["GET", "POST"])
@csrf.exempt
def query(partner_code: str) -> Response:
    """The status of one payment, by the merchant's reference (POST: styles whose query is a POST)."""
    styled = styled_partner(partner_code)
    if styled is not None:
        return styled_query(*styled, raw_request_target(), note)
    if request.method != "GET":
        raise PartnerApiError(1, "the query is a GET", http_status=405)
    authenticate_merchant(partner_code)
    reference = request.args.get("reference_transaction_id", "").strip()
    if not reference or len(reference) > 64:
        raise RequestInvalid(["reference_transaction_id"])
    note(reference=reference)
    transaction = find_transaction(partner_code, reference)
    if transaction is None:
        raise PartnerApiError(3)
    return answer(0, {"transaction_id": transaction.transaction_id, "status": transaction.status,
                      "amount": transaction.amount, "reference_transaction_id": reference,
                      "refunded_amount": transaction.refunded_amount})


@bp.post("/<partner_code>/refunds")
@csrf.exempt
def refund(partner_code: str) -> Response:
    """Refund part or all of a paid transaction (idempotent on request_id)."""
    styled = styled_partner(partner_code)
    if styled is not None:
        return styled_refund(*styled, raw_request_target(), note)
    authenticate_merchant(partner_code)
    body = parse_body(request.get_data(cache=True), RefundBody)
    note(reference=body.reference_transaction_id)
    result = refund_transaction(partner_code, body)
    data = {**refund_view(result), "transaction_id": result.transaction.transaction_id,
            "refunded_amount": result.transaction.refunded_amount}
    return answer(result.result_code, data)
