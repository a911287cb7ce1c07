"""Profile hmac: the DESIGN.md vector, windows, rotation, result links and tamper properties."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from webview.signing.hmac import (
    HmacCheck,
    b64url_nopad,
    canonical_payload,
    sign,
    sign_result_link,
    verify_request,
    verify_result_link,
)

CLIENT_ID = "RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W"
SECRET = "EhjGcsUUuRSJTHiYPbW5fxzyaKEx0JuAZIKRQ4HnIfNFidB2kMg6locQbTIEz3Vf"
TIMESTAMP = "1620621619569"
BODY = b'{"id":123}'
CANONICAL = "MTYyMDYyMTYxOTU2OS5STENLYjdBZTlreDREWHRYc0NXam5EWHRnZ0ZuTTQzVy57ImlkIjoxMjN9"
SIGNATURE = "8ebd092b9df2cf90e8ccbcab2ba87ee14f2abb25eb8f18b4d7286d42adcd45c2"
NOW = int(TIMESTAMP)
TARGET = "/api/v1/transaction?reference_transaction_id=261122-7QK4M2XD"

PROPERTY = settings(max_examples=50, deadline=None, database=None)


def check(signature: str = SIGNATURE, *, secrets=(SECRET,), client_id: str = CLIENT_ID, timestamp: str = TIMESTAMP,
          body: bytes | None = BODY, target: str = "/api/v1/payment/ipn", now_ms: int = NOW) -> HmacCheck:
    return verify_request(secrets, client_id=client_id, timestamp=timestamp, signature=signature, body=body,
                          target=target, now_ms=now_ms)


def test_design_vector_canonical_payload_base64url():
    payload = canonical_payload(CLIENT_ID, TIMESTAMP, BODY, "/ignored-when-a-body-exists")
    assert payload == b'1620621619569.RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W.{"id":123}'
    assert b64url_nopad(payload) == CANONICAL
    assert base64.urlsafe_b64decode(CANONICAL + "=" * (-len(CANONICAL) % 4)) == payload


def test_design_vector_signature():
    assert sign(SECRET, CLIENT_ID, TIMESTAMP, BODY) == SIGNATURE


def test_design_vector_verifies_and_reports_what_was_signed():
    result = check()
    assert result == HmacCheck(ok=True, reason=None, canonical=CANONICAL, digest=result.digest)
    assert result.digest == hashlib.sha256(b'1620621619569.RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W.{"id":123}').hexdigest()


def test_uppercase_signature_is_accepted():
    assert check(SIGNATURE.upper()).ok


def test_bodyless_request_signs_the_target():
    payload = canonical_payload(CLIENT_ID, TIMESTAMP, None, TARGET)
    assert payload == f"{TIMESTAMP}.{CLIENT_ID}.{TARGET}".encode()
    assert canonical_payload(CLIENT_ID, TIMESTAMP, b"", TARGET) == payload
    signature = sign(SECRET, CLIENT_ID, TIMESTAMP, None, TARGET)
    assert signature != sign(SECRET, CLIENT_ID, TIMESTAMP, None, "/api/v1/transaction")
    assert check(signature, body=None, target=TARGET).ok
    assert check(signature, body=b"", target=TARGET).ok
    assert check(signature, body=None, target=TARGET + "0").reason == "bad_signature"


def test_body_is_signed_byte_for_byte():
    spaced = b'{"id": 123}'
    assert check(sign(SECRET, CLIENT_ID, TIMESTAMP, spaced), body=spaced).ok
    assert check(sign(SECRET, CLIENT_ID, TIMESTAMP, spaced), body=BODY).reason == "bad_signature"


def test_window_edges_both_ways():
    assert check(now_ms=NOW + 299_000).ok
    assert check(now_ms=NOW - 299_000).ok
    assert check(now_ms=NOW + 300_000).ok
    assert check(now_ms=NOW + 301_000).reason == "stale"
    assert check(now_ms=NOW - 301_000).reason == "stale"
    assert check(now_ms=NOW + 300_001).reason == "stale"


def test_custom_window():
    result = verify_request([SECRET], client_id=CLIENT_ID, timestamp=TIMESTAMP, signature=SIGNATURE, body=BODY,
                            target="", now_ms=NOW + 61_000, window_s=60)
    assert result.reason == "stale"


def test_rotation_both_secrets_verify():
    new_secret = "n3w-secret-after-rotation"
    old_signed = SIGNATURE
    new_signed = sign(new_secret, CLIENT_ID, TIMESTAMP, BODY)
    assert check(old_signed, secrets=[new_secret, SECRET]).ok
    assert check(new_signed, secrets=[new_secret, SECRET]).ok
    assert check(new_signed, secrets=[SECRET]).reason == "bad_signature"
    assert check(SIGNATURE, secrets=[]).reason == "bad_signature"


def test_secret_is_utf8():
    secret = "khóa-bí-mật"
    signature = sign(secret, CLIENT_ID, TIMESTAMP, BODY)
    assert check(signature, secrets=[secret]).ok
    assert check(signature, secrets=[secret.encode().decode("latin-1")]).reason == "bad_signature"


def test_malformed_timestamps():
    for timestamp in ["", "abc", "1620621619569.0", "-1620621619569", " 1620621619569", "1" * 17, "١٦٢٠٦٢١٦١٩٥٦٩",
                      "1e12", "+1620621619569"]:
        signature = sign(SECRET, CLIENT_ID, timestamp, BODY)
        assert check(signature, timestamp=timestamp).reason == "malformed_timestamp", timestamp


def test_malformed_signatures_are_bad_signatures():
    for signature in ["", SIGNATURE[:-1], SIGNATURE + "0", "g" * 64, " " + SIGNATURE[1:], "é" * 64]:
        assert check(signature).reason == "bad_signature", signature


def test_unencodable_client_id_is_refused_not_raised():
    assert check(client_id="\udcff").reason == "bad_signature"


def test_result_link_round_trip_and_layout():
    sig = sign_result_link(SECRET, CLIENT_ID, "tikivip", "PT-0001", TIMESTAMP)
    expected = sign(SECRET, CLIENT_ID, TIMESTAMP, b"tikivip.PT-0001")  # same construction: ts.client.rest
    assert sig == expected

    def link(**overrides):
        args = {"client_id": CLIENT_ID, "partner_code": "tikivip", "transaction_id": "PT-0001",
                "timestamp": TIMESTAMP, "sig": sig, "now_ms": NOW, **overrides}
        return verify_result_link([SECRET], **args)

    assert link().ok
    assert link().canonical == b64url_nopad(f"{TIMESTAMP}.{CLIENT_ID}.tikivip.PT-0001".encode())
    assert link(sig=sig.upper()).ok
    assert link(transaction_id="PT-0002").reason == "bad_signature"
    assert link(partner_code="other").reason == "bad_signature"
    assert link(now_ms=NOW + 301_000).reason == "stale"
    assert link(timestamp="x").reason == "malformed_timestamp"
    assert verify_result_link(["other", SECRET], client_id=CLIENT_ID, partner_code="tikivip",
                              transaction_id="PT-0001", timestamp=TIMESTAMP, sig=sig, now_ms=NOW).ok


def flip(data: bytes, index: int, mask: int) -> bytes:
    index %= len(data)
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1:]


MASKS = st.integers(min_value=1, max_value=255)


@PROPERTY
@given(index=st.integers(min_value=0), mask=MASKS)
def test_any_flipped_body_byte_is_refused(index, mask):
    assert check(body=flip(BODY, index, mask)).reason == "bad_signature"


@PROPERTY
@given(index=st.integers(min_value=0), mask=st.integers(min_value=1, max_value=127))
def test_any_flipped_client_id_byte_is_refused(index, mask):
    client_id = flip(CLIENT_ID.encode(), index, mask).decode("ascii")
    assert not check(client_id=client_id).ok


@PROPERTY
@given(index=st.integers(min_value=0), digit=st.integers(min_value=1, max_value=9))
def test_any_changed_timestamp_digit_is_refused(index, digit):
    index %= len(TIMESTAMP)
    changed = TIMESTAMP[:index] + str((int(TIMESTAMP[index]) + digit) % 10) + TIMESTAMP[index + 1:]
    result = check(timestamp=changed, now_ms=int(changed))  # fresh, so only the signature can refuse it
    assert result.reason == "bad_signature"


@PROPERTY
@given(index=st.integers(min_value=0), replacement=st.sampled_from("0123456789abcdef"))
def test_any_changed_signature_digit_is_refused(index, replacement):
    index %= len(SIGNATURE)
    changed = SIGNATURE[:index] + replacement + SIGNATURE[index + 1:]
    assert check(changed).ok is (changed == SIGNATURE)


@PROPERTY
@given(body=st.binary(min_size=1, max_size=200), secret=st.text(min_size=1, max_size=40))
def test_sign_then_verify_round_trip(body, secret):
    signature = sign(secret, CLIENT_ID, TIMESTAMP, body)
    assert len(signature) == 64 and signature == signature.lower()
    assert check(signature, secrets=[secret], body=body).ok
