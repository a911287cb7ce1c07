"""docs/partners/vectors.json: every published test vector is checked against webview's own signing code AND
against the sandbox's independent protocol code; a vector that drifts from either fails here.

The file was produced once by this module (`python -m tests.unit.test_vectors --write`, which keeps the
committed RSA keys and rewrites everything else from the fixed inputs below). RSA-OAEP / PKCS#1 v1.5 key
wrapping and RSA-PSS signatures are randomized: those values are kept as produced and checked by
decrypting / verifying, never by re-encrypting.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sandbox.protocol import envelope as sandbox_envelope
from sandbox.protocol import hmac_auth as sandbox_hmac
from webview.signing import envelope as wv_envelope
from webview.signing import hmac as wv_hmac

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "partners" / "vectors.json"

# -- the fixed inputs ---------------------------------------------------------------------------------------

DESIGN_CLIENT_ID = "RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W"
DESIGN_SECRET = "EhjGcsUUuRSJTHiYPbW5fxzyaKEx0JuAZIKRQ4HnIfNFidB2kMg6locQbTIEz3Vf"
DESIGN_SIGNATURE = "8ebd092b9df2cf90e8ccbcab2ba87ee14f2abb25eb8f18b4d7286d42adcd45c2"
DESIGN_CANONICAL = "MTYyMDYyMTYxOTU2OS5STENLYjdBZTlreDREWHRYc0NXam5EWHRnZ0ZuTTQzVy57ImlkIjoxMjN9"

CLIENT_ID = "5b0e7c1a-3f2d-4e8b-9a61-2c4d6e8f0a1b"
CLIENT_SECRET = "vJ3q9ZtXc1mN8bR4yW6kL0pS2dF7gH5aQeUiOoTzYxCvBnMlKjHgFdSaPqWeRtYu"
PARTNER_CODE = "mywallet"
ACCESS_CODE = "k3Jd9QwE5rTy7UiO1pAs2g"
MERCHANT = "https://merchant.example"
REFERENCE = "261122-7QK4M2XD"
PARTNER_TXN = "MW-20261122-000123"
TS = "1795332000000"  # 2026-11-22 14:20:00 +07:00

RETURN_URL = f"{MERCHANT}/w/result?partner_code={PARTNER_CODE}"


def _json(value: dict) -> str:
    """A JSON body exactly as the merchant sends it (compact, UTF-8, not ASCII-escaped)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


HMAC_REQUESTS = [
    {"name": "design-test-vector", "direction": "partner->merchant",
     "description": "The published test vector of the hmac profile, verbatim.",
     "client_id": DESIGN_CLIENT_ID, "client_secret": DESIGN_SECRET, "timestamp": "1620621619569",
     "method": "POST", "target": None, "body": '{"id":123}'},
    {"name": "webview-url", "direction": "partner->merchant",
     "description": "POST /api/v1/webview-url with a body (UTF-8, not escaped: the bytes sent are the bytes signed).",
     "method": "POST", "target": "/api/v1/webview-url",
     "body": _json({"identify_code": "user-42", "identify_phone": "0912345678",
                    "identify_fullname": "Nguyễn Văn An", "email": "an.nguyen@example.com", "product": "vip",
                    "layout": "dual", "locale": "vi"})},
    {"name": "ipn", "direction": "partner->merchant", "description": "POST /api/v1/payment/ipn.",
     "method": "POST", "target": "/api/v1/payment/ipn",
     "body": _json({"reference_transaction_id": REFERENCE, "transaction_amount": 990000,
                    "transaction_id": PARTNER_TXN, "status": "SUCCESS", "partner_banking_method": "WALLET"})},
    {"name": "transaction-check", "direction": "partner->merchant",
     "description": "GET /api/v1/transaction: no body, so the raw request target is signed.",
     "method": "GET", "target": f"/api/v1/transaction?reference_transaction_id={REFERENCE}", "body": None},
    {"name": "create-transaction", "direction": "merchant->partner",
     "description": "The merchant's POST to your create_transaction_url (registered as https://pay.mywallet.vn/txn).",
     "method": "POST", "target": "/txn",
     "body": _json({"reference_transaction_id": REFERENCE, "amount": 990000, "currency": "VND",
                    "description": "VIP 12 tháng", "ipn_url": f"{MERCHANT}/api/v1/payment/ipn",
                    "return_url": RETURN_URL, "expires_at": 1795332900000,
                    "customer": {"identify_code": "user-42"}})},
    {"name": "query-transaction", "direction": "merchant->partner",
     "description": "The merchant's GET to your query_transaction_url (https://pay.mywallet.vn/txn/query): "
                    "the raw request target is signed.",
     "method": "GET", "target": f"/txn/query?reference_transaction_id={REFERENCE}", "body": None},
    {"name": "refund", "direction": "merchant->partner",
     "description": "The merchant's POST to your refund_url (https://pay.mywallet.vn/refund).",
     "method": "POST", "target": "/refund",
     "body": _json({"reference_transaction_id": REFERENCE, "transaction_amount": 500000,
                    "transaction_id": PARTNER_TXN, "reason": "customer request",
                    "request_id": "RF-3F9A0C2E7B1D4A65"})},
]

ENVELOPE_VALUES = {
    "login_request": ("partner", "POST /api/v1/partner/login",
                      {"access_code": ACCESS_CODE, "user_id": "user-42", "layout": "dual", "product": "vip"}),
    "login_response": ("merchant", "answer of POST /api/v1/partner/login",
                       {"access_code": ACCESS_CODE, "error_code": "00",
                        "redirect_url": f"{MERCHANT}/w/launch?token=Zk3LrQ0pW8sT2vX5yB7nC1dE4fG6hJ9k"}),
    "place_order": ("merchant", "redirect <payment_url>?key=…&data=…",
                    {"access_code": ACCESS_CODE, "booking_number": REFERENCE, "product_type": "VIP",
                     "total_amount": "990000"}),
    "commit_request": ("partner", "POST /api/v1/partner/commit",
                       {"access_code": ACCESS_CODE, "booking_number": REFERENCE, "partner_trans_id": PARTNER_TXN,
                        "product_type": "VIP"}),
    "query_request": ("partner", "POST /api/v1/partner/query-trans",
                      {"access_code": ACCESS_CODE, "booking_number": REFERENCE}),
    "commit_response": ("merchant", "answer of POST /api/v1/partner/commit", None),
    "query_response": ("merchant", "answer of POST /api/v1/partner/query-trans", None),
}
TRANSACTION_ANSWER = {
    "access_code": ACCESS_CODE, "booking_number": REFERENCE, "error_code": "00", "product_type": "VIP",
    "properties": '{"booking_status":"BOOKED","payment_status":"SUCCESS","issue_status":"SUCCESS",'
                  '"pnr":"","tickets":["VIP-7QK4M2XD"],"refunded_amount":0}',
    "return_url": f"{MERCHANT}/w/result?partner_code={PARTNER_CODE}&transaction_id={REFERENCE}"
                  f"&timestamp={TS}&sig=0c6d1f0f5b2e8a4c7d9e3b1a5f6c2d8e4b7a9c0d1e2f3a4b5c6d7e8f9a0b1c2d",
    "total_amount": "990000",
}
SPECS = {spec.name: spec for spec in (wv_envelope.LOGIN_REQUEST, wv_envelope.LOGIN_RESPONSE, wv_envelope.PLACE_ORDER,
                                      wv_envelope.COMMIT_REQUEST, wv_envelope.QUERY_REQUEST,
                                      wv_envelope.COMMIT_RESPONSE, wv_envelope.QUERY_RESPONSE)}
SANDBOX_SPECS = {"login_request": sandbox_envelope.LOGIN_REQUEST, "login_response": sandbox_envelope.LOGIN_RESPONSE,
                 "place_order": sandbox_envelope.PLACE_ORDER, "commit_request": sandbox_envelope.COMMIT_REQUEST,
                 "query_request": sandbox_envelope.QUERY_TRANS_REQUEST,
                 "commit_response": sandbox_envelope.TRANS_RESPONSE, "query_response": sandbox_envelope.TRANS_RESPONSE}
KEY_BYTES = {"modern": 32, "legacy": 24}


# -- derivations shared by the generator and the checks ----------------------------------------------------

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def fixed_bytes(label: str, size: int) -> bytes:
    """The fixed symmetric key / nonce of one vector: the first `size` bytes of SHA-256(label)."""
    return hashlib.sha256(label.encode()).digest()[:size]


def hmac_derived(entry: dict) -> dict:
    """What a request vector's inputs determine: P, base64url(P) and the signature."""
    body = entry["body"].encode("utf-8") if entry["body"] is not None else None
    client_id = entry.get("client_id", CLIENT_ID)
    payload = wv_hmac.canonical_payload(client_id, entry["timestamp"], body, entry["target"] or "")
    return {"signing_input": payload.decode("utf-8"), "signing_input_base64url": wv_hmac.b64url_nopad(payload),
            "signature": wv_hmac.sign(entry.get("client_secret", CLIENT_SECRET), client_id, entry["timestamp"],
                                      body, entry["target"] or "")}


def result_link_derived(link: dict) -> dict:
    payload = wv_hmac.result_link_payload(link["client_id"], link["partner_code"], link["transaction_id"],
                                          link["timestamp"])
    sig = wv_hmac.sign_result_link(link["client_secret"], link["client_id"], link["partner_code"],
                                   link["transaction_id"], link["timestamp"])
    url = (f"{link['url_checkout_result']}&transaction_id={link['transaction_id']}"
           f"&timestamp={link['timestamp']}&sig={sig}")
    return {"signing_input": payload.decode("utf-8"), "signing_input_base64url": wv_hmac.b64url_nopad(payload),
            "sig": sig, "url": url}


def envelope_layout(name: str, suite: str) -> dict:
    spec = SPECS[name]
    return {"signed_layout": "|".join(spec.signed_layout(suite)),
            "original_layout": "|".join(spec.original_layout(suite))}


def envelope_texts(name: str, suite: str, values: dict, signature: str) -> dict:
    """signature data and original data of a message, from its values (timestamp included) and signature."""
    spec = SPECS[name]
    signed = "|".join(values[field] for field in spec.signed_layout(suite))
    original = "|".join(signature if field == "signature" else values[field] for field in spec.original_layout(suite))
    return {"signature_data": signed, "original_data": original}


def encrypt(suite: str, key: bytes, nonce: bytes | None, plaintext: bytes) -> bytes:
    """The `data` bytes with the fixed key (and nonce): webview's own deterministic cipher functions."""
    if suite == "modern":
        return nonce + wv_envelope._gcm_encrypt(key, nonce, plaintext)
    return wv_envelope._tdes_ecb_encrypt(key, plaintext)


def load_keys(document: dict) -> dict:
    keys = document["keys"]
    return {
        "partner": serialization.load_pem_private_key(keys["partner_private_key_pem"].encode(), None),
        "merchant": serialization.load_pem_private_key(keys["merchant_private_key_pem"].encode(), None),
    }


def xml_key(key, private: bool) -> str:
    """A .NET <RSAKeyValue> of a key (public part, or every CRT value for a private key)."""
    def b64int(value: int) -> str:
        return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()
    numbers = key.private_numbers() if private else key.public_key().public_numbers()
    public = numbers.public_numbers if private else numbers
    parts = [("Modulus", public.n), ("Exponent", public.e)]
    if private:
        parts += [("P", numbers.p), ("Q", numbers.q), ("DP", numbers.dmp1), ("DQ", numbers.dmq1),
                  ("InverseQ", numbers.iqmp), ("D", numbers.d)]
    return "<RSAKeyValue>" + "".join(f"<{tag}>{b64int(value)}</{tag}>" for tag, value in parts) + "</RSAKeyValue>"


def keys_section(partner, merchant) -> dict:
    def pem_private(key):
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()

    def pem_public(key):
        return key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {
        "about": "TEST-ONLY keys, published on purpose: never use them for anything but these vectors.",
        "partner_private_key_pem": pem_private(partner), "partner_public_key_pem": pem_public(partner),
        "partner_private_key_xml": xml_key(partner, True), "partner_public_key_xml": xml_key(partner, False),
        "merchant_private_key_pem": pem_private(merchant), "merchant_public_key_pem": pem_public(merchant),
        "merchant_public_key_xml": xml_key(merchant, False),
    }


# -- the generator (run once; keeps the committed keys) ----------------------------------------------------

def build_document(partner, merchant) -> dict:
    hmac_requests = []
    for entry in HMAC_REQUESTS:
        item = {"timestamp": TS, **entry}
        if entry["name"] != "design-test-vector":
            item = {**item, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        hmac_requests.append({**item, **hmac_derived(item)})
    link = {"name": "result-link", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "partner_code": PARTNER_CODE, "transaction_id": PARTNER_TXN, "timestamp": TS,
            "url_checkout_result": RETURN_URL}
    messages = []
    rsa_keys = {"partner": partner, "merchant": merchant}
    for suite in ("modern", "legacy"):
        for name, (sender, endpoint, values) in ENVELOPE_VALUES.items():
            values = dict(values or TRANSACTION_ANSWER)
            if suite == "modern":
                values["timestamp"] = TS
            receiver = "merchant" if sender == "partner" else "partner"
            spec = SPECS[name]
            signed = "|".join(values[field] for field in spec.signed_layout(suite))
            pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32) if suite == "modern" \
                else padding.PKCS1v15()
            signature = base64.b64encode(rsa_keys[sender].sign(signed.encode(), pad, hashes.SHA256())).decode()
            texts = envelope_texts(name, suite, values, signature)
            key = fixed_bytes(f"vector-key:{name}:{suite}", KEY_BYTES[suite])
            nonce = fixed_bytes(f"vector-nonce:{name}:{suite}", 12) if suite == "modern" else None
            wrap = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None) \
                if suite == "modern" else padding.PKCS1v15()
            wrapped = rsa_keys[receiver].public_key().encrypt(key, wrap)
            data = encrypt(suite, key, nonce, texts["original_data"].encode())
            messages.append({
                "name": name, "suite": suite, "sender": sender, "receiver": receiver, "where": endpoint,
                **envelope_layout(name, suite), "values": values, **texts, "signature": signature,
                "symmetric_key_hex": key.hex(), "nonce_hex": nonce.hex() if nonce else None,
                "key": b64url(wrapped), "data": b64url(data),
                "reproducible": ["signature_data", "original_data", "data"]
                + (["signature"] if suite == "legacy" else []),
            })
    return {
        "about": "Test vectors of the webview partner API. See vectors.md for how to use them. Every value is "
                 "exact. RSA-OAEP and PKCS#1 v1.5 key wrapping and RSA-PSS signatures are randomized: `key` "
                 "(and the modern `signature`) are given as produced once; check them by decrypting / verifying "
                 "with the keys below, never by re-encrypting or re-signing. Everything listed in a message's "
                 "`reproducible` must come out byte for byte from your own code.",
        "version": 1,
        "keys": keys_section(partner, merchant),
        "hmac": {"requests": hmac_requests, "result_links": [{**link, **result_link_derived(link)}]},
        "envelope": {"messages": messages},
    }


def write(path: Path = VECTORS) -> None:
    if path.exists():
        keys = load_keys(json.loads(path.read_text(encoding="utf-8")))
        partner, merchant = keys["partner"], keys["merchant"]
    else:
        partner = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        merchant = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build_document(partner, merchant), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")


# -- the checks ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def keys(document) -> dict:
    return load_keys(document)


def test_the_design_vector_is_there_verbatim(document):
    [vector] = [item for item in document["hmac"]["requests"] if item["name"] == "design-test-vector"]
    assert (vector["client_id"], vector["client_secret"], vector["timestamp"], vector["body"]) == \
        (DESIGN_CLIENT_ID, DESIGN_SECRET, "1620621619569", '{"id":123}')
    assert vector["signing_input_base64url"] == DESIGN_CANONICAL
    assert vector["signature"] == DESIGN_SIGNATURE


def test_every_request_and_layout_is_covered(document):
    names = {item["name"] for item in document["hmac"]["requests"]}
    assert names == {entry["name"] for entry in HMAC_REQUESTS}
    assert any(item["body"] is None for item in document["hmac"]["requests"])
    covered = {(item["name"], item["suite"]) for item in document["envelope"]["messages"]}
    assert covered == {(name, suite) for name in SPECS for suite in wv_envelope.SUITES}
    # every message layout webview knows is in the file (a new message without a vector fails here)
    known = {value.name for value in vars(wv_envelope).values() if isinstance(value, wv_envelope.MessageSpec)}
    assert known == set(SPECS)


def test_keys_are_consistent(document, keys):
    published = document["keys"]
    assert published == keys_section(keys["partner"], keys["merchant"])
    assert keys["partner"].key_size >= 2048 and keys["merchant"].key_size == 3072


@pytest.mark.parametrize("index", range(len(HMAC_REQUESTS)))
def test_hmac_request_vectors(document, index):
    vector = document["hmac"]["requests"][index]
    assert {key: vector[key] for key in hmac_derived(vector)} == hmac_derived(vector)  # webview's signing
    body = vector["body"].encode("utf-8") if vector["body"] is not None else None
    message = body if body is not None else vector["target"].encode()
    now = int(vector["timestamp"])
    check = wv_hmac.verify_request([vector["client_secret"]], client_id=vector["client_id"],
                                   timestamp=vector["timestamp"], signature=vector["signature"], body=body,
                                   target=vector["target"] or "", now_ms=now)
    assert check.ok and check.canonical == vector["signing_input_base64url"]
    # the sandbox's own code
    assert sandbox_hmac.sign(vector["client_id"], vector["client_secret"], vector["timestamp"], message) == \
        vector["signature"]
    assert sandbox_hmac.signing_input(vector["timestamp"], vector["client_id"], message).decode() == \
        vector["signing_input_base64url"]
    verdict = sandbox_hmac.verify(client_id=vector["client_id"], timestamp=vector["timestamp"],
                                  signature=vector["signature"], message=message,
                                  expected_client_id=vector["client_id"], secrets=[vector["client_secret"]], at_ms=now)
    assert verdict.ok, verdict.reason
    if vector["target"] and body is None:
        assert sandbox_hmac.request_target("https://pay.mywallet.vn" + vector["target"]).decode() == vector["target"]
    assert base64.urlsafe_b64decode(vector["signing_input_base64url"] + "==").decode() == vector["signing_input"]


def test_result_link_vectors(document):
    for link in document["hmac"]["result_links"]:
        assert {key: link[key] for key in result_link_derived(link)} == result_link_derived(link)
        assert wv_hmac.verify_result_link([link["client_secret"]], client_id=link["client_id"],
                                          partner_code=link["partner_code"], transaction_id=link["transaction_id"],
                                          timestamp=link["timestamp"], sig=link["sig"],
                                          now_ms=int(link["timestamp"])).ok
        assert sandbox_hmac.result_link_signature(link["client_secret"], link["client_id"], link["partner_code"],
                                                  link["transaction_id"], link["timestamp"]) == link["sig"]
        assert sandbox_hmac.signed_result_url(link["url_checkout_result"], client_id=link["client_id"],
                                              client_secret=link["client_secret"], partner_code=link["partner_code"],
                                              transaction_id=link["transaction_id"],
                                              timestamp_ms=int(link["timestamp"])) == link["url"]


def _messages() -> list[tuple[str, str]]:
    return [(name, suite) for suite in wv_envelope.SUITES for name in ENVELOPE_VALUES]


@pytest.mark.parametrize(("name", "suite"), _messages())
def test_envelope_vectors_with_webview_code(document, keys, monkeypatch, name, suite):
    vector = next(item for item in document["envelope"]["messages"]
                  if (item["name"], item["suite"]) == (name, suite))
    sender, receiver = keys[vector["sender"]], keys[vector["receiver"]]
    assert {k: vector[k] for k in ("signed_layout", "original_layout")} == envelope_layout(name, suite)
    assert envelope_texts(name, suite, vector["values"], vector["signature"]) == \
        {k: vector[k] for k in ("signature_data", "original_data")}
    key, nonce = bytes.fromhex(vector["symmetric_key_hex"]), vector["nonce_hex"] and bytes.fromhex(vector["nonce_hex"])
    assert len(key) == KEY_BYTES[suite] and (suite == "legacy" or len(nonce) == 12)
    # the ciphertext is reproducible from the fixed key (and nonce)
    assert b64url(encrypt(suite, key, nonce, vector["original_data"].encode())) == vector["data"]
    # the wrapped key unwraps to the fixed key, the signature verifies, and the whole message opens
    assert wv_envelope._unwrap(receiver, suite, unb64(vector["key"])) == key
    assert wv_envelope._verify(sender.public_key(), suite, base64.b64decode(vector["signature"]),
                               vector["signature_data"].encode())
    opened = wv_envelope.open_message(SPECS[name], key=vector["key"], data=vector["data"],
                                      receiver_private_key=receiver, sender_public_key=sender.public_key(), suite=suite,
                                      now_ms=int(vector["values"].get("timestamp", TS)))
    assert opened.values == vector["values"]
    if suite == "legacy":  # deterministic signature: webview's seal_message with the fixed key gives the same data
        monkeypatch.setattr(wv_envelope, "os", SimpleNamespace(urandom=lambda size: key))
        sealed = wv_envelope.seal_message(SPECS[name], vector["values"], sender_private_key=sender,
                                          receiver_public_key=receiver.public_key(), suite=suite)
        assert sealed["data"] == vector["data"]


@pytest.mark.parametrize(("name", "suite"), _messages())
def test_envelope_vectors_with_sandbox_code(document, keys, monkeypatch, name, suite):
    vector = next(item for item in document["envelope"]["messages"]
                  if (item["name"], item["suite"]) == (name, suite))
    sender, receiver = keys[vector["sender"]], keys[vector["receiver"]]
    spec = SANDBOX_SPECS[name]
    signed_fields, original_fields = spec.fields(suite)
    assert ("|".join(signed_fields), "|".join(original_fields)) == \
        (vector["signed_layout"], vector["original_layout"])
    key = bytes.fromhex(vector["symmetric_key_hex"])
    assert sandbox_envelope.unwrap_key(suite, receiver, sandbox_envelope.b64_decode_any(vector["key"])) == key
    assert sandbox_envelope.decrypt_data(suite, key, sandbox_envelope.b64_decode_any(vector["data"])).decode() == \
        vector["original_data"]
    fields, signature_data = sandbox_envelope.parse_original(spec, suite, vector["original_data"])
    assert signature_data == vector["signature_data"] and fields["signature"] == vector["signature"]
    assert sandbox_envelope.verify_text(suite, sender.public_key(), signature_data, vector["signature"])
    opened = sandbox_envelope.open_sealed(spec, suite, vector["key"], vector["data"], receiver_private=receiver,
                                          sender_public=sender.public_key(),
                                          at_ms=int(vector["values"].get("timestamp", TS)))
    assert {k: v for k, v in opened.items() if k != "signature"} == vector["values"]
    nonce = bytes.fromhex(vector["nonce_hex"]) if vector["nonce_hex"] else None
    monkeypatch.setattr(sandbox_envelope, "os", SimpleNamespace(urandom=lambda size: nonce if size == 12 else key))
    if suite == "legacy":
        assert sandbox_envelope.sign_text(suite, sender, vector["signature_data"]) == vector["signature"]
        sealed = sandbox_envelope.seal(spec, suite, vector["values"], sender_private=sender,
                                       receiver_public=receiver.public_key())
        assert sealed.data == vector["data"] and sealed.signature_data == vector["signature_data"]
    else:
        assert sandbox_envelope.b64url_encode(
            sandbox_envelope.encrypt_data(suite, key, vector["original_data"].encode())) == vector["data"]


def test_a_changed_vector_is_refused(document, keys):
    """The checks can fail: one flipped character in a ciphertext or a signature is caught."""
    vector = dict(document["envelope"]["messages"][0])
    flipped = vector["data"][:-2] + ("A" if vector["data"][-2] != "A" else "B") + vector["data"][-1]
    with pytest.raises(wv_envelope.EnvelopeError):
        wv_envelope.open_message(SPECS[vector["name"]], key=vector["key"], data=flipped,
                                 receiver_private_key=keys[vector["receiver"]],
                                 sender_public_key=keys[vector["sender"]].public_key(), suite=vector["suite"],
                                 now_ms=int(TS))
    request = dict(document["hmac"]["requests"][1], signature="0" * 64)
    assert hmac_derived(request)["signature"] != request["signature"]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python -m tests.unit.test_vectors --write")
    write()
