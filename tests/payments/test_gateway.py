"""The hmac gateway against a scripted partner: signatures, retries with the same key, timeouts, garbage, logs."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.payments.conftest import register_hmac_partner
from tests.payments.stub_partner import Reply
from webview.db import utcnow
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.payments.gateway import (
    EnvelopeGateway,
    HmacGateway,
    PartnerRefused,
    PartnerUnavailable,
    TransactionRequest,
    check_bridge_function,
)


def request_for(reference: str = "261122-7QK4M2XD", amount: int = 1_250_000) -> TransactionRequest:
    return TransactionRequest(reference=reference, amount=amount, description="Flight HAN-SGN",
                              expires_at=utcnow() + timedelta(minutes=20), identify_code="user-42", product="flight")


def expected_signature(secret: str, client_id: str, timestamp: str, message: bytes) -> str:
    """DESIGN.md hmac signature, written independently of webview.signing."""
    payload = base64.urlsafe_b64encode(f"{timestamp}.{client_id}.".encode() + message).rstrip(b"=")
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def created(stub, **data) -> Reply:
    return Reply(body={"code": 0, "message": "success",
                       "data": {"transaction_id": "SBX0001", "payment_url": f"{stub.url}/pay/SBX0001", **data}})


def test_create_transaction_is_signed_and_logged(app, stub, fast_partner_http):
    partner, issued = register_hmac_partner(stub.url)
    stub.script(created(stub))
    transaction = HmacGateway(partner).create_transaction(request_for())
    assert transaction.transaction_id == "SBX0001"
    assert transaction.payment_url == f"{stub.url}/pay/SBX0001"
    (call,) = stub.received
    assert call.path == "/transactions"
    body = call.json()
    assert body["reference_transaction_id"] == "261122-7QK4M2XD"
    assert body["amount"] == 1_250_000 and body["currency"] == "VND"
    assert body["ipn_url"] == "http://127.0.0.1:5000/api/v1/payment/ipn"
    assert body["return_url"] == "http://127.0.0.1:5000/w/result?partner_code=stub-wallet"
    assert body["customer"] == {"identify_code": "user-42"}
    assert call.headers["X-Client-Id"] == issued.client_id
    assert call.headers["X-Signature"] == expected_signature(issued.client_secret, issued.client_id,
                                                              call.headers["X-Timestamp"], call.body)
    (logged,) = db.session.scalars(select(PartnerMessage)).all()
    assert (logged.direction, logged.kind, logged.status_code, logged.result_code) == \
        ("outbound", "create-transaction", 200, "0")
    assert logged.reference == "261122-7QK4M2XD" and logged.canonical and logged.verdict == "answered code 0"
    assert issued.client_secret not in logged.request_body + str(logged.request_headers)


def test_get_query_signs_the_request_target(app, stub, fast_partner_http):
    partner, issued = register_hmac_partner(stub.url)
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "SBX0001", "status": "SUCCESS", "amount": 5}}))
    result = HmacGateway(partner).query_transaction("261122-7QK4M2XD")
    assert (result.status, result.amount) == ("SUCCESS", 5)
    (call,) = stub.received
    assert call.path == "/transactions/query?reference_transaction_id=261122-7QK4M2XD"
    assert call.body == b""
    assert call.headers["X-Signature"] == expected_signature(issued.client_secret, issued.client_id,
                                                              call.headers["X-Timestamp"], call.path.encode())


def test_query_not_found_is_none(app, stub, fast_partner_http):
    partner, _ = register_hmac_partner(stub.url)
    stub.script(Reply(body={"code": 3, "message": "transaction not found"}))
    assert HmacGateway(partner).query_transaction("261122-7QK4M2XD") is None


@pytest.mark.parametrize("failure", [
    Reply(status=500, body=b"oops"),
    Reply(status=503, body={"code": 2, "message": "system error"}),
    Reply(delay_s=1.5),  # longer than the 0.5 s read timeout
])
def test_retries_with_the_same_idempotency_key_then_gives_up(app, stub, fast_partner_http, failure):
    partner, _ = register_hmac_partner(stub.url)
    stub.script(failure)
    with pytest.raises(PartnerUnavailable) as raised:
        HmacGateway(partner).create_transaction(request_for())
    assert "after 3 tries" in raised.value.reason
    assert len(stub.received) == 3
    assert {call.json()["reference_transaction_id"] for call in stub.received} == {"261122-7QK4M2XD"}
    assert len({call.body for call in stub.received}) == 1  # the very same body every time
    logged = db.session.scalars(select(PartnerMessage).order_by(PartnerMessage.id)).all()
    assert len(logged) == 3
    assert "retry 1 of 2" in logged[0].verdict and "retry" not in logged[-1].verdict


def test_recovers_when_a_retry_succeeds(app, stub, fast_partner_http):
    partner, _ = register_hmac_partner(stub.url)
    stub.script(Reply(status=502, body=b"bad gateway"), created(stub))
    assert HmacGateway(partner).create_transaction(request_for()).transaction_id == "SBX0001"
    assert len(stub.received) == 2


@pytest.mark.parametrize("garbage", [
    b"<html>not json</html>", b"[1, 2]", b'{"code": "0"}',
    b'{"code": 0, "data": {}}', b'{"code": 0, "data": {"transaction_id": 7}}',
    b'{"code": 0, "data": {"transaction_id": "a|b"}}',
])
def test_malformed_answers_are_unavailable_without_retry(app, stub, fast_partner_http, garbage):
    partner, _ = register_hmac_partner(stub.url)
    stub.script(Reply(body=garbage))
    with pytest.raises(PartnerUnavailable):
        HmacGateway(partner).create_transaction(request_for())
    assert len(stub.received) == 1


def test_a_refusal_is_final(app, stub, fast_partner_http):
    partner, _ = register_hmac_partner(stub.url)
    stub.script(Reply(status=401, body={"code": 7, "message": "authentication failed"}))
    with pytest.raises(PartnerRefused) as raised:
        HmacGateway(partner).create_transaction(request_for())
    assert raised.value.code == 7 and len(stub.received) == 1


def test_connection_refused_is_unavailable(app, fast_partner_http):
    partner, _ = register_hmac_partner("http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(PartnerUnavailable, match="connection error"):
        HmacGateway(partner, sleep=lambda s: None).create_transaction(request_for())


def test_refund_outcomes(app, stub, fast_partner_http):
    partner, _ = register_hmac_partner(stub.url)
    gateway = HmacGateway(partner)
    args = {"reference": "261122-7QK4M2XD", "transaction_id": "SBX0001", "amount": 100_000, "reason": "test",
            "request_id": "RF-1"}
    stub.script(Reply(body={"code": 0, "message": "success"}))
    assert gateway.refund(**args).state == "SUCCESS"
    stub.script(Reply(body={"code": 5, "message": "invalid amount"}))
    outcome = gateway.refund(**args)
    assert (outcome.state, outcome.code) == ("FAILED", 5)
    stub.received.clear()
    stub.script(Reply(status=500, body=b"down"))
    assert gateway.refund(**args).state == "UNKNOWN"
    assert {call.json()["request_id"] for call in stub.received} == {"RF-1"} and len(stub.received) == 3


def test_handoff_checks_partner_supplied_values(app, stub, fast_partner_http):
    partner, _ = register_hmac_partner(stub.url)
    gateway = HmacGateway(partner)
    from webview.payments.gateway import PartnerTransaction

    good = PartnerTransaction("SBX0001", payment_url=f"{stub.url}/pay/SBX0001")
    handoff = gateway.build_handoff(request_for(), good)
    assert (handoff.method, handoff.url, handoff.transaction_id) == ("redirect", good.payment_url, "SBX0001")
    for bad in ("https://evil.example/pay", "javascript:alert(1)", None):  # issue 11: the registered URL instead
        handoff = gateway.build_handoff(request_for(), PartnerTransaction("SBX0001", payment_url=bad))
        assert handoff.url.startswith(f"{stub.url}/pay/?transaction_id=SBX0001&")
    partner.payment_url = None
    for bad in ("https://evil.example/pay", "javascript:alert(1)", None):
        with pytest.raises(PartnerUnavailable):
            gateway.build_handoff(request_for(), PartnerTransaction("SBX0001", payment_url=bad))


def test_deeplink_handoff_falls_back_to_the_registered_template(app, stub):
    partner, _ = register_hmac_partner(stub.url, code="stub-deeplink", handoff="deeplink")
    from webview.payments.gateway import PartnerTransaction

    handoff = HmacGateway(partner).build_handoff(
        request_for(), PartnerTransaction("SBX 01", deeplink="evilpay://steal"))
    assert handoff.method == "deeplink"
    assert handoff.deeplink == "sandboxpay://pay?transaction_id=SBX%2001&amount=1250000"


def test_bridge_function_names():
    assert check_bridge_function("window.SandboxBridge.openPayment") == "window.SandboxBridge.openPayment"
    for bad in ("alert(1)", "a..b", "", None, "x;y", "a.b c"):
        with pytest.raises(PartnerUnavailable):
            check_bridge_function(bad)


def test_envelope_gateway_has_no_partner_api(app):
    from types import SimpleNamespace

    gateway = EnvelopeGateway(SimpleNamespace(code="e"))
    with pytest.raises(PartnerUnavailable):
        gateway.create_transaction(request_for())
    outcome = gateway.refund(reference="r", transaction_id="t", amount=1, reason="", request_id="x")
    assert outcome.state == "FAILED"
