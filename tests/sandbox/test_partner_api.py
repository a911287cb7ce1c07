"""The sandbox partner's create/query/refund APIs: signatures, idempotency, refund bounds, the message log."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from sandbox.models import SandboxPartnerCredential, SandboxTransaction
from sandbox.protocol import hmac_auth
from webview.extensions import db
from webview.messagelog.models import PartnerMessage

CODE = "sbx-wallet"


def pay(reference: str) -> SandboxTransaction:
    transaction = db.session.scalar(select(SandboxTransaction).filter_by(reference_transaction_id=reference))
    transaction.status = "SUCCESS"
    db.session.commit()
    return transaction


def test_credentials_are_sealed_at_rest(sandbox_partner):
    row = db.session.scalar(select(SandboxPartnerCredential).filter_by(partner_code=CODE))
    assert sandbox_partner["client_secret"] not in row.client_secret_sealed
    assert row.api_key_sealed.startswith("v1.") and "api-key-1" not in row.api_key_sealed


def test_create_returns_payment_url_and_deeplink(merchant):
    response = merchant.create()
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["code"] == 0 and body["message"] == "success"
    transaction_id = body["data"]["transaction_id"]
    assert transaction_id.startswith("SBX")
    assert body["data"]["payment_url"] == f"http://127.0.0.1:5000/sandbox/pay/{transaction_id}"
    assert body["data"]["deeplink"] == f"sandboxpay://pay?transaction_id={transaction_id}&amount=1250000"
    stored = db.session.scalar(select(SandboxTransaction).filter_by(transaction_id=transaction_id))
    assert stored.status == "PENDING" and stored.amount == 1_250_000 and stored.customer_identify_code == "user-42"


def test_create_is_idempotent_on_reference(merchant):
    first = merchant.create().get_json()["data"]["transaction_id"]
    again = merchant.create()
    assert again.get_json()["code"] == 0 and again.get_json()["data"]["transaction_id"] == first
    assert len(db.session.scalars(select(SandboxTransaction)).all()) == 1
    other_amount = merchant.create(amount=999)
    assert other_amount.get_json()["code"] == 5


def test_bad_stale_or_foreign_signatures_are_refused(merchant, client):
    body = {"reference_transaction_id": "261125-X", "amount": 1000}
    assert merchant.post(f"/sandbox/partner/{CODE}/transactions", body, secret="wrong").status_code == 401
    stale = merchant.post(f"/sandbox/partner/{CODE}/transactions", body,
                          timestamp_ms=int(time.time() * 1000) - 301_000)
    assert stale.status_code == 401 and stale.get_json() == {
        "code": 7, "message": "timestamp outside the allowed window"}
    future = merchant.post(f"/sandbox/partner/{CODE}/transactions", body,
                           timestamp_ms=int(time.time() * 1000) + 301_000)
    assert future.get_json()["code"] == 7
    unsigned = client.post(f"/sandbox/partner/{CODE}/transactions", json=body)
    assert unsigned.status_code == 401 and unsigned.get_json()["code"] == 7
    unknown = merchant.post("/sandbox/partner/nobody/transactions", body)
    assert unknown.status_code == 401 and unknown.get_json()["message"] == "unknown partner"
    signed_for_other_body = merchant.post(f"/sandbox/partner/{CODE}/transactions", body,
                                          headers={"X-Client-Id": "another-client"})
    assert signed_for_other_body.status_code == 401
    assert db.session.scalars(select(SandboxTransaction)).all() == []


def test_schema_errors_list_the_fields(merchant):
    response = merchant.create(amount="100", currency="USD", ipn_url="ftp://x")
    assert response.status_code == 400
    assert response.get_json()["data"]["fields"] == ["amount", "currency", "ipn_url"]
    assert merchant.create(amount=True).get_json()["data"]["fields"] == ["amount"]
    assert merchant.post(f"/sandbox/partner/{CODE}/transactions", b"[1]").get_json()["data"]["fields"] == ["body"]
    assert merchant.post(f"/sandbox/partner/{CODE}/transactions", b"{no").get_json()["data"]["fields"] == ["body"]


def test_query_signs_the_raw_target(merchant):
    created = merchant.create().get_json()["data"]["transaction_id"]
    response = merchant.get(f"/sandbox/partner/{CODE}/transactions/query?reference_transaction_id=261125-ABCD1234")
    assert response.status_code == 200
    assert response.get_json()["data"] == {"transaction_id": created, "status": "PENDING", "amount": 1_250_000,
                                           "reference_transaction_id": "261125-ABCD1234", "refunded_amount": 0}
    missing = merchant.get(f"/sandbox/partner/{CODE}/transactions/query?reference_transaction_id=nope")
    assert missing.get_json()["code"] == 3
    no_reference = merchant.get(f"/sandbox/partner/{CODE}/transactions/query")
    assert no_reference.status_code == 400
    # a signature over another target is refused
    signed = hmac_auth.signed_headers(merchant.client_id, merchant.secret, b"/sandbox/other")
    tampered = merchant.client.get(f"/sandbox/partner/{CODE}/transactions/query?reference_transaction_id=x",
                                   headers=signed)
    assert tampered.status_code == 401


def refund(merchant, transaction_id: str, amount: int, request_id: str, reference: str = "261125-ABCD1234"):
    return merchant.post(f"/sandbox/partner/{CODE}/refunds", {
        "reference_transaction_id": reference, "transaction_amount": amount, "transaction_id": transaction_id,
        "reason": "customer asked", "request_id": request_id})


def test_refunds_are_bounded_and_idempotent(merchant):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    assert refund(merchant, transaction_id, 1000, "r-0").get_json()["code"] == 6  # not paid yet
    pay("261125-ABCD1234")
    first = refund(merchant, transaction_id, 1_000_000, "r-1")
    assert first.status_code == 200 and first.get_json()["code"] == 0
    assert first.get_json()["data"]["refunded_amount"] == 1_000_000
    repeat = refund(merchant, transaction_id, 1_000_000, "r-1")
    assert repeat.get_json()["code"] == 0 and repeat.get_json()["data"]["refunded_amount"] == 1_000_000
    too_much = refund(merchant, transaction_id, 250_001, "r-2")
    assert too_much.get_json()["code"] == 5
    assert refund(merchant, transaction_id, 250_001, "r-2").get_json()["code"] == 5  # a refusal is final
    rest = refund(merchant, transaction_id, 250_000, "r-3")
    assert rest.get_json()["code"] == 0 and rest.get_json()["data"]["refunded_amount"] == 1_250_000
    assert refund(merchant, transaction_id, 1, "r-4").get_json()["code"] == 5
    reused = refund(merchant, transaction_id, 5, "r-1")
    assert reused.status_code == 400 and reused.get_json()["data"]["fields"] == ["request_id"]
    assert refund(merchant, "SBXOTHER", 1, "r-5").get_json()["code"] == 4
    assert refund(merchant, transaction_id, 1, "r-6", reference="unknown").get_json()["code"] == 3
    assert refund(merchant, transaction_id, 0, "r-7").status_code == 400
    query = merchant.get(f"/sandbox/partner/{CODE}/transactions/query?reference_transaction_id=261125-ABCD1234")
    assert query.get_json()["data"]["refunded_amount"] == 1_250_000


def test_every_call_is_logged_inbound_with_secrets_kept_out(merchant):
    merchant.create()
    merchant.post(f"/sandbox/partner/{CODE}/transactions", {"x": 1}, secret="wrong")
    messages = db.session.scalars(select(PartnerMessage).order_by(PartnerMessage.id)).all()
    assert [m.direction for m in messages] == ["sandbox-inbound", "sandbox-inbound"]
    assert messages[0].partner_code == CODE and messages[0].kind == "create" and messages[0].status_code == 200
    assert messages[0].reference == "261125-ABCD1234" and messages[0].result_code == "0"
    assert messages[1].status_code == 401 and messages[1].verdict.startswith("refused")
    for message in messages:
        assert "sandbox-test-secret" not in json.dumps([message.request_headers, message.request_body,
                                                        message.canonical, message.verdict])
