"""Payment status in: the hmac IPN and transaction check, the envelope commit, query-trans and booking-detail."""

from __future__ import annotations

import json
import re

from flask import Response, jsonify, request
from sqlalchemy import select

from webview.api.auth import authenticate_hmac, note_exchange
from webview.api.blueprint import bp
from webview.api.envelope import (
    EnvelopeRefusal,
    authenticate_envelope_headers,
    identify_envelope_partner,
    open_envelope_request,
    refusal_response,
    sealed_reply,
)
from webview.api.errors import ApiError, api_response, envelope_plain_error
from webview.api.schemas import REFERENCE_PATTERN, IpnRequest, parse_json_body
from webview.booking.models import Booking
from webview.booking.references import MAX_REFERENCE_INPUT as MAX_REFERENCE
from webview.booking.states import BookingStatus, PaymentStatus
from webview.extensions import db
from webview.messagelog.services import mask_document
from webview.partners.models import Partner
from webview.payments.models import Refund
from webview.payments.results import merchant_return_url
from webview.payments.services import apply_commit, apply_payment_status, transaction_view
from webview.products import get_product, product_of_type
from webview.signing.envelope import COMMIT_REQUEST, COMMIT_RESPONSE, QUERY_REQUEST, QUERY_RESPONSE, MessageSpec

MAX_PARTNER_ID = 100
# total_amount of a commit / query-trans answer whose order is unknown or not the caller's, and of a sealed refusal:
# a number, never empty, because Java clients (Gotadi's among them) parse the field with Long.parseLong.
UNKNOWN_TOTAL_AMOUNT = "0"


@bp.post("/v1/payment/ipn")
def payment_ipn() -> Response:
    """hmac: the partner reports a payment status (auth → schema → 3 → 4 → 5 → state → apply)."""
    partner = authenticate_hmac()
    body = parse_json_body(request.get_data(cache=True), IpnRequest)
    note_exchange(reference=body.reference_transaction_id)
    outcome = apply_payment_status(partner, reference=body.reference_transaction_id, status=body.status,
                                   amount=body.transaction_amount, transaction_id=body.transaction_id,
                                   source="ipn", message=body.message)
    note_exchange(verdict=f"signature ok; {outcome.note}"[:200], result_code=str(outcome.code))
    if outcome.code != 0:
        raise ApiError(outcome.code, data={"transaction_id": body.transaction_id})
    return api_response(0, {"transaction_id": body.transaction_id})


@bp.get("/v1/transaction")
def transaction() -> Response:
    """hmac: the status of one order, for the partner that owns it."""
    partner = authenticate_hmac()
    reference = request.args.get("reference_transaction_id", "")
    if not re.fullmatch(REFERENCE_PATTERN, reference) or set(request.args) - {"reference_transaction_id"}:
        raise ApiError(1, "reference_transaction_id is required (1 to 40 characters)",
                       fields=["reference_transaction_id"])
    note_exchange(reference=reference)
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None:
        raise ApiError(3)
    if booking.partner_id != partner.id:
        raise ApiError(4)
    note_exchange(verdict="signature ok; answered", result_code="0")
    return api_response(0, transaction_view(booking))


def envelope_properties(booking: Booking) -> str:
    """The `properties` field: a JSON string of the order's statuses and documents (no '|' inside)."""
    data = {
        "booking_status": booking.booking_status,
        "payment_status": booking.payment_status,
        "issue_status": booking.issue_status,
        "pnr": booking.pnr or "",
        "tickets": list(booking.tickets or []),
        "refunded_amount": booking.refunded_amount or 0,
    }
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).replace("|", "\\u007c")


def transaction_reply(partner: Partner, booking: Booking | None, error_code: str,
                      values: dict[str, str]) -> dict[str, str]:
    """The commit / query-trans answer fields; the order's details only to the partner that owns it."""
    reply = {"access_code": partner.access_code, "booking_number": values.get("booking_number", ""),
             "error_code": error_code, "product_type": values.get("product_type", ""), "properties": "{}",
             "return_url": "", "total_amount": UNKNOWN_TOTAL_AMOUNT}
    if booking is not None and booking.partner_id == partner.id:
        reply.update(product_type=get_product(booking.product).product_type, properties=envelope_properties(booking),
                     return_url=merchant_return_url(booking, partner), total_amount=str(booking.amount))
    return reply


def _field(values: dict[str, str], name: str, limit: int, partner: Partner) -> str:
    value = values.get(name, "")
    if not value or len(value) > limit:
        raise EnvelopeRefusal("07", f"{name} missing or too long", partner)
    return value


def _envelope_call(spec: MessageSpec, reply_spec: MessageSpec, handle) -> Response:
    """Open a sealed request, run `handle(partner, values) -> (error_code, booking)`, answer sealed."""
    values: dict[str, str] = {}
    try:
        partner = identify_envelope_partner()
        values = open_envelope_request(partner, spec)
        error_code, booking = handle(partner, values)
    except EnvelopeRefusal as refusal:
        db.session.rollback()
        return refusal_response(refusal, reply_spec, {"booking_number": values.get("booking_number", ""),
                                                      "total_amount": UNKNOWN_TOTAL_AMOUNT})
    note_exchange(verdict=f"signature ok; answered {error_code}")
    return sealed_reply(partner, reply_spec, transaction_reply(partner, booking, error_code, values), error_code)


@bp.post("/v1/partner/commit")
def partner_commit() -> Response:
    """envelope: the partner has taken the money; issue the booking (00, 02, 07, 08).

    An empty partner_trans_id means the booking number (Gotadi clients may leave it out)."""

    def handle(partner: Partner, values: dict[str, str]):
        booking_number = _field(values, "booking_number", MAX_REFERENCE, partner)
        if not values.get("partner_trans_id", "").strip():  # optional in Gotadi's docs: the booking number stands in
            values["partner_trans_id"] = booking_number
        partner_trans_id = _field(values, "partner_trans_id", MAX_PARTNER_ID, partner)
        product_type = values.get("product_type", "")
        if product_of_type(product_type) is None:
            raise EnvelopeRefusal("07", "product_type must be AIR, HOTEL or VIP", partner)
        code, booking = apply_commit(partner, booking_number=booking_number, partner_trans_id=partner_trans_id,
                                     product_type=product_type)
        return code, booking

    return _envelope_call(COMMIT_REQUEST, COMMIT_RESPONSE, handle)


def query_code(booking: Booking) -> str:
    """query-trans error_code: 00 paid, 09 awaiting the commit, 02 payment failed or hold gone."""
    if booking.payment_status in {PaymentStatus.SUCCESS, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}:
        return "00"
    if booking.payment_status == PaymentStatus.PENDING and booking.booking_status == BookingStatus.BOOKED:
        return "09"
    return "02"


@bp.post("/v1/partner/query-trans")
def partner_query_trans() -> Response:
    """envelope: the status of one order (00 paid, 09 not yet committed, 02 failed / unknown / not yours)."""

    def handle(partner: Partner, values: dict[str, str]):
        booking_number = _field(values, "booking_number", MAX_REFERENCE, partner)
        note_exchange(reference=booking_number)
        booking = db.session.scalar(select(Booking).where(Booking.reference == booking_number))
        if booking is None or booking.partner_id != partner.id:
            return "02", None
        return query_code(booking), booking

    return _envelope_call(QUERY_REQUEST, QUERY_RESPONSE, handle)


def booking_detail_view(booking: Booking) -> dict:
    """The booking as an envelope partner sees it: statuses, documents, travellers with masked documents."""
    travellers = []
    for traveller in booking.travellers or []:
        if isinstance(traveller, dict):
            document = str(traveller.get("document_number") or "")
            travellers.append({"full_name": traveller.get("full_name", ""),
                               "passenger_type": traveller.get("passenger_type", ""),
                               "document_number": mask_document(document) if document else ""})
    refunds = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id).order_by(Refund.id)).all()
    snapshot = booking.offer_snapshot if isinstance(booking.offer_snapshot, dict) else {}
    return {
        "booking_number": booking.reference,
        "product_type": get_product(booking.product).product_type,
        "title": snapshot.get("title", ""),
        "total_amount": booking.amount,
        "currency": "VND",
        "booking_status": booking.booking_status,
        "payment_status": booking.payment_status,
        "issue_status": booking.issue_status,
        "partner_trans_id": booking.partner_transaction_id,
        "pnr": booking.pnr or "",
        "tickets": list(booking.tickets or []),
        "refunded_amount": booking.refunded_amount or 0,
        "refunds": [{"amount": r.amount, "status": r.status, "manual": r.manual} for r in refunds],
        "travellers": travellers,
        "hold_expires_at": int(booking.hold_expires_at.timestamp() * 1000) if booking.hold_expires_at else None,
    }


@bp.get("/v1/products/booking-detail")
def booking_detail() -> Response:
    """envelope (headers only): the booking as JSON, only to the partner that owns it."""
    partner = authenticate_envelope_headers()
    if isinstance(partner, Response):
        return partner
    booking_number = request.args.get("booking_number", "")
    if not re.fullmatch(REFERENCE_PATTERN, booking_number):
        note_exchange(verdict="refused 07: booking_number", result_code="07")
        return envelope_plain_error("07")
    note_exchange(reference=booking_number)
    booking = db.session.scalar(select(Booking).where(Booking.reference == booking_number))
    if booking is None or booking.partner_id != partner.id:
        note_exchange(verdict="booking not found for this partner", result_code="02")
        response = jsonify({"error_code": "02", "message": "booking not found"})
        response.status_code = 404
        return response
    note_exchange(verdict="answered 00", result_code="00")
    return jsonify({"error_code": "00", "message": "success", "booking": booking_detail_view(booking)})
