"""Each preset's status-in call through /api/v1/partners/<code>/ipn: applied, repeated, refused — in the
wallet's own answers; messages built by the independent partner side (tests/styles/independent.py recipes)."""

from __future__ import annotations

import hashlib
import json
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from tests.payments.factories import hold_vip, reload
from tests.styles.conftest import hex_hmac, php_urlencode, styled_partner
from tests.styles.independent import MOMO_IPN_FIELDS, compact
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.partners.models import PartnerStyle
from webview.payments.gateway import gateway_for
from webview.payments.services import transaction_request
from webview.styles.presets import preset_document
from webview.styles.store import set_partner_style


def momo_message(signed, booking, *, result_code: int = 0, amount: int | None = None, trans_id: int = 4088878653,
                 partner_code: str | None = None, secret: str | None = None) -> dict:
    fields = {"partnerCode": partner_code or signed.code, "orderId": booking.reference, "requestId": booking.reference,
              "amount": booking.amount if amount is None else amount, "orderInfo": "VIP", "orderType": "momo_wallet",
              "transId": trans_id, "resultCode": result_code, "message": "m", "payType": "qr",
              "responseTime": int(time.time() * 1000), "extraData": ""}
    values = {**{name: str(value) for name, value in fields.items()}, "accessKey": signed.client_id}
    canonical = "&".join(f"{name}={values[name]}" for name in sorted(MOMO_IPN_FIELDS))
    signature = hex_hmac(secret or signed.secret, canonical)
    return {**fields, "signature": signature}


def momo_post(client, signed, message: dict):
    return client.post(f"/api/v1/partners/{signed.code}/ipn", data=json.dumps(message),
                       content_type="application/json")


def test_momo_like_answers_204_applies_once_and_refuses_in_its_words(app, client):
    signed, _ = styled_partner("momo-like", code="momo-shop")
    booking = hold_vip(signed.partner)
    first = momo_post(client, signed, momo_message(signed, booking))
    assert first.status_code == 204 and first.data == b""
    assert reload(booking).payment_status == "SUCCESS"
    repeat = momo_post(client, signed, momo_message(signed, booking))
    assert repeat.status_code == 204
    verdicts = [m.verdict for m in db.session.scalars(select(PartnerMessage).order_by(PartnerMessage.id))
                if m.kind == "styled-ipn"]
    assert "applied before" in verdicts[-1]

    forged = momo_post(client, signed, momo_message(signed, booking, secret="x" * 20))
    assert forged.status_code == 401 and forged.get_json() == {"resultCode": 7, "message": "invalid signature"}
    stranger = momo_post(client, signed, momo_message(signed, booking, partner_code="someone-else"))
    assert stranger.status_code == 401

    other = hold_vip(signed.partner, identify_code="user-9")
    assert momo_post(client, signed, momo_message(signed, other, amount=other.amount + 1)).status_code == 422
    declined = momo_post(client, signed, momo_message(signed, other, result_code=1006, trans_id=77))
    assert declined.status_code == 204  # any other resultCode is FAILURE (other_status)
    assert reload(other).payment_status == "FAILED"
    late_success = momo_post(client, signed, momo_message(signed, other, result_code=0, trans_id=77))
    assert late_success.status_code in {204, 409}  # the late-SUCCESS rule decides (re-hold, or closed)


def zalopay_callback(booking, client_id: str, key: str, *, amount: int | None = None, zp_trans_id: int = 240000123):
    data = compact({"app_id": client_id, "app_trans_id": booking.reference, "app_time": int(time.time() * 1000),
                    "app_user": "user-42", "amount": booking.amount if amount is None else amount,
                    "embed_data": "{}", "item": "[]", "zp_trans_id": zp_trans_id,
                    "server_time": int(time.time() * 1000), "channel": 38})
    return {"data": data, "mac": hex_hmac(key, data), "type": 1}


def test_zalopay_like_checks_the_data_string_with_key2_and_answers_return_codes(app, client):
    signed, secrets = styled_partner("zalopay-like", code="zalo-shop")
    assert set(secrets) == {"key2"}
    booking = hold_vip(signed.partner)
    url = f"/api/v1/partners/{signed.code}/ipn"
    with_key1 = client.post(url, json=zalopay_callback(booking, signed.client_id, signed.secret))
    assert with_key1.get_json() == {"return_code": -1, "return_message": "mac not equal"}
    paid = client.post(url, json=zalopay_callback(booking, signed.client_id, secrets["key2"]))
    assert paid.status_code == 200 and paid.get_json() == {"return_code": 1, "return_message": "success"}
    again = client.post(url, json=zalopay_callback(booking, signed.client_id, secrets["key2"]))
    assert again.get_json() == {"return_code": 2, "return_message": "duplicate"}
    assert reload(booking).partner_transaction_id == "240000123"
    not_a_string = client.post(url, json={"data": {"app_trans_id": booking.reference}, "mac": "00", "type": 1})
    assert not_a_string.get_json()["return_code"] == -1


def vnpay_target(code: str, params: dict, secret: str) -> str:
    signed = "&".join(f"{k}={php_urlencode(str(params[k]))}" for k in sorted(params))
    secure_hash = hex_hmac(secret, signed, hashlib.sha512)
    query = "&".join(f"{k}={php_urlencode(str(v))}" for k, v in params.items())
    return f"/api/v1/partners/{code}/ipn?{query}&vnp_SecureHash={secure_hash}"


def test_vnpay_like_is_a_signed_get_with_amounts_times_100(app, client):
    signed, _ = styled_partner("vnpay-like", code="vnp-shop")
    booking = hold_vip(signed.partner)

    def params(**changes):
        return {"vnp_Amount": str(booking.amount * 100), "vnp_BankCode": "NCB", "vnp_OrderInfo": "Thanh toan ~ 100%",
                "vnp_PayDate": "20261130143005", "vnp_ResponseCode": "00", "vnp_TmnCode": signed.client_id,
                "vnp_TransactionNo": "14226112", "vnp_TransactionStatus": "00", "vnp_TxnRef": booking.reference,
                **changes}

    assert client.get(vnpay_target(signed.code, params(), "wrong")).get_json() == \
        {"RspCode": "97", "Message": "Invalid signature"}
    assert client.get(vnpay_target(signed.code, params(vnp_Amount=str(booking.amount)), signed.secret)).get_json() \
        == {"RspCode": "04", "Message": "Invalid amount"}
    assert client.get(vnpay_target(signed.code, params(vnp_TxnRef="261130-NOSUCH00"), signed.secret)).get_json() \
        == {"RspCode": "01", "Message": "Order not found"}
    assert client.get(vnpay_target(signed.code, params(vnp_Amount="150000.5"), signed.secret)).get_json()["RspCode"] \
        == "99"
    ok = client.get(vnpay_target(signed.code, params(), signed.secret))
    assert ok.status_code == 200 and ok.get_json() == {"RspCode": "00", "Message": "Confirm Success"}
    assert client.get(vnpay_target(signed.code, params(vnp_PayDate="20261130143006"), signed.secret)).get_json() \
        == {"RspCode": "02", "Message": "Order already confirmed"}
    posted = client.post(vnpay_target(signed.code, params(), signed.secret))
    assert posted.status_code == 405 and posted.get_json()["RspCode"] == "99"


def test_standard_ipn_bytes_of_an_hmac_partner_are_accepted_and_share_the_replay_store(app, client):
    signed, _ = styled_partner("standard", code="std-shop")
    booking = hold_vip(signed.partner)
    body = json.dumps({"reference_transaction_id": booking.reference, "transaction_amount": booking.amount,
                       "transaction_id": "SBX-9", "status": "SUCCESS"}).encode()
    headers = signed.headers(body)
    styled = client.post(f"/api/v1/partners/{signed.code}/ipn", data=body, headers=headers,
                         content_type="application/json")
    assert styled.get_json() == {"code": 0, "message": "success", "data": {"transaction_id": "SBX-9"}}
    replayed = client.post("/api/v1/payment/ipn", data=body, headers=headers, content_type="application/json")
    assert replayed.status_code == 401 and replayed.get_json()["code"] == 7  # one replay store for both endpoints
    extra = json.dumps({"reference_transaction_id": booking.reference, "transaction_amount": booking.amount,
                        "transaction_id": "SBX-9", "status": "SUCCESS", "colour": "red"}).encode()
    refused = client.post(f"/api/v1/partners/{signed.code}/ipn", data=extra, headers=signed.headers(extra),
                          content_type="application/json")
    assert refused.status_code == 400 and refused.get_json()["data"]["fields"] == ["colour"]


@pytest.mark.parametrize("name", ["standard", "momo-like", "zalopay-like", "vnpay-like"])
def test_a_preset_set_twice_is_two_versions_and_keeps_its_named_secrets(app, name):
    signed, _ = styled_partner(name, code="twice")
    again = set_partner_style(signed.partner, preset_document(name), source="again")
    db.session.commit()
    assert again.row.version == 2 and again.issued_secrets == {}
    assert [row.version for row in db.session.scalars(select(PartnerStyle))] == [1, 2]
    assert signed.partner.profile == "styled"


def test_vnpay_like_create_is_a_signed_redirect_to_the_registered_payment_url_and_no_call(app):
    signed, _ = styled_partner("vnpay-like", code="vnp-pay")
    booking = hold_vip(signed.partner)
    created = gateway_for(signed.partner).create_transaction(transaction_request(booking, "user-42"))
    assert created.transaction_id == booking.reference  # the wallet names its own id in the IPN
    assert created.payment_url.startswith(signed.partner.payment_url + "?vnp_Amount=")
    params = dict(parse_qsl(urlsplit(created.payment_url).query))
    secure_hash = params.pop("vnp_SecureHash")
    assert params["vnp_Amount"] == str(booking.amount * 100) and params["vnp_TxnRef"] == booking.reference
    canonical = "&".join(f"{k}={php_urlencode(params[k])}" for k in sorted(params))
    assert secure_hash == hex_hmac(signed.secret, canonical, hashlib.sha512)
    logged = db.session.scalars(select(PartnerMessage).where(PartnerMessage.kind == "create-transaction")).one()
    assert logged.status_code is None and "no call" in logged.verdict
