"""The sandbox's own hmac protocol code against DESIGN.md's vector and rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from sandbox.protocol import hmac_auth

VECTOR_CLIENT_ID = "RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W"
VECTOR_SECRET = "EhjGcsUUuRSJTHiYPbW5fxzyaKEx0JuAZIKRQ4HnIfNFidB2kMg6locQbTIEz3Vf"
VECTOR_TIMESTAMP = "1620621619569"
VECTOR_BODY = b'{"id":123}'
VECTOR_B64 = "MTYyMDYyMTYxOTU2OS5STENLYjdBZTlreDREWHRYc0NXam5EWHRnZ0ZuTTQzVy57ImlkIjoxMjN9"
VECTOR_SIGNATURE = "8ebd092b9df2cf90e8ccbcab2ba87ee14f2abb25eb8f18b4d7286d42adcd45c2"


def verify(**overrides):
    arguments = {
        "client_id": VECTOR_CLIENT_ID, "timestamp": VECTOR_TIMESTAMP, "signature": VECTOR_SIGNATURE,
        "message": VECTOR_BODY, "expected_client_id": VECTOR_CLIENT_ID, "secrets": [VECTOR_SECRET],
        "at_ms": int(VECTOR_TIMESTAMP) + 1000,
    }
    return hmac_auth.verify(**{**arguments, **overrides})


def test_design_vector_signing_input_and_signature():
    assert hmac_auth.signing_input(VECTOR_TIMESTAMP, VECTOR_CLIENT_ID, VECTOR_BODY).decode() == VECTOR_B64
    assert hmac_auth.sign(VECTOR_CLIENT_ID, VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_signed_headers_carry_the_vector():
    headers = hmac_auth.signed_headers(VECTOR_CLIENT_ID, VECTOR_SECRET, VECTOR_BODY, int(VECTOR_TIMESTAMP))
    assert headers == {"X-Client-Id": VECTOR_CLIENT_ID, "X-Timestamp": VECTOR_TIMESTAMP,
                       "X-Signature": VECTOR_SIGNATURE}


def test_verify_accepts_the_vector_and_uppercase_hex():
    verdict = verify()
    assert verdict.ok and verdict.canonical == VECTOR_B64
    assert verify(signature=VECTOR_SIGNATURE.upper()).ok


def test_verify_accepts_any_of_two_secrets_during_rotation():
    assert verify(secrets=["old-secret", VECTOR_SECRET]).ok


def test_verify_refuses_tampering():
    assert verify(message=b'{"id":124}').reason == "invalid signature"
    assert verify(signature="0" * 64).reason == "invalid signature"
    assert verify(secrets=["another"]).reason == "invalid signature"
    assert not verify(timestamp=str(int(VECTOR_TIMESTAMP) + 1)).ok
    assert verify(client_id="someone-else").reason == "unknown client id"
    assert verify(expected_client_id="someone-else").reason == "unknown client id"


def test_verify_refuses_stale_and_future_timestamps_beyond_300_seconds():
    base = int(VECTOR_TIMESTAMP)
    assert verify(at_ms=base + 300_000).ok
    assert verify(at_ms=base - 300_000).ok
    assert verify(at_ms=base + 300_001).reason == "timestamp outside the allowed window"
    assert verify(at_ms=base - 300_001).reason == "timestamp outside the allowed window"


def test_verify_refuses_missing_or_malformed_headers():
    assert not verify(signature="").ok
    assert verify(timestamp="16206216195.9").reason == "malformed timestamp"
    assert verify(timestamp="-1620621619569").reason == "malformed timestamp"


def test_request_target_for_bodiless_requests():
    assert hmac_auth.request_target("http://h:5000/api/v1/transaction?reference_transaction_id=261122-7QK4M2XD") \
        == b"/api/v1/transaction?reference_transaction_id=261122-7QK4M2XD"
    assert hmac_auth.request_target("http://h/sandbox/x?") == b"/sandbox/x"
    assert hmac_auth.request_target("/a/b") == b"/a/b"


def test_result_url_signature_follows_design():
    url = hmac_auth.signed_result_url(
        "http://127.0.0.1:5000/w/result?partner_code=demo-redirect", client_id="cid", client_secret="s3cret",
        partner_code="demo-redirect", transaction_id="SBX1", timestamp_ms=1700000000000)
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert parts.path == "/w/result"
    assert query["partner_code"] == "demo-redirect" and query["transaction_id"] == "SBX1"
    assert query["timestamp"] == "1700000000000"
    payload = base64.urlsafe_b64encode(b"1700000000000.cid.demo-redirect.SBX1").rstrip(b"=")
    assert query["sig"] == hmac.new(b"s3cret", payload, hashlib.sha256).hexdigest()
