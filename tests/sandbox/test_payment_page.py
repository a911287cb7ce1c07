"""The wallet payment page: PIN rules, CSRF, settling, the IPN exchange and the signed way back."""

from __future__ import annotations

import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from sandbox.models import SandboxTransaction
from sandbox.partner import services
from sandbox.protocol import hmac_auth
from webview.extensions import db
from webview.messagelog.models import PartnerMessage


@pytest.fixture
def transaction_id(merchant) -> str:
    return merchant.create().get_json()["data"]["transaction_id"]


def csrf_token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def status_of(transaction_id: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(SandboxTransaction.status).filter_by(transaction_id=transaction_id))


def test_page_shows_merchant_order_amount_and_controls(client, transaction_id):
    html = client.get(f"/sandbox/pay/{transaction_id}").get_data(as_text=True)
    for testid in ("sandbox-pin", "sandbox-approve", "sandbox-decline", "sandbox-cancel", "sandbox-pend"):
        assert f'data-testid="{testid}"' in html
    assert "261125-ABCD1234" in html and "127.0.0.1:5000" in html
    assert 'data-amount="1250000"' in html


def test_unknown_transaction_is_404(client, sandbox_partner):
    assert client.get("/sandbox/pay/SBXNOPE").status_code == 404


def test_post_without_csrf_token_is_refused(client, transaction_id):
    response = client.post(f"/sandbox/pay/{transaction_id}", data={"pin": "123456", "approve": "Pay"})
    assert response.status_code == 400
    assert status_of(transaction_id) == "PENDING"


@pytest.mark.parametrize("pin", ["", "12345", "abcdef", "12345a", "1234567", "１２３４５６", "654321"])
def test_wrong_or_non_numeric_pin_is_an_error_and_changes_nothing(client, transaction_id, pin):
    path = f"/sandbox/pay/{transaction_id}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "pin": pin, "approve": "Pay"})
    assert response.status_code == 400
    assert 'data-testid="sandbox-error"' in response.get_data(as_text=True)
    assert status_of(transaction_id) == "PENDING"
    assert db.session.scalars(select(PartnerMessage).filter_by(kind="ipn")).all() == []


@pytest.mark.parametrize(("button", "status", "ipn_status", "reason"), [
    ("approve", "SUCCESS", "SUCCESS", b""),
    ("decline", "FAILURE", "FAILURE", b',"message":"Insufficient balance in the wallet"'),
    ("cancel", "CANCELLED", "FAILURE", b',"message":"The customer cancelled the payment"'),
    ("pend", "PENDING", "PENDING", b""),
])
def test_choice_settles_sends_signed_ipn_and_returns_through_signed_result_url(
        client, transaction_id, sandbox_partner, monkeypatch, button, status, ipn_status, reason):
    sent = []

    def fake_send(method, url, *, headers, body=None, timeout=None):
        sent.append((method, url, headers, body))
        return services.HttpResult(404, b'{"code": 1}', None, 3)

    monkeypatch.setattr("sandbox.exchange.send", fake_send)
    path = f"/sandbox/pay/{transaction_id}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "pin": "123456", button: "x"})
    assert response.status_code == 303
    assert status_of(transaction_id) == status

    method, url, headers, body = sent[0]
    assert (method, url) == ("POST", "http://127.0.0.1:5000/api/v1/payment/ipn")
    assert body == (b'{"reference_transaction_id":"261125-ABCD1234","transaction_amount":1250000,'
                    b'"transaction_id":"' + transaction_id.encode() + b'","status":"' + ipn_status.encode()
                    + b'","partner_banking_method":"SANDBOX_WALLET"' + reason + b'}')  # a FAILURE says why
    assert hmac_auth.verify(client_id=headers["X-Client-Id"], timestamp=headers["X-Timestamp"],
                            signature=headers["X-Signature"], message=body,
                            expected_client_id=sandbox_partner["client_id"],
                            secrets=[sandbox_partner["client_secret"]]).ok
    logged = db.session.scalar(select(PartnerMessage).filter_by(kind="ipn"))
    assert logged.direction == "sandbox-outbound" and logged.status_code == 404
    assert logged.reference == "261125-ABCD1234" and logged.partner_code == "sbx-wallet"

    target = urlsplit(response.headers["Location"])
    query = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert target.path == "/w/result" and query["partner_code"] == "sbx-wallet"
    assert query["transaction_id"] == transaction_id
    assert query["sig"] == hmac_auth.result_link_signature(
        sandbox_partner["client_secret"], sandbox_partner["client_id"], "sbx-wallet", transaction_id,
        query["timestamp"])


def test_closed_transaction_cannot_be_paid_again(client, transaction_id, monkeypatch):
    monkeypatch.setattr("sandbox.exchange.send", lambda *a, **k: services.HttpResult(None, b"", "down", 1))
    path = f"/sandbox/pay/{transaction_id}"
    token = csrf_token(client, path)
    assert client.post(path, data={"csrf_token": token, "decline": "x"}).status_code == 303
    again = client.post(path, data={"csrf_token": token, "pin": "123456", "approve": "Pay"})
    assert again.status_code == 400 and status_of(transaction_id) == "FAILURE"
    assert 'data-testid="sandbox-approve"' not in client.get(path).get_data(as_text=True)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_merchant_is_recorded_not_fatal(client, merchant):
    ipn_url = f"http://127.0.0.1:{closed_port()}/api/v1/payment/ipn"
    transaction_id = merchant.create(ipn_url=ipn_url).get_json()["data"]["transaction_id"]
    path = f"/sandbox/pay/{transaction_id}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "pin": "123456", "approve": "Pay"})
    assert response.status_code == 303 and status_of(transaction_id) == "SUCCESS"
    logged = db.session.scalar(select(PartnerMessage).filter_by(kind="ipn"))
    assert logged.status_code is None and "ConnectionError" in logged.verdict


def test_approve_after_expiry_is_refused(client, merchant):
    transaction_id = merchant.create(reference="261125-OLD", expires_at=1_000).get_json()["data"]["transaction_id"]
    path = f"/sandbox/pay/{transaction_id}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "pin": "123456", "approve": "Pay"})
    assert response.status_code == 400 and status_of(transaction_id) == "PENDING"
