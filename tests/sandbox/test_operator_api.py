"""Test API hooks: operator refunds (through webview's refund services) and the message feed, both ways."""

from __future__ import annotations

import pytest
import requests

from sandbox.exchange import HttpResult
from sandbox.operator.services import OperatorError, check_input


@pytest.mark.parametrize(("body", "fields"), [
    ({"amount": 1000, "reason": "r"}, ["reference_transaction_id"]),
    ({"reference_transaction_id": "261125-X", "amount": 0, "reason": "r"}, ["amount"]),
    ({"reference_transaction_id": "261125-X", "amount": True, "reason": "r"}, ["amount"]),
    ({"reference_transaction_id": "261125-X", "amount": "1000", "reason": "r"}, ["amount"]),
    ({"reference_transaction_id": "261125-X", "amount": 1000, "reason": " "}, ["reason"]),
])
def test_refund_input_errors(client, body, fields):
    response = client.post("/sandbox/api/refunds", json=body)
    assert response.status_code == 400 and response.get_json()["fields"] == fields


def test_check_input_names_every_bad_field():
    with pytest.raises(OperatorError) as raised:
        check_input("x" * 41, "", -1)
    assert raised.value.fields == ["reference_transaction_id", "reason", "amount"]


def test_refund_of_an_unknown_order_is_refused(client):
    response = client.post("/sandbox/api/refunds", json={"reference_transaction_id": "261125-NOPE0000",
                                                         "amount": 1000, "reason": "test"})
    assert response.status_code == 409 and "261125-NOPE0000" in response.get_json()["error"]


def test_messages_feed_both_ways(client, merchant, fake_merchant):
    fake_merchant.answer = lambda *args: HttpResult(200, b'{"code":0,"message":"success"}', None, 7)
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={})
    merchant.create("261125-OTHER001")
    feed = client.get("/sandbox/api/messages?reference_transaction_id=261125-ABCD1234").get_json()
    assert [(m["direction"], m["kind"]) for m in feed] == [("sandbox-inbound", "create"), ("sandbox-outbound", "ipn")]
    inbound, ipn = feed
    assert (inbound["from"], inbound["to"]) == ("merchant", "sandbox partner")
    assert inbound["verdict"].startswith("signature ok") and inbound["canonical"]
    assert (ipn["from"], ipn["to"], ipn["latency_ms"], ipn["status_code"]) == ("sandbox partner", "merchant", 7, 200)
    assert '"status": "SUCCESS"' in ipn["request_body"]
    by_partner = client.get("/sandbox/api/messages?partner_code=sbx-wallet").get_json()
    assert len(by_partner) == 3
    assert client.get("/sandbox/api/messages").status_code == 400
    assert client.get("/sandbox/api/messages?reference_transaction_id=261125-NONE").get_json() == []


def test_operator_refund_over_http_reaches_the_sandbox_partner(live_server_factory):
    """A paid demo-redirect order refunded through the test API: webview's refund service calls the sandbox."""
    from tests.payments import factories
    from webview.demo import run_seed
    from webview.extensions import db
    from webview.partners.services import find_partner
    from webview.payments.services import start_checkout

    server = live_server_factory()
    with server.app.app_context():
        run_seed()
        booking = factories.hold_vip(find_partner("demo-redirect"), identify_code="refund-user")
        reference, amount = booking.reference, booking.amount
        handoff = start_checkout(booking)
        db.session.commit()
    transaction_id = handoff.url.rsplit("/", 1)[-1]
    approved = requests.post(f"{server.url}/sandbox/api/transactions/{transaction_id}/approve", json={}, timeout=30)
    assert approved.json()["ipn"][0]["code"] == 0, approved.text

    partial = requests.post(f"{server.url}/sandbox/api/refunds", timeout=30, json={
        "reference_transaction_id": reference, "amount": 1000, "reason": "partial test"})
    assert partial.status_code == 200, partial.text
    assert partial.json()["status"] == "SUCCESS" and partial.json()["manual"] is False
    too_much = requests.post(f"{server.url}/sandbox/api/refunds", timeout=30, json={
        "reference_transaction_id": reference, "amount": amount, "reason": "too much"})
    assert too_much.status_code == 409
    view = requests.get(f"{server.url}/sandbox/api/transactions?reference_transaction_id={reference}",
                        timeout=10).json()
    assert view["refunded_amount"] == 1000 and view["refunds"][0]["request_id"] == partial.json()["request_id"]
    feed = requests.get(f"{server.url}/sandbox/api/messages?reference_transaction_id={reference}", timeout=10).json()
    directions = {(m["direction"], m["kind"]) for m in feed}
    assert ("sandbox-inbound", "refund") in directions and ("sandbox-outbound", "ipn") in directions
    assert any(m["direction"] == "inbound" for m in feed)  # webview's own log of the IPN it received
