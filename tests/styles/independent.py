"""A partner side of each preset written from docs/partners/styles.md and the wallets' public recipes alone.

Nothing here imports `webview.styles`: canonical strings are spelled out with string formatting, signatures made
with hashlib/hmac. `build_vectors()` makes the published vectors (docs/partners/styles/vectors.json); run
`python -m tests.styles.independent` to rewrite the file after a deliberate change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path
from urllib.parse import quote_plus

VECTORS = Path(__file__).resolve().parents[2] / "docs/partners/styles/vectors.json"
CLIENT_ID = "RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W"
SECRET = "EhjGcsUUuRSJTHiYPbW5fxzyaKEx0JuAZIKRQ4HnIfNFidB2kMg6locQbTIEz3Vf"
KEY2 = "Z2tEsTkEy2sEcReTfOrZaLoPaYcAlLbAcKs0123456789abcdefGHIJKLMNOPQ"
PARTNER_CODE = "mywallet"
REFERENCE = "261130-7QK4M2XD"
BASE = "https://merchant.example"
NOW_MS = 1796023805000  # 2026-11-30 14:30:05 GMT+7
EXPIRES_MS = 1796025005000  # 20 minutes later


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def php_urlencode(text: str) -> str:
    """PHP's urlencode: space '+', keep A-Z a-z 0-9 - _ ., every other UTF-8 byte %XX."""
    return quote_plus(text, safe="").replace("~", "%7E")


def hex_hmac(key: str, message: str, digest=hashlib.sha256) -> str:
    return hmac.new(key.encode(), message.encode(), digest).hexdigest()


def standard_signature(timestamp: str, tail: str) -> tuple[str, str]:
    """(signed text, signature) of the standard preset: base64url_nopad(ts.client_id.tail), HMAC-SHA256 hex."""
    signed = base64.urlsafe_b64encode(f"{timestamp}.{CLIENT_ID}.{tail}".encode()).rstrip(b"=").decode()
    return signed, hex_hmac(SECRET, signed)


def standard_ipn() -> dict:
    body = compact({"reference_transaction_id": REFERENCE, "transaction_amount": 150000,
                    "transaction_id": "SBX-42", "status": "SUCCESS", "partner_banking_method": "WALLET"})
    signed, signature = standard_signature(str(NOW_MS), body)
    return {"method": "POST", "content_type": "application/json", "target": f"/api/v1/partners/{PARTNER_CODE}/ipn",
            "headers": {"X-Client-Id": CLIENT_ID, "X-Timestamp": str(NOW_MS), "X-Signature": signature},
            "body": body, "signed": signed, "signature": signature}


MOMO_IPN_FIELDS = ["accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType", "partnerCode",
                   "payType", "requestId", "responseTime", "resultCode", "transId"]


def momo_signed(values: dict, names: list[str]) -> str:
    """MoMo's recipe: the named keys sorted, key=value with raw values, joined by '&' (accessKey = client id)."""
    values = {**{key: ("" if value is None else str(value)) for key, value in values.items()}, "accessKey": CLIENT_ID}
    return "&".join(f"{name}={values.get(name, '')}" for name in sorted(names))


def momo_ipn() -> dict:
    fields = {"partnerCode": PARTNER_CODE, "orderId": REFERENCE, "requestId": REFERENCE, "amount": 150000,
              "orderInfo": "VIP Monthly", "orderType": "momo_wallet", "transId": 4088878653, "resultCode": 0,
              "message": "Successful.", "payType": "qr", "responseTime": NOW_MS, "extraData": ""}
    signed = momo_signed(fields, MOMO_IPN_FIELDS)
    signature = hex_hmac(SECRET, signed)
    return {"method": "POST", "content_type": "application/json", "target": f"/api/v1/partners/{PARTNER_CODE}/ipn",
            "headers": {}, "body": compact({**fields, "signature": signature}), "signed": signed,
            "signature": signature}


def zalopay_ipn() -> dict:
    data = compact({"app_id": CLIENT_ID, "app_trans_id": REFERENCE, "app_time": NOW_MS - 60000, "app_user": "user-42",
                    "amount": 150000, "embed_data": "{}", "item": "[]", "zp_trans_id": 240000123,
                    "server_time": NOW_MS, "channel": 38, "merchant_user_id": "u1", "user_fee_amount": 0,
                    "discount_amount": 0})
    mac = hex_hmac(KEY2, data)
    return {"method": "POST", "content_type": "application/json", "target": f"/api/v1/partners/{PARTNER_CODE}/ipn",
            "headers": {}, "body": compact({"data": data, "mac": mac, "type": 1}), "signed": data, "signature": mac}


def vnpay_query(params: dict) -> tuple[str, str]:
    """(signed text, hash): the vnp_* params sorted, name=php_urlencode(value), '&', HMAC-SHA512 hex."""
    signed = "&".join(f"{name}={php_urlencode(str(params[name]))}" for name in sorted(params)
                      if name.startswith("vnp_") and name not in {"vnp_SecureHash", "vnp_SecureHashType"})
    return signed, hex_hmac(SECRET, signed, hashlib.sha512)


def vnpay_ipn() -> dict:
    params = {"vnp_Amount": "15000000", "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP14226112",
              "vnp_CardType": "ATM", "vnp_OrderInfo": "Thanh toan don hang 261130-7QK4M2XD ~ 50% & co",
              "vnp_PayDate": "20261130143005", "vnp_ResponseCode": "00", "vnp_TmnCode": CLIENT_ID,
              "vnp_TransactionNo": "14226112", "vnp_TransactionStatus": "00", "vnp_TxnRef": REFERENCE}
    signed, secure_hash = vnpay_query(params)
    query = "&".join(f"{php_urlencode(k)}={php_urlencode(v)}" for k, v in params.items())
    query += f"&vnp_SecureHash={secure_hash}"
    return {"method": "GET", "content_type": "", "target": f"/api/v1/partners/{PARTNER_CODE}/ipn?{query}",
            "headers": {}, "body": "", "signed": signed, "signature": secure_hash}


CREATE_VARIABLES = {"client_id": CLIENT_ID, "partner_code": PARTNER_CODE, "reference": REFERENCE,
                    "request_id": REFERENCE, "amount": 150000, "currency": "VND",
                    "description": "VIP Monthly 261130-7QK4M2XD",
                    "ipn_url": f"{BASE}/api/v1/partners/{PARTNER_CODE}/ipn",
                    "payment_ipn_url": f"{BASE}/api/v1/payment/ipn",
                    "return_url": f"{BASE}/w/result?partner_code={PARTNER_CODE}",
                    "expires_ms": EXPIRES_MS, "expires_in_s": 1200, "identify_code": "user-42", "product": "vip"}
V = CREATE_VARIABLES


def standard_create() -> dict:
    body = compact({"reference_transaction_id": REFERENCE, "amount": 150000, "currency": "VND",
                    "description": V["description"], "ipn_url": V["payment_ipn_url"], "return_url": V["return_url"],
                    "expires_at": EXPIRES_MS, "customer": {"identify_code": "user-42"}})
    signed, signature = standard_signature(str(NOW_MS), body)
    return {"method": "POST", "url": "https://wallet.example/create", "body": body, "signed": signed,
            "headers": {"X-Client-Id": CLIENT_ID, "X-Timestamp": str(NOW_MS), "X-Signature": signature}}


def momo_create() -> dict:
    fields = {"partnerCode": PARTNER_CODE, "requestId": REFERENCE, "amount": 150000, "orderId": REFERENCE,
              "orderInfo": V["description"], "redirectUrl": V["return_url"], "ipnUrl": V["ipn_url"],
              "requestType": "captureWallet", "extraData": "", "lang": "vi"}
    signed = momo_signed(fields, ["accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo",
                                  "partnerCode", "redirectUrl", "requestId", "requestType"])
    body = compact({**fields, "signature": hex_hmac(SECRET, signed)})
    return {"method": "POST", "url": "https://wallet.example/create", "body": body, "signed": signed, "headers": {}}


def zalopay_create() -> dict:
    fields = {"app_id": CLIENT_ID, "app_user": "user-42", "app_trans_id": REFERENCE, "app_time": str(NOW_MS),
              "expire_duration_seconds": "1200", "amount": "150000", "item": "[]", "description": V["description"],
              "embed_data": "{}", "callback_url": V["ipn_url"], "redirect_url": V["return_url"]}
    signed = "|".join(fields[name] for name in ("app_id", "app_trans_id", "app_user", "amount", "app_time",
                                                "embed_data", "item"))
    pairs = {**fields, "mac": hex_hmac(SECRET, signed)}
    body = "&".join(f"{php_urlencode(k)}={php_urlencode(v)}" for k, v in pairs.items())
    return {"method": "POST", "url": "https://wallet.example/create", "body": body, "signed": signed, "headers": {}}


def vnpay_create() -> dict:
    params = {"vnp_Amount": "15000000", "vnp_Command": "pay", "vnp_CreateDate": "20261130143005",
              "vnp_CurrCode": "VND", "vnp_ExpireDate": "20261130145005", "vnp_Locale": "vn",
              "vnp_OrderInfo": V["description"], "vnp_OrderType": "other", "vnp_ReturnUrl": V["return_url"],
              "vnp_TmnCode": CLIENT_ID, "vnp_TxnRef": REFERENCE, "vnp_Version": "2.1.0"}
    signed, secure_hash = vnpay_query(params)
    query = "&".join(f"{php_urlencode(k)}={php_urlencode(v)}" for k, v in params.items())
    url = f"https://wallet.example/pay?{query}&vnp_SecureHash={secure_hash}"
    return {"method": "GET", "url": url, "body": None, "signed": signed, "headers": {}}


def build_vectors() -> dict:
    """The published vectors: one status-in message and one create call per preset."""
    return {
        "version": 1,
        "credentials": {"client_id": CLIENT_ID, "client_secret": SECRET, "key2": KEY2, "partner_code": PARTNER_CODE},
        "now_ms": NOW_MS,
        "create_variables": {**{k: v for k, v in V.items() if k != "expires_ms"}, "expires_at_ms": EXPIRES_MS},
        "presets": {
            "standard": {"status_in": standard_ipn(), "create": standard_create()},
            "momo-like": {"status_in": momo_ipn(), "create": momo_create()},
            "zalopay-like": {"status_in": zalopay_ipn(), "create": zalopay_create()},
            "vnpay-like": {"status_in": vnpay_ipn(), "create": vnpay_create()},
        },
    }


if __name__ == "__main__":
    VECTORS.parent.mkdir(parents=True, exist_ok=True)
    VECTORS.write_text(json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {VECTORS}\n")
