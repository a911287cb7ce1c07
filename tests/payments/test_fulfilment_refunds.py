"""Fulfilment through the demo supplier, refunds (hmac via a partner stub, envelope manual) and the operator CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.payments.factories import a_fare, hmac_partner, hold_flight, hold_vip, reload, run_jobs
from tests.payments.stub_partner import Reply
from webview.catalog.models import Fare
from webview.extensions import db
from webview.jobs import Job
from webview.payments import supplier
from webview.payments.fulfilment import issue_booking
from webview.payments.models import Refund, SupplierIssue
from webview.payments.refunds import RefundError, cancel_booking, create_refund, process_refund
from webview.payments.services import apply_payment_status


def email_keys() -> list[str]:
    return list(db.session.scalars(select(Job.key).where(Job.kind == "email.send").order_by(Job.id)))


def pay(wallet, booking, transaction_id: str = "SBX0001"):
    outcome = apply_payment_status(wallet.partner, reference=booking.reference, status="SUCCESS",
                                   amount=booking.amount, transaction_id=transaction_id, source="ipn")
    assert outcome.code == 0
    return reload(booking)


@pytest.fixture
def wallet(app, stub, fast_partner_http):
    return hmac_partner(stub.url)


def test_flight_issuance_gives_pnr_and_one_ticket_per_traveller(app, wallet):
    booking = pay(wallet, hold_flight(wallet.partner))
    assert issue_booking(booking.id) == "SUCCESS"
    issued = reload(booking)
    assert len(issued.pnr) == 6 and len(issued.tickets) == 1 and issued.tickets[0].startswith("738")
    assert issue_booking(booking.id) == "SUCCESS"  # idempotent
    assert supplier.issue_count(booking.reference) == 1
    assert email_keys().count(f"email:issued:{booking.reference}") == 1


@pytest.mark.parametrize("magic", [{"name": "Issue  fail"}, {"email": "fail-issue@example.com"}])
def test_supplier_failure_refunds_in_full_once(app, wallet, stub, magic):
    booking = pay(wallet, hold_vip(wallet.partner, **magic))
    stub.script(Reply(body={"code": 0, "message": "success"}))
    run_jobs()  # issuance fails → issue_failed + automatic refund job → partner refund endpoint → refunded
    done = reload(booking)
    assert done.statuses == ("BOOKED", "REFUNDED", "FAILED")
    assert done.refunded_amount == done.amount and "supplier refused" in done.failure_reason
    refund_calls = [call for call in stub.received if call.path == "/refunds"]
    assert len(refund_calls) == 1
    assert refund_calls[0].json()["transaction_amount"] == done.amount
    assert refund_calls[0].json()["request_id"] == f"RF-AUTO-{done.reference}"
    keys = email_keys()
    assert f"email:issue_failed:{done.reference}" in keys
    assert f"email:refunded:{done.reference}:RF-AUTO-{done.reference}" in keys
    assert supplier.issue_count(done.reference) == 0


def test_partial_refunds_never_exceed_the_payment(app, wallet, stub):
    booking = pay(wallet, hold_vip(wallet.partner, plan="yearly"))
    stub.script(Reply(body={"code": 0, "message": "success"}))
    first = create_refund(booking.reference, 100_000, "goodwill")
    assert process_refund(first.id).status == "SUCCESS"
    assert reload(booking).payment_status == "PARTIALLY_REFUNDED"
    with pytest.raises(RefundError, match="exceeds"):
        create_refund(booking.reference, booking.amount, "too much")
    rest = create_refund(booking.reference, booking.amount - 100_000, "the rest")
    assert process_refund(rest.id).status == "SUCCESS"
    done = reload(booking)
    assert (done.payment_status, done.refunded_amount) == ("REFUNDED", done.amount)
    with pytest.raises(RefundError):
        create_refund(booking.reference, 1, "nothing left")


def test_refund_bad_input(app, wallet):
    booking = hold_vip(wallet.partner)
    with pytest.raises(RefundError, match="no payment"):
        create_refund(booking.reference, 1000, "unpaid")
    paid = pay(wallet, booking)
    for amount in (0, -5, True):
        with pytest.raises(RefundError):
            create_refund(paid.reference, amount, "bad")
    with pytest.raises(RefundError, match="no booking"):
        create_refund("261122-NOPE1234", 1000, "x")
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0


def test_unknown_refund_outcome_retries_with_the_same_request_id(app, wallet, stub):
    booking = pay(wallet, hold_vip(wallet.partner))
    refund = create_refund(booking.reference, 10_000, "retry me")
    stub.script(Reply(status=503, body=b"down"))
    with pytest.raises(Exception, match="HTTP 503"):
        process_refund(refund.id)
    assert db.session.get(Refund, refund.id).status == "PENDING"
    stub.script(Reply(body={"code": 0}))
    assert process_refund(refund.id).status == "SUCCESS"
    assert {call.json()["request_id"] for call in stub.received} == {refund.request_id}
    stub.script(Reply(body={"code": 5, "message": "invalid amount"}))
    refused = create_refund(booking.reference, 10_000, "refused")
    assert process_refund(refused.id).status == "FAILED"
    assert reload(booking).refunded_amount == 10_000


def test_cancel_an_issued_booking_voids_and_refunds(app, wallet, stub):
    fare = a_fare()
    booking = pay(wallet, hold_flight(wallet.partner, fare))
    issue_booking(booking.id)
    seats = db.session.get(Fare, fare.id).seats_left
    stub.script(Reply(body={"code": 0}))
    cancelled = cancel_booking(booking.reference, "customer asked")
    assert cancelled.booking_status == "CANCELLED"
    assert db.session.get(Fare, fare.id).seats_left == seats + 1
    assert db.session.scalar(select(SupplierIssue.voided_at)) is not None
    refund = db.session.scalar(select(Refund))
    assert (refund.kind, refund.amount) == ("cancellation", booking.amount)
    process_refund(refund.id)
    assert reload(booking).payment_status == "REFUNDED"
    with pytest.raises(RefundError, match="nothing to cancel"):
        cancel_booking(booking.reference, "again")


def test_cancel_refused_by_the_supplier_changes_nothing(app, wallet):
    booking = pay(wallet, hold_vip(wallet.partner, email="fail-void@example.com"))
    issue_booking(booking.id)
    with pytest.raises(RefundError, match="void"):
        cancel_booking(booking.reference, "try")
    assert reload(booking).statuses == ("BOOKED", "SUCCESS", "SUCCESS")
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0


def test_cancel_a_held_booking_releases_it(app, wallet):
    booking = hold_vip(wallet.partner)
    assert cancel_booking(booking.reference, "duplicate").statuses == ("CANCELLED", "PENDING", "PENDING")
    with pytest.raises(RefundError, match="reason"):
        cancel_booking(booking.reference, " ")


def test_cli_refund_cancel_and_show(app, runner, wallet, stub):
    booking = pay(wallet, hold_vip(wallet.partner, plan="yearly"))
    stub.script(Reply(body={"code": 0}))
    result = runner.invoke(args=["refunds", "create", booking.reference, "--amount", "50000", "--reason", "sorry"])
    assert result.exit_code == 0, result.output
    assert "50000 VND SUCCESS" in result.output
    too_much = runner.invoke(args=["refunds", "create", booking.reference, "--amount", str(booking.amount),
                                   "--reason", "x"])
    assert too_much.exit_code == 1 and "exceeds" in too_much.output
    unknown = runner.invoke(args=["refunds", "create", "261122-NOPE", "--amount", "1", "--reason", "x"])
    assert unknown.exit_code == 1 and "no booking" in unknown.output
    issue_booking(booking.id)
    cancel = runner.invoke(args=["bookings", "cancel", booking.reference, "--reason", "ops"])
    assert cancel.exit_code == 0, cancel.output
    assert "cancelled" in cancel.output and f"{booking.amount - 50000} VND SUCCESS" in cancel.output
    shown = runner.invoke(args=["bookings", "show", booking.reference, "--json"])
    report = json.loads(shown.output)
    assert report["booking_status"] == "CANCELLED" and report["payment_status"] == "REFUNDED"
    assert [r["status"] for r in report["refunds"]] == ["SUCCESS", "SUCCESS"]
    assert any(m["kind"] == "refund" for m in report["messages"])
    assert any(j["kind"] == "payments.issue" for j in report["jobs"])
    text = runner.invoke(args=["bookings", "show", booking.reference])
    assert "refunds (2)" in text.output and "payment_status" in text.output
    assert runner.invoke(args=["bookings", "show", "NOPE"]).exit_code == 1


def test_envelope_refunds_are_manual(app, runner):
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.api.test_commit import envelope_partner

    travel = envelope_partner(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    booking = hold_vip(travel.partner)
    from webview.payments.services import apply_commit

    assert apply_commit(travel.partner, booking_number=booking.reference, partner_trans_id="G1",
                        product_type="VIP")[0] == "00"
    result = runner.invoke(args=["refunds", "create", booking.reference, "--amount", "9000", "--reason", "r"])
    assert result.exit_code == 0 and "MANUAL" in result.output
    refund = db.session.scalar(select(Refund))
    assert refund.manual and refund.status == "SUCCESS"
    assert reload(booking).payment_status == "PARTIALLY_REFUNDED"
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "payments.refund")) == 0
