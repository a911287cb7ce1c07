"""Issue 11 points 1-3: every partner answer the merchant cannot use is logged with its reason and fails the check;
a create answer without payment_url falls back to the registered payment URL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.payments.factories import hmac_partner, hold_vip, reload
from tests.payments.stub_partner import Reply
from tests.payments.test_gateway import request_for
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.payments.gateway import HmacGateway, PartnerTransaction, PartnerUnavailable
from webview.payments.models import PaymentCheck
from webview.payments.services import start_checkout, sync_payment_status


@pytest.fixture
def wallet(app, stub, fast_partner_http):
    return hmac_partner(stub.url)


def last_row(kind: str) -> PartnerMessage:
    return db.session.scalars(select(PartnerMessage).where(PartnerMessage.kind == kind)
                              .order_by(PartnerMessage.id.desc())).first()


def created(stub, **data) -> Reply:
    return Reply(body={"code": 0, "data": {"transaction_id": "SBX0001", "payment_url": f"{stub.url}/pay/SBX0001",
                                           **data}})


QUERY_SHAPES = [
    ({"transaction_id": "SBX0001", "status": "SUCCESS"}, "`amount` is missing"),
    ({"transaction_id": "SBX0001", "status": "SUCCESS", "transaction_amount": 5}, "`transaction_amount`"),
    ({"transaction_id": "SBX0001", "status": "SUCCESS", "amount": "5"}, "`amount` is not an integer"),
    ({"transaction_id": "SBX0001", "status": "SUCCESS", "amount": 5.0}, "`amount` is not an integer"),
    ({"transaction_id": "SBX0001", "amount": 5}, "`status` is missing"),
    ({"transaction_id": "SBX0001", "status": "PAID", "amount": 5}, "`status` must be one of"),
    ({"status": "SUCCESS", "amount": 5}, "`transaction_id` is missing"),
    ({"transaction_id": 7, "status": "SUCCESS", "amount": 5}, "`transaction_id` is not a string"),
]


@pytest.mark.parametrize(("data", "reason"), QUERY_SHAPES)
def test_an_unusable_query_answer_names_its_reason_in_the_log(app, wallet, stub, data, reason):
    stub.script(Reply(body={"code": 0, "message": "success", "data": data}))
    with pytest.raises(PartnerUnavailable) as raised:
        HmacGateway(wallet.partner).query_transaction("261122-7QK4M2XD")
    assert reason in raised.value.reason
    row = last_row("query-transaction")
    assert row.verdict.startswith("unusable answer") and reason in row.verdict
    assert "answered code 0" not in row.verdict


@pytest.mark.parametrize(("body", "reason"), [
    (b"<html>not json</html>", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"code": "0"}', "`code` is not an integer"),
    (b'{"message": "ok"}', "`code` is missing"),
])
def test_an_answer_without_a_code_names_its_reason(app, wallet, stub, body, reason):
    stub.script(Reply(body=body))
    with pytest.raises(PartnerUnavailable):
        HmacGateway(wallet.partner).query_transaction("261122-7QK4M2XD")
    row = last_row("query-transaction")
    assert row.verdict.startswith("unusable answer") and reason in row.verdict


@pytest.mark.parametrize(("data", "reason"), [
    ({}, "`transaction_id` is missing"),
    ({"transaction_id": "a|b"}, "`transaction_id`"),
    ({"transaction_id": "SBX0001", "payment_url": 7}, "`payment_url` is not a string"),
])
def test_an_unusable_create_answer_names_its_reason(app, wallet, stub, data, reason):
    stub.script(Reply(body={"code": 0, "data": data}))
    with pytest.raises(PartnerUnavailable):
        HmacGateway(wallet.partner).create_transaction(request_for())
    row = last_row("create-transaction")
    assert row.verdict.startswith("unusable answer") and reason in row.verdict


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"message": "done"}', "`code` is missing"),
    (b"done", "not JSON"),
])
def test_an_unusable_refund_answer_names_its_reason(app, wallet, stub, body, reason):
    stub.script(Reply(body=body))
    outcome = HmacGateway(wallet.partner).refund(reference="261122-7QK4M2XD", transaction_id="SBX0001",
                                                 amount=100, reason="test", request_id="RF-1")
    assert outcome.state == "UNKNOWN" and reason in outcome.message
    row = last_row("refund")
    assert row.verdict.startswith("unusable answer") and reason in row.verdict


def test_a_query_answer_without_amount_is_a_failed_check(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(created(stub))
    start_checkout(booking)
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "SBX0001", "status": "SUCCESS",
                                                "transaction_amount": booking.amount}}))
    assert sync_payment_status(reload(booking), min_interval_s=0).payment_status == "PENDING"
    check = db.session.get(PaymentCheck, booking.id)
    assert check.last_result.startswith("failed check") and "`amount` is missing" in check.last_result


def test_a_query_amount_that_differs_is_logged_and_not_applied(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(created(stub))
    start_checkout(booking)
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "SBX0001", "status": "SUCCESS",
                                                "amount": booking.amount + 1}}))
    assert sync_payment_status(reload(booking), min_interval_s=0).payment_status == "PENDING"
    row = last_row("query-transaction")
    assert row.verdict.startswith("unusable answer")
    assert f"amount {booking.amount + 1} differs from the booking's {booking.amount}" in row.verdict
    check = db.session.get(PaymentCheck, booking.id)
    assert check.last_result.startswith("failed check") and "differs" in check.last_result


# -- point 3: create without payment_url ------------------------------------------------------------------------


def test_create_without_payment_url_falls_back_to_the_registered_one(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "SBX0001"}}))
    handoff = start_checkout(booking)
    assert handoff.method == "redirect"
    assert handoff.url == (f"{stub.url}/pay/?transaction_id=SBX0001&reference_transaction_id={booking.reference}")


def test_no_usable_payment_url_says_why_in_the_log(app, wallet, stub):
    partner = wallet.partner
    partner.payment_url = None
    db.session.commit()
    with pytest.raises(PartnerUnavailable) as raised:
        HmacGateway(partner).build_handoff(request_for(), PartnerTransaction("SBX0001"))
    assert "no usable payment_url" in raised.value.reason and "none is registered" in raised.value.reason


def test_an_unregistered_payment_url_is_named_in_the_log(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "SBX0001",
                                                "payment_url": "https://evil.example/pay"}}))
    handoff = start_checkout(booking)  # the registered payment URL is used instead
    assert handoff.url.startswith(f"{stub.url}/pay/?transaction_id=SBX0001")
    row = last_row("create-transaction")
    assert "evil.example" in row.verdict and "registered payment_url used" in row.verdict
