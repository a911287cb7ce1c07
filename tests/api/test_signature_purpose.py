"""Issue 9, finding 4: a signature made for one purpose is never accepted for another.

Each test builds the exact message the merchant signs (its outbound create/query/refund calls, captured from the
real gateway) or a result link the partner signed for a user's browser, and sends it to the inbound API as an
attacker who copied it would: as `GET /api/v1/transaction` for another order of the same partner (a GET body was
the only signed part), or replayed verbatim at every inbound endpoint.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import pytest

from tests.payments.factories import SignedPartner, hmac_partner, hold_vip, sign
from webview.extensions import db
from webview.payments.gateway import HmacGateway, TransactionRequest


@dataclass
class Captured:
    """One call the merchant sent to the partner: method, URL, headers and raw body exactly as sent."""

    method: str
    url: str
    headers: dict
    body: bytes | None


@dataclass
class CapturingHttp:
    """A requests.Session stand-in that keeps every call and answers like a cooperative partner."""

    calls: list[Captured] = field(default_factory=list)

    def request(self, method, url, *, data=None, headers=None, timeout=None, allow_redirects=True):
        self.calls.append(Captured(method, url, dict(headers or {}), data))
        answer = {"code": 0, "message": "success",
                  "data": {"transaction_id": "SBX-CAPTURED", "payment_url": "http://127.0.0.1:5000/sandbox/pay/x",
                           "status": "PENDING", "amount": 1}}

        class _Response:
            status_code = 200
            content = json.dumps(answer).encode()

        return _Response()


@pytest.fixture
def wallet(app) -> SignedPartner:
    return hmac_partner()


def transaction_target(reference: str) -> str:
    return f"/api/v1/transaction?reference_transaction_id={reference}"


def merchant_calls(wallet: SignedPartner) -> dict[str, Captured]:
    """The merchant's own signed create, query and refund calls for one order of this partner."""
    booking = hold_vip(wallet.partner, identify_code="user-a")
    http = CapturingHttp()
    gateway = HmacGateway(wallet.partner, http=http, sleep=lambda _s: None)
    gateway.create_transaction(TransactionRequest(reference=booking.reference, amount=booking.amount,
                                                  description="VIP", expires_at=booking.hold_expires_at,
                                                  identify_code="user-a", product="vip"))
    gateway.query_transaction(booking.reference)
    gateway.refund(reference=booking.reference, transaction_id="SBX-CAPTURED", amount=1, reason="test",
                   request_id="req-1")
    return {call_kind: call for call_kind, call in zip(("create", "query", "refund"), http.calls, strict=True)}


def auth_headers(call: Captured) -> dict:
    return {name: call.headers[name] for name in ("X-Client-Id", "X-Timestamp", "X-Signature")}


@pytest.mark.parametrize("kind", ["create", "refund"])
def test_an_outbound_call_replayed_as_a_get_with_its_body_is_refused(client, wallet, kind):
    call = merchant_calls(wallet)[kind]
    other = hold_vip(wallet.partner, identify_code="user-b")
    response = client.get(transaction_target(other.reference), data=call.body, headers=auth_headers(call),
                          content_type="application/json")
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["code"] == 1 and response.get_json()["data"]["fields"] == ["body"]


def test_a_result_link_replayed_as_a_get_with_its_payload_as_body_is_refused(client, wallet):
    booking = hold_vip(wallet.partner, identify_code="user-a")
    other = hold_vip(wallet.partner, identify_code="user-b")
    # the link the partner gave the user's browser: sig over timestamp.client_id.partner_code.transaction_id
    timestamp, transaction_id = str(int(time.time() * 1000)), "SBX0001"
    booking.partner_transaction_id = transaction_id
    db.session.commit()
    sig = sign(wallet.client_id, wallet.secret, timestamp, f"{wallet.code}.{transaction_id}".encode())
    headers = {"X-Client-Id": wallet.client_id, "X-Timestamp": timestamp, "X-Signature": sig}
    body = f"{wallet.code}.{transaction_id}".encode()
    response = client.get(transaction_target(other.reference), data=body, headers=headers)
    assert response.status_code == 400 and response.get_json()["code"] == 1


def test_head_with_a_body_is_refused_too(client, wallet):
    booking = hold_vip(wallet.partner)
    body = b'{"any":"thing"}'
    response = client.open(transaction_target(booking.reference), method="HEAD", data=body,
                           headers=wallet.headers(body), content_type="application/json")
    assert response.status_code == 400


def test_a_get_with_a_signed_body_is_refused_even_when_the_body_was_signed_for_it(client, wallet):
    booking = hold_vip(wallet.partner)
    body = b'{"reference_transaction_id":"x"}'
    response = client.get(transaction_target(booking.reference), data=body, headers=wallet.headers(body),
                          content_type="application/json")
    assert response.status_code == 400 and response.get_json()["data"]["fields"] == ["body"]


def test_the_merchant_query_signature_is_refused_when_the_partner_query_url_looks_like_ours(client, wallet):
    """A partner whose query URL path is /api/v1/transaction gets our signature over exactly our own target."""
    wallet.partner.query_transaction_url = "http://127.0.0.1:5000/api/v1/transaction"
    db.session.commit()
    call = merchant_calls(wallet)["query"]
    target = call.url.removeprefix("http://127.0.0.1:5000")
    assert target.startswith("/api/v1/transaction?reference_transaction_id=")
    response = client.get(target, headers=auth_headers(call))
    assert response.status_code == 401 and response.get_json()["code"] == 7


@pytest.mark.parametrize("kind", ["create", "query", "refund"])
@pytest.mark.parametrize("path", ["/api/v1/webview-url", "/api/v1/payment/ipn"])
def test_no_outbound_call_is_accepted_by_an_inbound_post(client, wallet, kind, path):
    call = merchant_calls(wallet)[kind]
    body = call.body if call.body is not None else b""
    response = client.post(path, data=body, headers=auth_headers(call), content_type="application/json")
    assert response.get_json()["code"] != 0
    assert response.status_code in {400, 401}


def test_the_published_vector_still_verifies(client, wallet):
    """v1 is unchanged: a GET signed over its target, a POST over its body."""
    booking = hold_vip(wallet.partner)
    assert wallet.get(client, transaction_target(booking.reference)).get_json()["code"] == 0


def test_booking_detail_with_a_body_is_malformed(client):
    response = client.get("/api/v1/products/booking-detail?booking_number=261122-7QK4M2XD", data=b"abc",
                          headers={"apikey": "k", "x-ibe-req-name": "c"})
    assert response.status_code == 400 and response.get_json()["error_code"] == "07"


@pytest.mark.parametrize("path", ["/api/v1/webview-url", "/api/v1/payment/ipn"])
def test_a_result_link_is_not_accepted_by_an_inbound_post(client, wallet, path):
    timestamp, transaction_id = str(int(time.time() * 1000)), "SBX0001"
    payload = f"{wallet.code}.{transaction_id}".encode()  # what the link's sig covers after timestamp.client_id.
    headers = {"X-Client-Id": wallet.client_id, "X-Timestamp": timestamp,
               "X-Signature": sign(wallet.client_id, wallet.secret, timestamp, payload)}
    response = client.post(path, data=payload, headers=headers, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["code"] == 1
