"""Automatic settlement of a mismatch through the rules that already exist; what they cannot settle stays open.

* the partner has a PAYMENT we do not hold as paid: hmac partners are asked through their query API and the
  answer applied as any query answer (so a SUCCESS on an expired or failed order goes through the late-SUCCESS
  rule: re-held and issued, or refused and the partner must refund); for an envelope partner its signed file
  saying it took the money is its commit (issue, or refused when the inventory is gone);
* the partner has a REFUND we hold as pending: it is sent again with its own request_id (idempotent at the
  partner), which completes it;
* a record we have and the partner lacks, an amount or status that differ, a duplicate: hmac partners' query
  answer is kept as evidence and the case stays open for an operator.

Every payment applied here is recorded as a payment event with source `reconciliation`, and every refund
completed here says "completed by reconciliation" in its message: the booking's history names who did it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from webview.booking.models import Booking
from webview.booking.states import PartnerStatus
from webview.extensions import db
from webview.partners.models import Partner
from webview.payments.gateway import PartnerUnavailable, gateway_for
from webview.payments.models import Refund, RefundStatus
from webview.payments.refunds import RefundError, RefundStillPending, process_refund
from webview.payments.services import apply_payment_status
from webview.profiles import profile_of
from webview.reconciliation.files import Record
from webview.reconciliation.matching import Key, TheirRecord

SOURCE = "reconciliation"


@dataclass
class Settlement:
    """What happened to one mismatch: `settled` (with what was done) or `open` (why), and the evidence."""

    state: str
    text: str
    evidence: dict[str, Any] = field(default_factory=dict)


def settle(partner: Partner, outcome: str, key: Key, ours: Record | None, theirs: TheirRecord | None) -> Settlement:
    """Settle one mismatch where the rules allow; never raises for partner trouble (the case stays open)."""
    record_type, reference, refund_request_id = key
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
    if booking is None or booking.partner_id != partner.id:
        return Settlement("open", "no such order of this partner")
    if outcome == "missing_at_merchant" and record_type == "PAYMENT":
        return _their_payment(partner, booking, theirs)
    if outcome == "missing_at_merchant" and record_type == "REFUND":
        return _their_refund(booking, refund_request_id)
    evidence = _query_evidence(partner, booking) if record_type == "PAYMENT" else {}
    if outcome == "missing_at_partner" and evidence.get("status") == PartnerStatus.SUCCESS \
            and evidence.get("amount") == booking.amount:
        return Settlement("settled", "the partner's query API confirms the payment (their file omits it)", evidence)
    return Settlement("open", {"missing_at_partner": "the partner's file lacks a record we have",
                               "amount_mismatch": "the amounts differ",
                               "status_mismatch": "the statuses differ",
                               "duplicate": "the record appears more than once"}.get(outcome, outcome), evidence)


def _query_evidence(partner: Partner, booking: Booking) -> dict[str, Any]:
    """The partner's query answer about a booking (hmac), or why there is none."""
    if not profile_of(partner).can_query_partner:
        return {}
    reference = booking.reference
    try:
        answer = gateway_for(partner).query_transaction(reference)
    except PartnerUnavailable as problem:
        return {"query": f"unavailable: {problem.reason}"}
    if answer is None:
        return {"query": "the partner has no such transaction"}
    return {"query": "answered", "status": answer.status, "amount": answer.amount,
            "transaction_id": answer.transaction_id}


def _their_payment(partner: Partner, booking: Booking, theirs: TheirRecord | None) -> Settlement:
    reference, amount = booking.reference, booking.amount
    if booking.is_paid:
        return Settlement("settled", "already paid here (recorded on another day)")
    if profile_of(partner).can_query_partner:
        evidence = _query_evidence(partner, booking)
        if evidence.get("status") != PartnerStatus.SUCCESS:
            return Settlement("open", "the partner's query API does not confirm the payment", evidence)
        if evidence.get("amount") != amount:
            return Settlement("open", "the partner's query API reports another amount", evidence)
        transaction_id = evidence.get("transaction_id")
    else:  # envelope: the partner's signed file says it took the money: that is its commit
        evidence = {"commit": "from the partner's signed file"}
        transaction_id = (theirs.partner_transaction_id if theirs else "") or None
    outcome = apply_payment_status(partner, reference=reference, status=PartnerStatus.SUCCESS,
                                   amount=amount if profile_of(partner).status_carries_amount else None,
                                   transaction_id=transaction_id, source=SOURCE)
    if outcome.code == 0:
        return Settlement("settled", f"paid by reconciliation ({outcome.note})", evidence)
    return Settlement("open", f"payment cannot be honoured (code {outcome.code}: {outcome.note})", evidence)


def _their_refund(booking: Booking, request_id: str) -> Settlement:
    refund = db.session.scalar(select(Refund).where(Refund.request_id == request_id,
                                                    Refund.booking_id == booking.id))
    if refund is None:
        return Settlement("open", "we have no refund with this request_id")
    if refund.status == RefundStatus.SUCCESS:
        return Settlement("settled", "refund already completed here (recorded on another day)")
    if refund.status != RefundStatus.PENDING:
        return Settlement("open", f"the refund is {refund.status} here")
    refund_id = refund.id
    try:
        refund = process_refund(refund_id)
    except (RefundStillPending, RefundError) as problem:
        return Settlement("open", f"refund still not confirmed by the partner ({problem})")
    if refund.status != RefundStatus.SUCCESS:
        return Settlement("open", f"the partner refused the refund when asked again ({refund.message})")
    db.session.execute(update(Refund).where(Refund.id == refund_id)
                       .values(message=f"completed by reconciliation; {refund.message}"[:300]))
    db.session.commit()
    return Settlement("settled", "refund completed by reconciliation")
