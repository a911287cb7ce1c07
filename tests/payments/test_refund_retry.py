"""A refund the partner refused can be retried by an operator (`flask refunds retry`), with its own request_id,
and `flask bookings show` points at it until it is resolved."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.payments.factories import hmac_partner, hold_vip, reload, run_jobs
from tests.payments.stub_partner import Reply
from webview.extensions import db
from webview.payments.models import Refund
from webview.payments.services import apply_payment_status

REFUSED = Reply(body={"code": 9, "message": "unexpected state at the wallet"})
ACCEPTED = Reply(body={"code": 0, "message": "success"})


@pytest.fixture
def wallet(app, stub, fast_partner_http):
    return hmac_partner(stub.url)


@pytest.fixture
def paid(wallet):
    booking = hold_vip(wallet.partner, plan="yearly")
    apply_payment_status(wallet.partner, reference=booking.reference, status="SUCCESS", amount=booking.amount,
                         transaction_id="SBX-RETRY", source="ipn")
    return reload(booking)


def refund_calls(stub) -> list[dict]:
    return [call.json() for call in stub.received if call.path == "/refunds"]


def test_a_refused_refund_is_shown_and_retried_with_the_same_request_id(app, runner, stub, paid):
    stub.script(REFUSED, ACCEPTED)
    created = runner.invoke(args=["refunds", "create", paid.reference, "--amount", "50000", "--reason", "sorry"])
    assert created.exit_code == 1 and "FAILED code 9" in created.output
    refund = db.session.scalar(select(Refund))
    request_id = refund.request_id

    shown = runner.invoke(args=["bookings", "show", paid.reference])
    assert shown.exit_code == 0
    assert "unexpected state at the wallet" in shown.output
    assert f"flask refunds retry {request_id}" in shown.output
    report = json.loads(runner.invoke(args=["bookings", "show", paid.reference, "--json"]).output)
    assert report["refunds"][0]["status"] == "FAILED"
    assert report["refunds"][0]["retry"] == f"flask refunds retry {request_id}"

    retried = runner.invoke(args=["refunds", "retry", request_id])
    assert retried.exit_code == 0, retried.output
    assert f"refund {request_id}: 50000 VND SUCCESS" in retried.output
    assert [call["request_id"] for call in refund_calls(stub)] == [request_id, request_id]
    done = reload(paid)
    assert (done.payment_status, done.refunded_amount) == ("PARTIALLY_REFUNDED", 50000)
    assert db.session.scalar(select(Refund.attempts)) == 2
    after = runner.invoke(args=["bookings", "show", paid.reference])
    assert "flask refunds retry" not in after.output


def test_a_queued_retry_goes_through_the_worker(app, runner, stub, paid):
    stub.script(REFUSED, ACCEPTED)
    runner.invoke(args=["refunds", "create", paid.reference, "--amount", "50000", "--reason", "sorry"])
    request_id = db.session.scalar(select(Refund.request_id))
    queued = runner.invoke(args=["refunds", "retry", request_id, "--queue-only"])
    assert queued.exit_code == 0, queued.output
    assert "PENDING" in queued.output
    assert len(refund_calls(stub)) == 1
    run_jobs()
    assert db.session.scalar(select(Refund.status)) == "SUCCESS"
    assert [call["request_id"] for call in refund_calls(stub)] == [request_id, request_id]


def test_retry_refuses_what_it_cannot_do(app, runner, stub, paid):
    stub.script(REFUSED, ACCEPTED)
    runner.invoke(args=["refunds", "create", paid.reference, "--amount", str(paid.amount - 10), "--reason", "a"])
    failed = db.session.scalar(select(Refund.request_id))
    rest = runner.invoke(args=["refunds", "create", paid.reference, "--amount", str(paid.amount - 100),
                               "--reason", "b"])
    assert rest.exit_code == 0, rest.output  # a failed refund reserves nothing
    too_much = runner.invoke(args=["refunds", "retry", failed])
    assert too_much.exit_code == 1 and "exceeds" in too_much.output
    done = db.session.scalar(select(Refund.request_id).where(Refund.status == "SUCCESS"))
    assert "only a failed refund" in runner.invoke(args=["refunds", "retry", done]).output
    unknown = runner.invoke(args=["refunds", "retry", "RF-NOPE"])
    assert unknown.exit_code == 1 and "no refund RF-NOPE" in unknown.output
    assert db.session.scalar(select(Refund.status).where(Refund.request_id == failed)) == "FAILED"
    assert len(refund_calls(stub)) == 2
