#!/usr/bin/env python3
r"""Partner sample (Python 3.10+, `requests` and `cryptography`): the partner side of both integration profiles.

    python examples/partner.py check-vectors docs/partners/vectors.json   exit 1 on any mismatch
    python examples/partner.py launch --base-url U --client-id ID --client-secret S [--product vip --locale en]
    python examples/partner.py transaction --base-url U --client-id ID --client-secret S --reference REF
    python examples/partner.py ipn --base-url U --client-id ID --client-secret S --reference REF --amount N \
        --transaction-id TXN [--status SUCCESS|FAILURE|PENDING]
    python examples/partner.py result-link --url-checkout-result URL --client-id ID --client-secret S \
        --partner-code CODE --transaction-id TXN
    python examples/partner.py envelope-login|envelope-query --base-url U --api-key K --access-code C \
        --partner-key partner.pem --merchant-key merchant.pem --suite modern|legacy [--booking-number REF]
    python examples/partner.py serve --port 0 --client-id ID --client-secret S --partner-code CODE
    python examples/partner.py serve --port 0 --base-url U --api-key K --access-code C \
        --partner-key partner.pem --merchant-key merchant.pem --suite modern|legacy

`serve` is a tiny partner server on 127.0.0.1: POST /txn (create transaction), GET /txn/query (query),
POST /refund (refund) verify the merchant's signed calls and answer per contract; GET /pay/<id> is the payment
page and POST /pay/<id>/approve "pays": it sends the signed IPN and answers the signed result link; GET /state
shows what the server holds. Given the envelope options (--access-code and the others above) it also serves the
envelope side: GET /envelope/pay?key=&data= opens the merchant's sealed place-order redirect (decrypt with the
partner key, verify the merchant's signature; register --payment-url http://127.0.0.1:P/envelope/pay) and answers
the order as JSON (booking_number, total_amount, product_type, partner_trans_id, ...); POST
/envelope/pay/<booking_number>/approve "pays": it seals the commit to <base-url>/api/v1/partner/commit and answers
the opened commit answer as JSON. See docs/partners/ for the contract.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

import requests
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

WINDOW_MS = 300_000
TIMEOUT = (3.05, 15)

# -- profile hmac -------------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def signing_input(timestamp: str, client_id: str, message: bytes) -> str:
    """base64url_nopad(P), P = timestamp "." client_id "." (raw body bytes, or the raw request target)."""
    return b64url(f"{timestamp}.{client_id}.".encode() + message)


def sign(client_id: str, secret: str, timestamp: str, message: bytes) -> str:
    """X-Signature: lowercase hex HMAC-SHA256(key = client secret as UTF-8, msg = base64url_nopad(P))."""
    return hmac.new(secret.encode("utf-8"), signing_input(timestamp, client_id, message).encode("ascii"),
                    hashlib.sha256).hexdigest()


def signed_headers(client_id: str, secret: str, message: bytes, timestamp_ms: int | None = None) -> dict:
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    return {"X-Client-Id": client_id, "X-Timestamp": timestamp,
            "X-Signature": sign(client_id, secret, timestamp, message)}


def request_target(url: str) -> str:
    """The raw request target: path and query, no '?' when the query is empty."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def verify_signed(headers, message: bytes, client_id: str, secrets: list[str], seen: dict | None,
                  now_ms: int | None = None) -> str | None:
    """Check the merchant's X-Client-Id / X-Timestamp / X-Signature: None when good, else the reason."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    given_id, timestamp = headers.get("X-Client-Id", ""), headers.get("X-Timestamp", "")
    signature = headers.get("X-Signature", "").lower()
    if not (given_id and timestamp and signature):
        return "missing X-Client-Id, X-Timestamp or X-Signature"
    if not hmac.compare_digest(given_id.encode(), client_id.encode()):
        return "unknown client id"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 16):
        return "malformed timestamp"
    if abs(now_ms - int(timestamp)) > WINDOW_MS:
        return "timestamp outside ±300 s"
    ok = False
    for secret in secrets:  # during a secret rotation both secrets verify
        ok |= hmac.compare_digest(sign(given_id, secret, timestamp, message).encode(), signature.encode())
    if not ok:
        return "invalid signature"
    if seen is not None:
        key = (given_id, timestamp, hashlib.sha256(f"{timestamp}.{given_id}.".encode() + message).hexdigest())
        for old in [k for k, expiry in seen.items() if expiry < now_ms]:
            seen.pop(old, None)
        if key in seen:
            return "replay"
        seen[key] = int(timestamp) + WINDOW_MS
    return None


def result_link_signature(secret: str, client_id: str, partner_code: str, transaction_id: str, timestamp: str) -> str:
    """hex HMAC-SHA256(secret, base64url_nopad("timestamp.client_id.partner_code.transaction_id"))."""
    message = b64url(f"{timestamp}.{client_id}.{partner_code}.{transaction_id}".encode())
    return hmac.new(secret.encode("utf-8"), message.encode("ascii"), hashlib.sha256).hexdigest()


def result_link(url_checkout_result: str, client_id: str, secret: str, partner_code: str, transaction_id: str,
                timestamp: str | None = None) -> str:
    timestamp = timestamp or str(int(time.time() * 1000))
    sig = result_link_signature(secret, client_id, partner_code, transaction_id, timestamp)
    joiner = "&" if "?" in url_checkout_result else "?"
    return (f"{url_checkout_result}{joiner}transaction_id={quote(transaction_id, safe='')}"
            f"&timestamp={timestamp}&sig={sig}")


def hmac_post(url: str, client_id: str, secret: str, payload: dict) -> requests.Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")  # bytes sent = bytes signed
    return requests.post(url, data=body, timeout=TIMEOUT,
                         headers={"Content-Type": "application/json", **signed_headers(client_id, secret, body)})


def hmac_get(url: str, client_id: str, secret: str) -> requests.Response:
    return requests.get(url, timeout=TIMEOUT, headers=signed_headers(client_id, secret, request_target(url).encode()))


# -- profile envelope ---------------------------------------------------------------------------------------

_TRANSACTION_ANSWER = "access_code|booking_number|error_code|product_type|properties|return_url|signature|total_amount"
MESSAGES = {  # original-data layouts; the signature data is the same without "signature"; modern adds "|timestamp"
    "login_request": "access_code|user_id|layout|product|signature",
    "login_response": "access_code|error_code|redirect_url|signature",
    "place_order": "access_code|booking_number|product_type|signature|total_amount",
    "commit_request": "access_code|booking_number|partner_trans_id|product_type|signature",
    "query_request": "access_code|booking_number|signature",
    "commit_response": _TRANSACTION_ANSWER,
    "query_response": _TRANSACTION_ANSWER,
}
OAEP = rsa_padding.OAEP(mgf=rsa_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
PSS = rsa_padding.PSS(mgf=rsa_padding.MGF1(hashes.SHA256()), salt_length=32)


def layouts(name: str, suite: str) -> tuple[list[str], list[str]]:
    """(signed, original) field names of a message in a suite."""
    original = MESSAGES[name].split("|") + (["timestamp"] if suite == "modern" else [])
    return [field for field in original if field != "signature"], original


def unb64(text: str) -> bytes:
    text = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def sign_text(suite: str, private_key, text: str) -> str:
    pad = PSS if suite == "modern" else rsa_padding.PKCS1v15()
    return base64.b64encode(private_key.sign(text.encode("utf-8"), pad, hashes.SHA256())).decode("ascii")


def verify_text(suite: str, public_key, text: str, signature: str) -> bool:
    pad = PSS if suite == "modern" else rsa_padding.PKCS1v15()
    try:
        public_key.verify(unb64(signature), text.encode("utf-8"), pad, hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def encrypt_data(suite: str, key: bytes, plaintext: bytes, nonce: bytes | None = None) -> bytes:
    if suite == "modern":
        nonce = nonce or os.urandom(12)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    padder = padding.PKCS7(64).padder()
    encryptor = Cipher(TripleDES(key), modes.ECB()).encryptor()  # noqa: S305 (the legacy suite is ECB by contract)
    return encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()


def decrypt_data(suite: str, key: bytes, data: bytes) -> bytes:
    if suite == "modern":
        return AESGCM(key).decrypt(data[:12], data[12:], None)
    decryptor = Cipher(TripleDES(key), modes.ECB()).decryptor()  # noqa: S305
    unpadder = padding.PKCS7(64).unpadder()
    return unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()


def unwrap_key(suite: str, private_key, wrapped: bytes) -> bytes:
    key = private_key.decrypt(wrapped, OAEP if suite == "modern" else rsa_padding.PKCS1v15())
    if len(key) != (32 if suite == "modern" else 24):
        raise ValueError("symmetric key of the wrong length")
    return key


def seal(name: str, suite: str, values: dict, own_private, their_public, *, key: bytes | None = None,
         nonce: bytes | None = None) -> dict:
    """Sign with our key, encrypt to theirs: {"key", "data"} plus the texts (for logs and the vector check)."""
    signed, original = layouts(name, suite)
    filled = dict(values)
    if suite == "modern":
        filled.setdefault("timestamp", str(int(time.time() * 1000)))
    for field in signed:
        if not isinstance(filled.get(field), str) or "|" in filled[field]:
            raise ValueError(f"field {field} missing or contains '|'")
    signature_data = "|".join(filled[field] for field in signed)
    filled["signature"] = sign_text(suite, own_private, signature_data)
    original_data = "|".join(filled[field] for field in original)
    key = key or os.urandom(32 if suite == "modern" else 24)
    wrapped = their_public.encrypt(key, OAEP if suite == "modern" else rsa_padding.PKCS1v15())
    return {"key": b64url(wrapped), "data": b64url(encrypt_data(suite, key, original_data.encode("utf-8"), nonce)),
            "signature_data": signature_data, "original_data": original_data, "signature": filled["signature"]}


def open_message(name: str, suite: str, key: str, data: str, own_private, their_public,
                 now_ms: int | None = None) -> dict:
    """Decrypt with our key, verify with theirs (modern: and the ±300 s timestamp); fields without the signature."""
    signed, original = layouts(name, suite)
    try:
        text = decrypt_data(suite, unwrap_key(suite, own_private, unb64(key)), unb64(data)).decode("utf-8")
    except (ValueError, InvalidTag, UnicodeDecodeError) as error:
        raise ValueError("04: cannot decrypt") from error
    parts = text.split("|")
    if len(parts) != len(original):
        raise ValueError(f"07: expected {len(original)} fields, got {len(parts)}")
    fields = dict(zip(original, parts, strict=True))
    if not verify_text(suite, their_public, "|".join(fields[field] for field in signed), fields["signature"]):
        raise ValueError("04: bad signature")
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if suite == "modern" and (not fields["timestamp"].isdigit() or abs(now_ms - int(fields["timestamp"])) > WINDOW_MS):
        raise ValueError("04: stale timestamp")
    fields.pop("signature")
    return fields


def load_key(text: str, private: bool):
    """An RSA key from PEM or .NET XML <RSAKeyValue> (public, or private with P, Q, DP, DQ, InverseQ, D)."""
    if "<RSAKeyValue>" in text:
        def number(tag: str) -> int:
            start = text.index(f"<{tag}>") + len(tag) + 2
            return int.from_bytes(base64.b64decode(text[start:text.index(f"</{tag}>")].strip()), "big")
        public = rsa.RSAPublicNumbers(number("Exponent"), number("Modulus"))
        if not private:
            return public.public_key()
        return rsa.RSAPrivateNumbers(number("P"), number("Q"), number("D"), number("DP"), number("DQ"),
                                     number("InverseQ"), public).private_key()
    if private:
        return serialization.load_pem_private_key(text.encode(), password=None)
    return serialization.load_pem_public_key(text.encode())


def envelope_call(base_url: str, path: str, name: str, reply: str, values: dict, e: dict) -> dict:
    sealed = seal(name, e["suite"], values, e["partner_key"], e["merchant_key"])
    response = requests.post(base_url.rstrip("/") + path, json={"key": sealed["key"], "data": sealed["data"]},
                             headers={"apikey": e["api_key"], "x-ibe-req-name": e["access_code"]}, timeout=TIMEOUT)
    answer = response.json()
    if not isinstance(answer.get("key"), str):  # an unknown partner gets a plaintext {"error_code": "10"}
        return {"error_code": str(answer.get("error_code", "99")), "http_status": response.status_code}
    return {**open_message(reply, e["suite"], answer["key"], answer["data"], e["partner_key"], e["merchant_key"]),
            "http_status": response.status_code}


# -- vector check -------------------------------------------------------------------------------------------


def check_vectors(document: dict) -> tuple[int, list[str]]:
    failures: list[str] = []
    checks = itertools.count(1)
    last = 0

    def expect(ok: bool, what: str) -> None:
        nonlocal last
        last = next(checks)
        if not ok:
            failures.append(what)

    for v in document["hmac"]["requests"]:
        message = (v["body"] if v["body"] is not None else v["target"]).encode("utf-8")
        expect(signing_input(v["timestamp"], v["client_id"], message) == v["signing_input_base64url"],
               f"hmac {v['name']}: signing input")
        expect(sign(v["client_id"], v["client_secret"], v["timestamp"], message) == v["signature"],
               f"hmac {v['name']}: signature")
        expect(verify_signed({"X-Client-Id": v["client_id"], "X-Timestamp": v["timestamp"],
                              "X-Signature": v["signature"]}, message, v["client_id"], [v["client_secret"]], None,
                             int(v["timestamp"])) is None, f"hmac {v['name']}: verification")
    for link in document["hmac"]["result_links"]:
        expect(result_link_signature(link["client_secret"], link["client_id"], link["partner_code"],
                                     link["transaction_id"], link["timestamp"]) == link["sig"], "result link: sig")
        expect(result_link(link["url_checkout_result"], link["client_id"], link["client_secret"], link["partner_code"],
                           link["transaction_id"], link["timestamp"]) == link["url"], "result link: url")
    k = document["keys"]
    keys = {who: (load_key(k[f"{who}_private_key_pem"], True), load_key(k[f"{who}_public_key_pem"], False))
            for who in ("partner", "merchant")}
    expect(load_key(k["partner_private_key_xml"], True).private_numbers() == keys["partner"][0].private_numbers(),
           "partner private key: XML = PEM")
    expect(load_key(k["merchant_public_key_xml"], False).public_numbers() == keys["merchant"][1].public_numbers(),
           "merchant public key: XML = PEM")
    for v in document["envelope"]["messages"]:
        name, suite, what = v["name"], v["suite"], f"envelope {v['name']} ({v['suite']})"
        signed, original = layouts(name, suite)
        expect(("|".join(signed), "|".join(original)) == (v["signed_layout"], v["original_layout"]), f"{what}: layout")
        expect("|".join(v["values"][f] for f in signed) == v["signature_data"], f"{what}: signature data")
        expect("|".join(v["signature"] if f == "signature" else v["values"][f] for f in original) == v["original_data"],
               f"{what}: original data")
        sender_private, sender_public = keys[v["sender"]]
        receiver_private, receiver_public = keys[v["receiver"]]
        expect(verify_text(suite, sender_public, v["signature_data"], v["signature"]), f"{what}: signature verifies")
        key = bytes.fromhex(v["symmetric_key_hex"])
        expect(unwrap_key(suite, receiver_private, unb64(v["key"])) == key, f"{what}: wrapped key unwraps")
        nonce = bytes.fromhex(v["nonce_hex"]) if v["nonce_hex"] else None
        expect(b64url(encrypt_data(suite, key, v["original_data"].encode(), nonce)) == v["data"],
               f"{what}: data reproduced from the fixed key")
        try:
            opened = open_message(name, suite, v["key"], v["data"], receiver_private, sender_public,
                                  int(v["values"].get("timestamp", time.time() * 1000)))
            expect(opened == v["values"], f"{what}: opened fields")
        except ValueError as error:
            expect(False, f"{what}: open: {error}")
        if suite == "legacy":  # deterministic signature: our own seal gives the same data byte for byte
            expect(sign_text(suite, sender_private, v["signature_data"]) == v["signature"], f"{what}: signature")
            expect(seal(name, suite, v["values"], sender_private, receiver_public, key=key)["data"] == v["data"],
                   f"{what}: sealed data reproduced")
    return last, failures


# -- the partner server -------------------------------------------------------------------------------------


class PartnerState:
    def __init__(self, client_id: str | None, secrets: list[str], partner_code: str | None,
                 envelope: dict | None = None, merchant_base_url: str = "") -> None:
        self.client_id, self.secrets, self.partner_code = client_id, secrets, partner_code
        self.envelope, self.merchant_base_url = envelope, merchant_base_url  # envelope: None when not served
        self.transactions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.envelope_orders: dict[str, dict] = {}
        self.seen: dict = {}
        self.lock = threading.Lock()
        self.counter = itertools.count(1)
        self.port = 0


def _is_id(value, limit: int = 100) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and "|" not in value


def _is_amount(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def make_handler(state: PartnerState):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def reply(self, status: int, payload, content_type: str = "application/json") -> None:
            body = (json.dumps(payload) if content_type == "application/json" else payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def authenticated(self, message: bytes) -> bool:
            problem = ("this server has no hmac client (serve --client-id ...)" if not state.client_id else
                       verify_signed(self.headers, message, state.client_id, state.secrets, state.seen))
            if problem:
                self.reply(401, {"code": 7, "message": f"authentication failed: {problem}"})
            return problem is None

        def body(self) -> tuple[bytes, dict | None]:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            return raw, parsed if isinstance(parsed, dict) else None

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/txn/query":
                if not self.authenticated(self.path.encode()):  # a GET is signed over its request target
                    return
                reference = parse_qs(urlsplit(self.path).query).get("reference_transaction_id", [""])[0]
                transaction = state.transactions.get(reference)
                if transaction is None:
                    return self.reply(200, {"code": 3, "message": "transaction not found"})
                # the merchant reads `amount` here (not transaction_amount)
                return self.reply(200, {"code": 0, "message": "success", "data": {
                    "transaction_id": transaction["transaction_id"], "status": transaction["status"],
                    "amount": transaction["amount"]}})
            if path.startswith("/pay/"):
                return self.reply(200, f'<!doctype html><form method="post" action="{path}/approve"><button>Pay'
                                       "</button></form>", "text/html")
            if path == "/envelope/pay" and state.envelope is not None:
                return self.place_order(parse_qs(urlsplit(self.path).query))
            if path == "/state":
                return self.reply(200, {"transactions": list(state.transactions.values()),
                                        "refunds": list(state.refunds.values()),
                                        "envelope_orders": list(state.envelope_orders.values())})
            return self.reply(404, {"code": 1, "message": "no such endpoint"})

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            raw, body = self.body()
            if path == "/txn":
                return self.create(raw, body)
            if path == "/refund":
                return self.refund(raw, body)
            if path.startswith("/pay/") and path.endswith("/approve"):
                return self.approve(path[len("/pay/"):-len("/approve")])
            if path.startswith("/envelope/pay/") and path.endswith("/approve") and state.envelope is not None:
                return self.commit(unquote(path[len("/envelope/pay/"):-len("/approve")]))
            return self.reply(404, {"code": 1, "message": "no such endpoint"})

        def create(self, raw: bytes, body: dict | None) -> None:
            if not self.authenticated(raw):
                return
            bad = ["body"] if body is None else [name for name, ok in (
                ("reference_transaction_id", _is_id(body.get("reference_transaction_id"), 40)),
                ("amount", _is_amount(body.get("amount"))), ("currency", body.get("currency") == "VND"),
                ("ipn_url", isinstance(body.get("ipn_url"), str)),
                ("return_url", isinstance(body.get("return_url"), str)),
                ("expires_at", isinstance(body.get("expires_at"), int)),
                ("customer.identify_code", isinstance(body.get("customer"), dict)
                 and _is_id(body["customer"].get("identify_code")))) if not ok]
            if bad:
                return self.reply(400, {"code": 1, "message": "invalid request", "data": {"fields": bad}})
            with state.lock:  # idempotent on reference_transaction_id
                transaction = state.transactions.get(body["reference_transaction_id"])
                if transaction is not None and transaction["amount"] != body["amount"]:
                    return self.reply(200, {"code": 5, "message": "amount differs from the first request"})
                if transaction is None:
                    transaction = {"transaction_id": f"PY-{int(time.time() * 1000)}-{next(state.counter)}",
                                   "reference_transaction_id": body["reference_transaction_id"],
                                   "amount": body["amount"], "status": "PENDING", "ipn_url": body["ipn_url"],
                                   "return_url": body["return_url"], "refunded_amount": 0}
                    state.transactions[body["reference_transaction_id"]] = transaction
            return self.reply(200, {"code": 0, "message": "success", "data": {
                "transaction_id": transaction["transaction_id"],
                "payment_url": f"http://127.0.0.1:{state.port}/pay/{quote(transaction['transaction_id'], safe='')}"}})

        def refund(self, raw: bytes, body: dict | None) -> None:
            if not self.authenticated(raw):
                return
            bad = ["body"] if body is None else [name for name, ok in (
                ("reference_transaction_id", _is_id(body.get("reference_transaction_id"), 40)),
                ("transaction_amount", _is_amount(body.get("transaction_amount"))),
                ("request_id", _is_id(body.get("request_id"))),
                ("transaction_id", isinstance(body.get("transaction_id"), str))) if not ok]
            if bad:
                return self.reply(400, {"code": 1, "message": "invalid request", "data": {"fields": bad}})
            with state.lock:
                previous = state.refunds.get(body["request_id"])  # idempotent on request_id
                if previous is not None:
                    return self.reply(200, previous["answer"])
                transaction = state.transactions.get(body["reference_transaction_id"])
                if transaction is None or transaction["transaction_id"] != body["transaction_id"]:
                    answer = {"code": 3, "message": "transaction not found"}
                elif transaction["status"] != "SUCCESS":
                    answer = {"code": 6, "message": "transaction not paid"}
                elif transaction["refunded_amount"] + body["transaction_amount"] > transaction["amount"]:
                    answer = {"code": 5, "message": "amount exceeds what is left"}
                else:
                    transaction["refunded_amount"] += body["transaction_amount"]
                    answer = {"code": 0, "message": "success", "data": {
                        "refund_id": f"PY-RF-{len(state.refunds) + 1}", "request_id": body["request_id"]}}
                state.refunds[body["request_id"]] = {"answer": answer, "request": body}
            return self.reply(200, answer)

        def approve(self, transaction_id: str) -> None:
            transaction = next((t for t in state.transactions.values() if t["transaction_id"] == transaction_id), None)
            if transaction is None:
                return self.reply(404, {"error": "no such transaction"})
            transaction["status"] = "SUCCESS"
            ipn = hmac_post(transaction["ipn_url"], state.client_id, state.secrets[0], {
                "reference_transaction_id": transaction["reference_transaction_id"],
                "transaction_amount": transaction["amount"], "transaction_id": transaction_id, "status": "SUCCESS",
                "partner_banking_method": "WALLET"})
            return self.reply(200, {"transaction_id": transaction_id,
                                    "ipn": {"http_status": ipn.status_code, "answer": ipn.json()},
                                    "result_url": result_link(transaction["return_url"], state.client_id,
                                                              state.secrets[0], state.partner_code, transaction_id)})

        def place_order(self, query: dict) -> None:
            """Envelope: the merchant's sealed place-order redirect opens our payment page."""
            e = state.envelope
            try:
                fields = open_message("place_order", e["suite"], query.get("key", [""])[0],
                                      query.get("data", [""])[0], e["partner_key"], e["merchant_key"])
            except ValueError as error:
                return self.reply(400, {"error": str(error)})
            if not hmac.compare_digest(fields["access_code"].encode(), e["access_code"].encode()):
                return self.reply(400, {"error": "access code mismatch"})
            with state.lock:
                order = {**fields, "partner_trans_id": f"PY-ENV-{next(state.counter)}", "status": "PENDING"}
                state.envelope_orders[fields["booking_number"]] = order
            return self.reply(200, order)

        def commit(self, booking_number: str) -> None:
            """Envelope: we took the money; seal the commit to the merchant, answer its opened answer."""
            e = state.envelope
            order = state.envelope_orders.get(booking_number)
            if order is None:
                return self.reply(404, {"error": "no such order"})
            order["status"] = "SUCCESS"
            try:
                answer = envelope_call(state.merchant_base_url, "/api/v1/partner/commit", "commit_request",
                                       "commit_response", {
                                           "access_code": e["access_code"], "booking_number": order["booking_number"],
                                           "partner_trans_id": order["partner_trans_id"],
                                           "product_type": order["product_type"]}, e)
            except (ValueError, requests.RequestException) as error:
                return self.reply(502, {"error": f"commit failed: {error}"})
            return self.reply(200, answer)

    return Handler


# -- CLI ------------------------------------------------------------------------------------------------------


def envelope_options(a: argparse.Namespace) -> dict:
    with open(a.partner_key, encoding="utf-8") as own, open(a.merchant_key, encoding="utf-8") as theirs:
        return {"suite": a.suite or "modern", "api_key": a.api_key, "access_code": a.access_code,
                "partner_key": load_key(own.read(), True), "merchant_key": load_key(theirs.read(), False)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["check-vectors", "launch", "transaction", "ipn", "result-link",
                                            "envelope-login", "envelope-query", "serve"])
    parser.add_argument("file", nargs="?")
    names = ("base-url", "client-id", "client-secret", "previous-secret", "partner-code", "reference", "amount",
             "transaction-id", "status", "url-checkout-result", "api-key", "access-code", "partner-key",
             "merchant-key", "suite", "booking-number", "user-id", "identify-code", "identify-phone", "product",
             "layout", "locale", "port")
    for name in names:
        parser.add_argument(f"--{name}")
    # every option takes a value, which may start with "-" (a token_urlsafe access code or api key can):
    # bind "--name value" as "--name=value" so that argparse does not take the value for an option
    args, options, bound = list(sys.argv[1:] if argv is None else argv), {f"--{name}" for name in names}, []
    while args:
        arg = args.pop(0)
        bound.append(f"{arg}={args.pop(0)}" if arg in options and args else arg)
    a = parser.parse_args(bound)
    base = (a.base_url or "").rstrip("/")
    if a.command == "check-vectors":
        with open(a.file, encoding="utf-8") as handle:
            checks, failures = check_vectors(json.load(handle))
        for failure in failures:
            print(f"MISMATCH {failure}", file=sys.stderr)
        print(f"{checks - len(failures)}/{checks} vector checks passed")
        return 1 if failures else 0
    if a.command == "launch":
        launch = {"identify_code": a.identify_code or "user-42", "identify_phone": a.identify_phone or "0912345678"}
        launch.update({name: getattr(a, name) for name in ("product", "layout", "locale") if getattr(a, name)})
        answer = hmac_post(f"{base}/api/v1/webview-url", a.client_id, a.client_secret, launch).json()
        if answer.get("code") != 0:
            print(f"refused: code {answer.get('code')}: {answer.get('message')}", file=sys.stderr)
            return 1
        print(answer["data"]["url_open"])
        return 0
    if a.command == "transaction":
        answer = hmac_get(f"{base}/api/v1/transaction?reference_transaction_id={quote(a.reference, safe='')}",
                          a.client_id, a.client_secret).json()
        print(json.dumps(answer))
        return 0 if answer.get("code") == 0 else 1
    if a.command == "ipn":
        answer = hmac_post(f"{base}/api/v1/payment/ipn", a.client_id, a.client_secret, {
            "reference_transaction_id": a.reference, "transaction_amount": int(a.amount),
            "transaction_id": a.transaction_id, "status": a.status or "SUCCESS"}).json()
        print(json.dumps(answer))
        return 0 if answer.get("code") == 0 else 1
    if a.command == "result-link":
        print(result_link(a.url_checkout_result, a.client_id, a.client_secret, a.partner_code, a.transaction_id))
        return 0
    if a.command in {"envelope-login", "envelope-query"}:
        e = envelope_options(a)
        if a.command == "envelope-login":
            answer = envelope_call(base, "/api/v1/partner/login", "login_request", "login_response", {
                "access_code": a.access_code, "user_id": a.user_id or "user-42", "layout": a.layout or "dual",
                "product": a.product or "flight"}, e)
            if answer["error_code"] != "00":
                print(f"refused: error_code {answer['error_code']}", file=sys.stderr)
                return 1
            print(answer["redirect_url"])
            return 0
        answer = envelope_call(base, "/api/v1/partner/query-trans", "query_request", "query_response",
                               {"access_code": a.access_code, "booking_number": a.booking_number}, e)
        print(json.dumps(answer))
        return 0 if answer["error_code"] == "00" else 1
    envelope = None
    if a.access_code:  # the envelope side: place order and commit
        missing = [f"--{name}" for name in ("base-url", "api-key", "partner-key", "merchant-key")
                   if not getattr(a, name.replace("-", "_"))]
        if missing:
            parser.error(f"serve with --access-code needs {', '.join(missing)}")
        envelope = envelope_options(a)
    elif not (a.client_id and a.client_secret and a.partner_code):
        parser.error("serve needs --client-id, --client-secret and --partner-code (hmac) or the envelope options")
    state = PartnerState(a.client_id, [s for s in (a.client_secret, a.previous_secret) if s], a.partner_code,
                         envelope, base)
    server = ThreadingHTTPServer(("127.0.0.1", int(a.port or 0)), make_handler(state))
    state.port = server.server_address[1]
    print(f"listening on http://127.0.0.1:{state.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
