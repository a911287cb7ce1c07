"""/sandbox/api: JSON hooks for outside test suites (DESIGN.md "Hooks for outside test suites")."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from sandbox.credentials import load_credentials
from sandbox.inspector.services import exchange_view, list_exchanges
from sandbox.magic import magic_for
from sandbox.models import SandboxTransaction
from sandbox.operator.services import OperatorError, refund_order
from sandbox.partner.notify import notify_merchant
from sandbox.partner.services import IpnFaults, PaymentError, get_transaction, settle_transaction, transaction_view
from sandbox.partner.styled import check_style_faults
from sandbox.testapi.launch import LaunchInvalid, launch_as_partner
from webview.extensions import csrf, db

bp = Blueprint("sandbox_api", __name__, url_prefix="/sandbox/api")
csrf.exempt(bp)  # JSON only (a cross-site form cannot send application/json), behind sandbox.access

PAYMENT_ERRORS = {"not_found": 404, "closed": 409, "expired": 409, "unknown_action": 400}


def error(status: int, message: str, **extra) -> Response:
    """A JSON error answer."""
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sandbox"'
    return response


@bp.before_request
def require_json() -> Response | None:
    """POST bodies must be JSON (who may call at all is sandbox.access's guard)."""
    if request.method == "POST" and request.mimetype != "application/json":
        return error(415, "send Content-Type: application/json")
    return None


@bp.errorhandler(HTTPException)
def http_error(problem: HTTPException) -> Response:
    """JSON, never HTML, inside the test API."""
    return error(problem.code or 500, problem.description or problem.name)


def json_object() -> dict:
    """The request body as a JSON object ({} when empty)."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise LaunchInvalid(["body"], "the body must be a JSON object")
    return body


@bp.errorhandler(LaunchInvalid)
def invalid(problem: LaunchInvalid) -> Response:
    """The test API's own validation errors."""
    return error(400, problem.message, fields=problem.fields)


@bp.post("/launch")
def launch() -> Response:
    """Act as the partner's back end: call the real launch API and return url_open (and url_checkout_result)."""
    body = json_object()
    code = body.get("partner_code")
    if not isinstance(code, str) or not code:
        raise LaunchInvalid(["partner_code"], "partner_code is required")
    partner = load_credentials(code)
    if partner is None:
        return error(404, f"the sandbox does not know partner {code!r} (run `flask demo seed`)")
    outcome = launch_as_partner(partner, body, current_app.config["PUBLIC_BASE_URL"])
    response = jsonify(outcome.body)
    response.status_code = outcome.http_status
    return response


@bp.get("/transactions")
def transactions() -> Response:
    """The sandbox partner's view of the payment for a reference_transaction_id (optionally per partner)."""
    reference = request.args.get("reference_transaction_id", "").strip()
    if not reference:
        raise LaunchInvalid(["reference_transaction_id"], "reference_transaction_id is required")
    query = select(SandboxTransaction).where(SandboxTransaction.reference_transaction_id == reference)
    if request.args.get("partner_code"):
        query = query.where(SandboxTransaction.partner_code == request.args["partner_code"])
    found = db.session.scalars(query).all()
    if not found:
        return error(404, "no sandbox transaction for this reference")
    if len(found) > 1:
        raise LaunchInvalid(["partner_code"], "several partners hold this reference; add partner_code")
    return jsonify({**transaction_view(found[0]), "partner_code": found[0].partner_code})


@bp.post("/transactions/<transaction_id>/<any(approve, decline, cancel, pend, timeout):action>")
def settle(transaction_id: str, action: str) -> Response:
    """Decide a payment as the wallet user would, then send the IPN or commit (approve takes `faults`).

    An approve without `faults` follows the magic value of the user id, if any (sandbox.magic).
    """
    body = json_object()
    if action != "approve" and body.get("faults") is not None:
        raise LaunchInvalid(["faults"], "faults apply to approve only")
    existing = get_transaction(transaction_id)
    partner = load_credentials(existing.partner_code) if existing is not None else None
    if existing is None or partner is None:
        return error(404, "no such sandbox transaction")
    try:
        faults = IpnFaults.parse(body.get("faults"))
        faults.check_profile(partner.profile, partner.suite)
        check_style_faults(partner.partner_code, faults)
    except ValueError as problem:
        raise LaunchInvalid(["faults"], str(problem)) from problem
    magic = magic_for(existing.customer_identify_code) if action == "approve" and "faults" not in body else None
    if magic is not None:
        action, faults = magic.action, magic.faults
    try:
        transaction = settle_transaction(transaction_id, action)
    except PaymentError as problem:
        return error(PAYMENT_ERRORS.get(problem.reason, 400), problem.reason.replace("_", " "))
    delivery = notify_merchant(partner, transaction, faults)
    return jsonify({
        **transaction_view(transaction),
        "ipn": delivery.sent,
        "scheduled": delivery.scheduled,
        "result_url": delivery.return_url,
        "magic": magic.prefix if magic else None,
    })



@bp.errorhandler(OperatorError)
def operator_refused(problem: OperatorError) -> Response:
    """A refund the merchant's services refused (or bad input): 400 with fields, else 409."""
    return error(400 if problem.fields else 409, problem.message, fields=problem.fields)


@bp.post("/refunds")
def refunds() -> Response:
    """Operator refund, as `flask refunds create` (partial or full; hmac refunds are tried at once)."""
    body = json_object()
    result = refund_order(body.get("reference_transaction_id"), body.get("amount"), body.get("reason"))
    return jsonify(result.as_dict())


@bp.get("/messages")
def messages() -> Response:
    """The exchanges of an order (or a partner), both ways, oldest first."""
    reference = request.args.get("reference_transaction_id", "").strip()
    partner_code = request.args.get("partner_code", "").strip()
    if not reference and not partner_code:
        raise LaunchInvalid(["reference_transaction_id"], "reference_transaction_id or partner_code is required")
    rows = list_exchanges(reference=reference or None, partner_code=partner_code or None,
                          kind=request.args.get("kind") or None)
    return jsonify([exchange_view(row) for row in rows])
