"""The styled status-in endpoint: `/api/v1/partners/<partner_code>/ipn`, in the partner's own style.

The same checks in the same order as the standard IPN (auth → schema → exists → owner → amount → state → apply),
the same payment-status service, the same replay store, and every call in the message log with the style's
canonical string — answered with the style's answer for each outcome (docs/partners/styles.md).
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app, g, request
from werkzeug.exceptions import TooManyRequests

from webview.api.auth import count_partner_call, note_exchange, now_ms, raw_request_target
from webview.api.blueprint import bp
from webview.api.errors import api_response
from webview.api.models import SeenSignature
from webview.api.replay import remember_sealed_message, remember_signature
from webview.booking.states import PartnerStatus
from webview.db import utcnow
from webview.extensions import db
from webview.partners.models import Partner
from webview.partners.services import find_partner
from webview.payments.services import apply_payment_status
from webview.profiles import profile_of
from webview.styles.canonical import MissingKey, canonical_for_log, replay_digest, value_text
from webview.styles.definition import StatusIn
from webview.styles.inbound import (
    OUTCOME_OF_CODE,
    Parsed,
    Received,
    Refusal,
    StatusReport,
    answer_for,
    answer_variables,
    authenticate,
    get_path,
    map_status,
    read_message,
    render_answer,
)
from webview.styles.store import style_of, verifying_keys

STATUS_REPLAY_KEEP_S = 7 * 24 * 3600  # styles.md "Replay": a (transaction id, status) key is kept 7 days
STYLED_METHODS = ["GET", "POST", "PUT"]


def _received() -> Received:
    return Received(method=request.method, mimetype=request.mimetype, headers=dict(request.headers),
                    body=request.get_data(cache=True), query_string=request.query_string,
                    target=raw_request_target())


def _status_key(report: StatusReport) -> str:
    """The replay-store digest of (order, transaction id, status) of a style without a usable timestamp."""
    key = f"styled-status|{report.reference}|{report.transaction_id}|{report.status}"
    return hashlib.sha256(key.encode()).hexdigest()


def _status_seen(partner: Partner, digest: str) -> bool:
    seen = db.session.get(SeenSignature, (partner.client_id, 0, digest))
    return seen is not None and seen.expires_at > utcnow()


def _sent(parsed: Parsed | None, name: str) -> str:
    """What the message carried in a mapped field, as text ("" when it is not there)."""
    value = get_path(parsed.payload, name) if parsed is not None else None
    return value_text(value)[:100] if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


@bp.route("/v1/partners/<partner_code>/ipn", methods=STYLED_METHODS)
def styled_ipn(partner_code: str) -> Response:
    """A styled partner reports a payment status in its own style."""
    partner = find_partner(partner_code)
    if partner is None or not partner.is_served or not profile_of(partner).wire_format_from_style:
        note_exchange(verdict="unknown partner or not a styled partner", result_code="7")
        return api_response(7, message="unknown partner", http_status=401)
    note_exchange(partner_id=partner.id, partner_code=partner.code)
    style = style_of(partner).status_in
    parsed: Parsed | None = None
    try:
        parsed, outcome, message, fields = _check_and_apply(partner, style)
    except Refusal as refusal:
        db.session.rollback()
        outcome, message, fields = refusal.outcome, refusal.message, refusal.fields
        if refusal.http_status:
            return _answer(style, outcome, message, parsed, fields, http_status=refusal.http_status)
    except Exception:  # whatever broke, the partner gets its style's "error" answer (and retries)
        db.session.rollback()
        current_app.logger.exception("styled IPN of %s failed", partner.code)
        outcome, message, fields = "error", "system error", []
    return _answer(style, outcome, message, parsed, fields)


def _check_and_apply(partner: Partner, style: StatusIn) -> tuple[Parsed, str, str, list[str]]:
    """Run the checks in styles.md's order; (parsed, outcome, message, fields), or Refusal."""
    if not partner.is_active:
        raise Refusal("auth_failed", "partner is not active")
    if request.method not in style.methods:
        raise Refusal("invalid", f"send this call with {' or '.join(style.methods)}", ["method"], http_status=405)
    if request.method == "GET" and request.get_data(cache=True):
        raise Refusal("invalid", "a GET request carries no body", ["body"])
    parsed = read_message(style, _received())
    try:
        keys = verifying_keys(partner, style.signature)
    except MissingKey as problem:
        note_exchange(verdict=f"refused: {problem}"[:200])
        raise Refusal("auth_failed", "no key to verify this signature with") from problem
    variables = {"client_id": partner.client_id, "partner_code": partner.code}
    try:
        auth = authenticate(style, parsed, keys, variables, now_ms=now_ms())
    except Refusal as refusal:
        note_exchange(verdict=f"refused: {refusal.message}"[:200])
        if refusal.signed is not None:
            note_exchange(canonical=refusal.signed.decode("utf-8", "replace"))
        raise
    note_exchange(canonical=canonical_for_log(style.signature.canonical, auth.raw))
    if style.replay == "timestamp" and not remember_signature(partner.client_id, auth.timestamp_ms,
                                                              replay_digest(auth.raw), style.timestamp.window_s):
        note_exchange(verdict="refused: replay")
        raise Refusal("auth_failed", "request already received (replay)")
    try:
        count_partner_call(partner)
    except TooManyRequests as error:
        raise Refusal("rate_limited") from error
    report = map_status(style, parsed)
    note_exchange(reference=report.reference)
    if style.replay == "transaction_status" and _status_seen(partner, _status_key(report)):
        note_exchange(verdict="signature ok; this transaction and status were applied before", result_code="0")
        return parsed, "duplicate", "already applied", []
    outcome = apply_payment_status(partner, reference=report.reference, status=report.status,
                                   amount=report.amount, transaction_id=report.transaction_id, source="ipn")
    name = OUTCOME_OF_CODE.get(outcome.code, "error")
    settled = report.status != PartnerStatus.PENDING and outcome.code == 0
    if settled and not outcome.changed:
        name = "duplicate"
    if settled and style.replay == "transaction_status":
        remember_sealed_message(partner.client_id, _status_key(report), STATUS_REPLAY_KEEP_S)
    note_exchange(verdict=f"signature ok; {outcome.note}"[:200], result_code=str(outcome.code))
    return parsed, name, outcome.note if outcome.code else "success", []


def _answer(style: StatusIn, outcome: str, message: str, parsed: Parsed | None, fields: list[str], *,
            http_status: int | None = None) -> Response:
    """The style's answer to an outcome, logged with its code."""
    variables = answer_variables(outcome, message, reference=_sent(parsed, style.fields.reference),
                                 transaction_id=_sent(parsed, style.fields.transaction_id), fields=fields)
    status, body, content_type = render_answer(answer_for(style.answers, outcome), variables)
    note_exchange(result_code=str(variables["code"]))
    if outcome != "ok":
        note_exchange(verdict=_verdict_words(outcome, message))
    response = Response(body, status=http_status or status)
    if content_type:
        response.headers["Content-Type"] = content_type
    else:
        response.headers.pop("Content-Type", None)
    return response


def _verdict_words(outcome: str, message: str) -> str:
    current = g.get("api_exchange", {}).get("verdict", "")
    if current.startswith(("refused", "signature ok")):
        return f"{current} [{outcome}]"[:200]
    return f"refused: {outcome}: {message}"[:200]
