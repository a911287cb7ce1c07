"""The sandbox test API: access rules, launch as a partner (signed with the sandbox's code), driving payments."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from sandbox.access import access_refusal, cookie_value, is_loopback
from sandbox.credentials import upsert_credentials
from sandbox.exchange import HttpResult
from sandbox.protocol import envelope, hmac_auth
from webview.extensions import db
from webview.messagelog.models import PartnerMessage

REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


# --- access ------------------------------------------------------------------------------------------------

def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("127.8.0.1") and is_loopback("::1")
    assert is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("10.0.0.1") and not is_loopback("") and not is_loopback(None)
    assert not is_loopback("not-an-ip")


def test_access_rules():
    assert access_refusal("127.0.0.1", "", None, None) is None
    assert access_refusal("10.0.0.1", "", None, None) == "loopback_only"
    assert access_refusal("10.0.0.1", "", None, "tok") == "token_required"
    assert access_refusal("127.0.0.1", "", None, "tok") == "token_required"  # a set token is required everywhere
    assert access_refusal("10.0.0.1", "Basic dG9r", None, "tok") == "token_required"
    assert access_refusal("10.0.0.1", "Bearer nope", None, "tok") == "wrong_token"
    assert access_refusal("10.0.0.1", "Bearer tok", None, "tok") is None
    assert access_refusal("10.0.0.1", "", cookie_value("tok"), "tok") is None
    assert access_refusal("10.0.0.1", "", cookie_value("old"), "tok") == "wrong_token"
    assert cookie_value("tok") != "tok"


def test_remote_callers_need_the_token(make_app):
    open_app = make_app()
    refused = open_app.test_client().get("/sandbox/api/transactions?reference_transaction_id=x", environ_base=REMOTE)
    assert refused.status_code == 403 and "loopback" in refused.get_json()["error"]
    client = make_app(SANDBOX_TOKEN="s3cret-token").test_client()
    path = "/sandbox/api/transactions?reference_transaction_id=x"
    missing = client.get(path, environ_base=REMOTE)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(path, environ_base=REMOTE, headers={"Authorization": "Bearer wrong"}).status_code == 403
    allowed = client.get(path, environ_base=REMOTE, headers={"Authorization": "Bearer s3cret-token"})
    assert allowed.status_code == 404 and allowed.is_json  # through the guard: simply no such transaction


# --- launch ------------------------------------------------------------------------------------------------

def test_launch_input_errors_send_nothing(client, sandbox_partner, fake_merchant):
    assert client.post("/sandbox/api/launch", data="partner_code=x").status_code == 415
    assert client.post("/sandbox/api/launch", json=[1]).get_json()["fields"] == ["body"]
    assert client.post("/sandbox/api/launch", json={}).get_json()["fields"] == ["partner_code"]
    unknown = client.post("/sandbox/api/launch", json={"partner_code": "nobody"})
    assert unknown.status_code == 404 and "nobody" in unknown.get_json()["error"]
    assert fake_merchant.calls == []


def test_launch_hmac_signs_with_the_partner_secret_and_returns_the_urls(client, sandbox_partner, fake_merchant):
    def answer(method, url, headers, body):
        return HttpResult(200, json.dumps({"code": 0, "message": "success", "data": {
            "url_open": "http://127.0.0.1:5000/w/launch?token=abc", "request_id": "r",
            "url_checkout_result": "http://127.0.0.1:5000/w/result?partner_code=sbx-wallet"}}).encode(), None, 5)

    fake_merchant.answer = answer
    response = client.post("/sandbox/api/launch", json={
        "partner_code": "sbx-wallet", "identify_code": "u-1", "identify_phone": "0912345678", "locale": "en",
        "theme": {"button_color": "#000000"}, "email": None})
    assert response.status_code == 200
    assert response.get_json() == {"url_open": "http://127.0.0.1:5000/w/launch?token=abc",
                                   "url_checkout_result": "http://127.0.0.1:5000/w/result?partner_code=sbx-wallet"}
    method, url, headers, body = fake_merchant.calls[0]
    assert (method, url) == ("POST", "http://127.0.0.1:5000/api/v1/webview-url")
    assert json.loads(body) == {"identify_code": "u-1", "identify_phone": "0912345678", "locale": "en",
                                "theme": {"button_color": "#000000"}}
    assert hmac_auth.verify(client_id=headers["X-Client-Id"], timestamp=headers["X-Timestamp"],
                            signature=headers["X-Signature"], message=body,
                            expected_client_id=sandbox_partner["client_id"],
                            secrets=[sandbox_partner["client_secret"]]).ok
    logged = db.session.scalar(select(PartnerMessage).filter_by(kind="webview-url"))
    assert logged.direction == "sandbox-outbound" and logged.partner_code == "sbx-wallet"
    assert "0912345678" not in logged.request_body + logged.canonical


def test_launch_passes_the_partner_api_error_through(client, sandbox_partner, fake_merchant):
    refusal = {"code": 1, "message": "invalid request", "data": {"fields": ["theme.button_color"]}}
    fake_merchant.answer = lambda *args: HttpResult(400, json.dumps(refusal).encode(), None, 3)
    response = client.post("/sandbox/api/launch", json={"partner_code": "sbx-wallet", "identify_code": "u"})
    assert response.status_code == 400 and response.get_json() == refusal
    fake_merchant.answer = lambda *args: HttpResult(None, b"", "ConnectionError: refused", 3)
    down = client.post("/sandbox/api/launch", json={"partner_code": "sbx-wallet", "identify_code": "u"})
    assert down.status_code == 502 and "unreachable" in down.get_json()["error"]


@pytest.fixture(scope="module")
def envelope_keys():
    return (rsa.generate_private_key(public_exponent=65537, key_size=2048),
            rsa.generate_private_key(public_exponent=65537, key_size=2048))


def pem(key, private: bool) -> str:
    if private:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.mark.parametrize("suite", envelope.SUITES)
def test_launch_envelope_seals_the_login_and_opens_the_answer(app, client, fake_merchant, envelope_keys, suite):
    partner_key, merchant_key = envelope_keys
    upsert_credentials([{
        "partner_code": "sbx-travel", "client_id": "c", "client_secret": "s", "api_key": "api-key-2",
        "access_code": "ACCESS-2", "profile": "envelope", "suite": suite, "handoff": "redirect",
        "partner_private_key_pem": pem(partner_key, True), "merchant_public_key_pem": pem(merchant_key, False)}])
    db.session.commit()

    def answer(method, url, headers, body):
        sent = json.loads(body)
        fields = envelope.open_sealed(envelope.LOGIN_REQUEST, suite, sent["key"], sent["data"],
                                      receiver_private=merchant_key, sender_public=partner_key.public_key())
        assert headers["apikey"] == "api-key-2" and headers["x-ibe-req-name"] == "ACCESS-2"
        assert (fields["access_code"], fields["user_id"], fields["layout"], fields["product"]) == \
            ("ACCESS-2", "u-9", "dual", "hotel")
        reply = envelope.seal(envelope.LOGIN_RESPONSE, suite, {
            "access_code": "ACCESS-2", "error_code": "00", "redirect_url": "http://127.0.0.1:5000/w/launch?token=z"},
            sender_private=merchant_key, receiver_public=partner_key.public_key())
        return HttpResult(200, json.dumps(reply.as_body()).encode(), None, 4)

    fake_merchant.answer = answer
    response = client.post("/sandbox/api/launch", json={"partner_code": "sbx-travel", "identify_code": "u-9",
                                                         "identify_phone": "0912345678", "product": "hotel"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"url_open": "http://127.0.0.1:5000/w/launch?token=z", "url_checkout_result": None}
    assert fake_merchant.calls[0][1] == "http://127.0.0.1:5000/api/v1/partner/login"

    fake_merchant.answer = lambda *args: HttpResult(401, b'{"error_code": "10"}', None, 2)
    refused = client.post("/sandbox/api/launch", json={"partner_code": "sbx-travel", "identify_code": "u-9"})
    assert refused.status_code == 401 and refused.get_json() == {"error_code": "10"}
    piped = client.post("/sandbox/api/launch", json={"partner_code": "sbx-travel", "identify_code": "a|b"})
    assert piped.status_code == 400 and piped.get_json()["fields"] == ["identify_code"]


# --- payments ----------------------------------------------------------------------------------------------

def test_transactions_view(client, merchant):
    created = merchant.create().get_json()["data"]["transaction_id"]
    view = client.get("/sandbox/api/transactions?reference_transaction_id=261125-ABCD1234").get_json()
    assert view == {"transaction_id": created, "reference_transaction_id": "261125-ABCD1234", "status": "PENDING",
                    "amount": 1_250_000, "refunded_amount": 0, "refunds": [], "partner_code": "sbx-wallet"}
    assert client.get("/sandbox/api/transactions?reference_transaction_id=nope").status_code == 404
    assert client.get("/sandbox/api/transactions").status_code == 400


def ipn_calls(fake):
    return [(headers, json.loads(body)) for method, url, headers, body in fake.calls if url.endswith("/payment/ipn")]


def signature_ok(headers, body: dict, partner) -> bool:
    raw = json.dumps(body, separators=(",", ":")).encode()
    return hmac_auth.verify(client_id=headers["X-Client-Id"], timestamp=headers["X-Timestamp"],
                            signature=headers["X-Signature"], message=raw, expected_client_id=partner["client_id"],
                            secrets=[partner["client_secret"]]).ok


def test_approve_sends_a_signed_ipn_and_returns_the_result_url(client, merchant, sandbox_partner, fake_merchant):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    response = client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "SUCCESS" and body["ipn"] == [{"http_status": 404, "error": None, "code": None}]
    assert body["result_url"].startswith("http://127.0.0.1:5000/w/result?partner_code=sbx-wallet&transaction_id=")
    [(headers, ipn)] = ipn_calls(fake_merchant)
    assert ipn["status"] == "SUCCESS" and ipn["transaction_amount"] == 1_250_000
    assert signature_ok(headers, ipn, sandbox_partner)
    again = client.post(f"/sandbox/api/transactions/{transaction_id}/decline", json={})
    assert again.status_code == 409
    assert client.post("/sandbox/api/transactions/SBXNONE/approve", json={}).status_code == 404
    assert client.post(f"/sandbox/api/transactions/{transaction_id}/refund", json={}).status_code == 404


@pytest.mark.parametrize(("action", "status", "ipn_status"), [
    ("decline", "FAILURE", "FAILURE"), ("cancel", "CANCELLED", "FAILURE"), ("pend", "PENDING", "PENDING")])
def test_other_outcomes(client, merchant, fake_merchant, action, status, ipn_status):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    response = client.post(f"/sandbox/api/transactions/{transaction_id}/{action}", json={})
    assert response.get_json()["status"] == status
    assert [ipn["status"] for _, ipn in ipn_calls(fake_merchant)] == [ipn_status]


def test_faults_shape_the_ipns(client, merchant, sandbox_partner, fake_merchant):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    faults = {"duplicate": 2, "reorder": True, "bad_signature": True, "wrong_amount": True, "stale_timestamp": True}
    response = client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={"faults": faults})
    assert response.status_code == 200
    calls = ipn_calls(fake_merchant)
    assert [ipn["status"] for _, ipn in calls] == ["FAILURE", "SUCCESS", "SUCCESS", "SUCCESS"]
    for headers, ipn in calls:
        assert ipn["transaction_amount"] == 1_251_000
        assert not signature_ok(headers, ipn, sandbox_partner)
        assert int(headers["X-Timestamp"]) < hmac_auth.now_ms() - 500_000


def test_drop_sends_nothing_but_is_logged(client, merchant, fake_merchant):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    response = client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={"faults": {"drop": True}})
    assert response.get_json()["ipn"] == [] and ipn_calls(fake_merchant) == []
    logged = db.session.scalar(select(PartnerMessage).filter_by(kind="ipn"))
    assert logged.verdict == "not sent (drop fault)" and logged.status_code is None


@pytest.mark.parametrize("faults", [{"duplicate": 6}, {"delay_s": -1}, {"delay_s": True}, {"drop": "yes"},
                                    {"explode": True}, [1]])
def test_bad_faults_are_refused_and_nothing_changes(client, merchant, fake_merchant, faults):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    response = client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={"faults": faults})
    assert response.status_code == 400 and response.get_json()["fields"] == ["faults"]
    view = client.get("/sandbox/api/transactions?reference_transaction_id=261125-ABCD1234").get_json()
    assert view["status"] == "PENDING" and fake_merchant.calls == []
    assert client.post(f"/sandbox/api/transactions/{transaction_id}/decline",
                       json={"faults": {"drop": True}}).status_code == 400
