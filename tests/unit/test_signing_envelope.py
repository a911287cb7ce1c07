"""Profile envelope: layouts, round trips in both suites, refusal codes and tamper properties.

The helpers here decrypt and build messages with `cryptography` primitives directly (not through
webview.signing.envelope), so the layout checks do not trust the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from webview.signing import envelope
from webview.signing.envelope import (
    COMMIT_REQUEST,
    COMMIT_RESPONSE,
    LOGIN_REQUEST,
    LOGIN_RESPONSE,
    PLACE_ORDER,
    QUERY_REQUEST,
    QUERY_RESPONSE,
    EnvelopeError,
    MessageSpec,
    b64url_decode_lenient,
    open_message,
    seal_message,
)

NOW = 1_764_000_000_000
PROPERTY = settings(max_examples=50, deadline=None, database=None)
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)

# DESIGN.md's table, typed again here: (signed, original) without the modern timestamp.
RESPONSE_SIGNED = "access_code|booking_number|error_code|product_type|properties|return_url|total_amount"
RESPONSE_ORIGINAL = "access_code|booking_number|error_code|product_type|properties|return_url|signature|total_amount"
DESIGN_TABLE = {
    LOGIN_REQUEST: ("access_code|user_id|layout|product", "access_code|user_id|layout|product|signature"),
    LOGIN_RESPONSE: ("access_code|error_code|redirect_url", "access_code|error_code|redirect_url|signature"),
    PLACE_ORDER: ("access_code|booking_number|product_type|total_amount",
                  "access_code|booking_number|product_type|signature|total_amount"),
    COMMIT_REQUEST: ("access_code|booking_number|partner_trans_id|product_type",
                     "access_code|booking_number|partner_trans_id|product_type|signature"),
    QUERY_REQUEST: ("access_code|booking_number", "access_code|booking_number|signature"),
    COMMIT_RESPONSE: (RESPONSE_SIGNED, RESPONSE_ORIGINAL),
    QUERY_RESPONSE: (RESPONSE_SIGNED, RESPONSE_ORIGINAL),
}
SAMPLE = {
    "access_code": "GTD-ACCESS-01",
    "user_id": "khach-hàng-42",
    "layout": "dual",
    "product": "flight",
    "error_code": "00",
    "redirect_url": "https://webview.example/w/launch?token=abc&x=1",
    "booking_number": "261122-7QK4M2XD",
    "product_type": "AIR",
    "total_amount": "1590000",
    "partner_trans_id": "PT-2026-0001",
    "properties": json.dumps({"booking_status": "BOOKED", "payment_status": "SUCCESS", "issue_status": "SUCCESS",
                              "pnr": "ABC123", "tickets": ["738-0000000001"], "refunded_amount": 0}),
    "return_url": "https://webview.example/w/result?partner_code=gotadi&transaction_id=PT&timestamp=1&sig=ff",
}


@pytest.fixture(scope="module")
def merchant_key() -> rsa.RSAPrivateKey:
    """The merchant's own key pair is 3072 bits."""
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


@pytest.fixture(scope="module")
def partner_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def stranger_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_decrypt(sealed: dict[str, str], receiver: rsa.RSAPrivateKey, suite: str) -> str:
    """Open an envelope with the primitives directly: the original data text."""
    wrapped, data = unb64(sealed["key"]), unb64(sealed["data"])
    if suite == "modern":
        key = receiver.decrypt(wrapped, OAEP)
        assert len(key) == 32 and len(data) > 12 + 16
        return AESGCM(key).decrypt(data[:12], data[12:], None).decode()
    key = receiver.decrypt(wrapped, padding.PKCS1v15())
    assert len(key) == 24 and len(data) % 8 == 0
    decryptor = Cipher(TripleDES(key), modes.ECB()).decryptor()  # noqa: S305
    unpadder = block_padding.PKCS7(64).unpadder()
    return (unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()).decode()


def raw_encrypt(original: bytes, receiver: rsa.RSAPublicKey, suite: str, key_bytes: bytes | None = None) -> dict:
    """Build an envelope around arbitrary original-data bytes with the primitives directly."""
    if suite == "modern":
        key = key_bytes if key_bytes is not None else os.urandom(32)
        nonce = os.urandom(12)
        return {"key": b64url(receiver.encrypt(key, OAEP)), "data": b64url(nonce + AESGCM(key).encrypt(
            nonce, original, None))}
    key = key_bytes if key_bytes is not None else os.urandom(24)
    padder = block_padding.PKCS7(64).padder()
    cipher_key = key if len(key) == 24 else os.urandom(24)  # a wrong-length wrapped key still gets real data
    encryptor = Cipher(TripleDES(cipher_key), modes.ECB()).encryptor()  # noqa: S305
    data = encryptor.update(padder.update(original) + padder.finalize()) + encryptor.finalize()
    return {"key": b64url(receiver.encrypt(key, padding.PKCS1v15())), "data": b64url(data)}


def raw_sign(text: str, sender: rsa.RSAPrivateKey, suite: str) -> str:
    """Standard, padded base64 of the suite's signature over `text`."""
    pad = PSS if suite == "modern" else padding.PKCS1v15()
    return base64.b64encode(sender.sign(text.encode(), pad, hashes.SHA256())).decode()


def raw_verify(signature_b64: str, text: str, sender: rsa.RSAPublicKey, suite: str) -> None:
    pad = PSS if suite == "modern" else padding.PKCS1v15()
    sender.verify(base64.b64decode(signature_b64, validate=True), text.encode(), pad, hashes.SHA256())


def values_for(spec: MessageSpec) -> dict[str, str]:
    return {name: SAMPLE[name] for name in spec.signed_fields}


def open_with(spec, sealed, receiver, sender, suite, now_ms=NOW, **kwargs):
    return open_message(spec, key=sealed["key"], data=sealed["data"], receiver_private_key=receiver,
                        sender_public_key=sender.public_key(), suite=suite, now_ms=now_ms, **kwargs)


def seal_with(spec, values, sender, receiver, suite, now_ms=NOW):
    return seal_message(spec, values, sender_private_key=sender, receiver_public_key=receiver.public_key(),
                        suite=suite, now_ms=now_ms if suite == "modern" else None)


def refusal(call) -> str:
    with pytest.raises(EnvelopeError) as refused:
        call()
    return refused.value.code


SUITES = ["modern", "legacy"]
SPECS = list(DESIGN_TABLE)


def test_specs_match_the_design_table():
    for spec, (signed, original) in DESIGN_TABLE.items():
        assert spec.signed_fields == tuple(signed.split("|")), spec.name
        assert spec.original_fields == tuple(original.split("|")), spec.name
        assert spec.signed_layout("modern")[-1] == spec.original_layout("modern")[-1] == "timestamp"
        assert "timestamp" not in spec.original_layout("legacy")
    assert len({spec.name for spec in SPECS}) == len(SPECS)


@pytest.mark.parametrize("fields", [
    (("a", "b"), ("a", "signature")),
    (("a", "b"), ("a", "b", "signature", "signature")),
    (("a", "b"), ("b", "a", "signature")),
    (("a", "timestamp"), ("a", "timestamp", "signature")),
    (("a",), ("a",)),
])
def test_inconsistent_specs_are_refused(fields):
    with pytest.raises(ValueError):
        MessageSpec("broken", *fields)


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_round_trip_both_directions(spec, suite, merchant_key, partner_key):
    values = values_for(spec)
    for sender, receiver in [(partner_key, merchant_key), (merchant_key, partner_key)]:
        sealed = seal_with(spec, {**values, "unrelated": "ignored"}, sender, receiver, suite)
        assert set(sealed) == {"key", "data"}
        assert "=" not in sealed["key"] + sealed["data"]
        assert len(unb64(sealed["key"])) == receiver.key_size // 8
        opened = open_with(spec, sealed, receiver, sender, suite)
        expected = dict(values, timestamp=str(NOW)) if suite == "modern" else values
        assert opened.values == expected
        assert list(opened.values) == [name for name in spec.original_layout(suite) if name != "signature"]
        assert opened.timestamp == (NOW if suite == "modern" else None)
        signature = raw_decrypt(sealed, receiver, suite).split("|")[spec.original_fields.index("signature")]
        assert opened.replay_digest == hashlib.sha256(base64.b64decode(signature)).hexdigest()


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_signature_sits_at_its_documented_position(spec, suite, merchant_key, partner_key):
    signed_names, original_names = (part.split("|") for part in DESIGN_TABLE[spec])
    if suite == "modern":
        signed_names, original_names = [*signed_names, "timestamp"], [*original_names, "timestamp"]
    values = {**values_for(spec), "timestamp": str(NOW)}
    sealed = seal_with(spec, values_for(spec), partner_key, merchant_key, suite)
    parts = raw_decrypt(sealed, merchant_key, suite).split("|")
    assert len(parts) == len(original_names)
    by_name = dict(zip(original_names, parts, strict=True))
    assert all(by_name[name] == values[name] for name in original_names if name != "signature")
    signature = by_name["signature"]
    assert len(signature) % 4 == 0 and "-" not in signature and "_" not in signature  # standard, padded
    raw_verify(signature, "|".join(values[name] for name in signed_names), partner_key.public_key(), suite)


def test_legacy_key_and_data_shapes(merchant_key, partner_key):
    sealed = seal_with(PLACE_ORDER, values_for(PLACE_ORDER), partner_key, merchant_key, "legacy")
    assert len(merchant_key.decrypt(unb64(sealed["key"]), padding.PKCS1v15())) == 24
    assert len(unb64(sealed["data"])) % 8 == 0
    again = seal_with(PLACE_ORDER, values_for(PLACE_ORDER), partner_key, merchant_key, "legacy")
    assert again["key"] != sealed["key"]  # a fresh symmetric key for every message
    # PKCS#1 v1.5 signatures are deterministic, so the same fields give the same replay digest.
    first = open_with(PLACE_ORDER, sealed, merchant_key, partner_key, "legacy")
    assert open_with(PLACE_ORDER, again, merchant_key, partner_key, "legacy").replay_digest == first.replay_digest


def test_modern_messages_differ_every_time(merchant_key, partner_key):
    first = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), partner_key, merchant_key, "modern")
    second = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), partner_key, merchant_key, "modern")
    assert first["key"] != second["key"] and first["data"] != second["data"]
    digests = {open_with(QUERY_REQUEST, s, merchant_key, partner_key, "modern").replay_digest for s in (first, second)}
    assert len(digests) == 2  # PSS is randomised


def test_modern_timestamp_window(merchant_key, partner_key):
    sealed = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), partner_key, merchant_key, "modern")
    for skew in (-299_000, 0, 299_000, 300_000, -300_000):
        assert open_with(QUERY_REQUEST, sealed, merchant_key, partner_key, "modern", NOW + skew).timestamp == NOW
    for skew in (-301_000, 301_000, 300_001):
        assert refusal(lambda s=skew: open_with(QUERY_REQUEST, sealed, merchant_key, partner_key, "modern",
                                                NOW + s)) == "04"
    assert refusal(lambda: open_with(QUERY_REQUEST, sealed, merchant_key, partner_key, "modern", NOW + 61_000,
                                     window_s=60)) == "04"


def test_legacy_has_no_window(merchant_key, partner_key):
    sealed = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), partner_key, merchant_key, "legacy")
    assert open_with(QUERY_REQUEST, sealed, merchant_key, partner_key, "legacy", NOW * 2).timestamp is None


@pytest.mark.parametrize("timestamp", ["", "abc", "-5", "1" * 17, "1.5"])
def test_modern_malformed_timestamp_is_04(timestamp, merchant_key, partner_key):
    signed = f"AC|261122-7QK4M2XD|{timestamp}"
    signature = raw_sign(signed, partner_key, "modern")
    sealed = raw_encrypt(f"AC|261122-7QK4M2XD|{signature}|{timestamp}".encode(), merchant_key.public_key(), "modern")
    assert refusal(lambda: open_with(QUERY_REQUEST, sealed, merchant_key, partner_key, "modern")) == "04"


def test_modern_message_without_timestamp_is_04(merchant_key, partner_key):
    signature = raw_sign("AC|261122-7QK4M2XD", partner_key, "modern")
    sealed = raw_encrypt(f"AC|261122-7QK4M2XD|{signature}".encode(), merchant_key.public_key(), "modern")
    assert refusal(lambda: open_with(QUERY_REQUEST, sealed, merchant_key, partner_key, "modern")) == "04"


def test_seal_refuses_pipe_missing_and_non_text_values(merchant_key, partner_key):
    for suite in SUITES:
        for bad in ({"booking_number": "261122|7QK4M2XD"}, {"booking_number": None}, {"booking_number": 5},
                    {"booking_number": "\ud800"}):
            values = {**values_for(QUERY_REQUEST), **bad}
            assert refusal(lambda v=values, s=suite: seal_with(QUERY_REQUEST, v, partner_key, merchant_key, s)) == "07"
        assert refusal(lambda s=suite: seal_with(QUERY_REQUEST, {"access_code": "AC"}, partner_key, merchant_key,
                                                 s)) == "07"


def test_seal_programming_errors(merchant_key, partner_key):
    values = values_for(QUERY_REQUEST)
    with pytest.raises(ValueError, match="now_ms"):
        seal_message(QUERY_REQUEST, values, sender_private_key=partner_key,
                     receiver_public_key=merchant_key.public_key(), suite="modern")
    with pytest.raises(ValueError, match="suite"):
        seal_with(QUERY_REQUEST, values, partner_key, merchant_key, "aes")
    with pytest.raises(TypeError):
        seal_message(QUERY_REQUEST, values, sender_private_key=partner_key.public_key(),
                     receiver_public_key=merchant_key.public_key(), suite="legacy")


@pytest.mark.parametrize("suite", SUITES)
def test_genuine_pipe_inside_a_value_is_07_forged_is_04(suite, merchant_key, partner_key, stranger_key):
    tail = [str(NOW)] if suite == "modern" else []
    fields = ["GTD-ACCESS-01", "00", "https://x.example/?a=1|b=2", *tail]  # redirect_url carries a '|'
    signed = "|".join(fields)
    for signer, code in [(partner_key, "07"), (stranger_key, "04")]:
        signature = raw_sign(signed, signer, suite)
        original = "|".join([*fields[:3], signature, *tail])
        sealed = raw_encrypt(original.encode(), merchant_key.public_key(), suite)
        assert refusal(lambda s=sealed: open_with(LOGIN_RESPONSE, s, merchant_key, partner_key, suite)) == code


@pytest.mark.parametrize("suite", SUITES)
def test_genuine_wrong_field_count_is_07(suite, merchant_key, partner_key):
    tail = [str(NOW)] if suite == "modern" else []
    signed = "|".join(["AC", "261122-7QK4M2XD", "extra", *tail])
    original = "|".join(["AC", "261122-7QK4M2XD", "extra", raw_sign(signed, partner_key, suite), *tail])
    sealed = raw_encrypt(original.encode(), merchant_key.public_key(), suite)
    assert refusal(lambda: open_with(QUERY_REQUEST, sealed, merchant_key, partner_key, suite)) == "07"


@pytest.mark.parametrize("suite", SUITES)
def test_undecryptable_variants_are_all_04(suite, merchant_key, partner_key):
    good = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), partner_key, merchant_key, suite)
    cases = {
        "wrong symmetric key length": raw_encrypt(b"AC|BN|x", merchant_key.public_key(), suite, os.urandom(16)),
        "plaintext is not UTF-8": raw_encrypt(b"AC|\xff\xfe|x", merchant_key.public_key(), suite),
        "no separators at all": raw_encrypt(b"garbage", merchant_key.public_key(), suite),
        "data too short": {"key": good["key"], "data": b64url(b"\0" * 8)},
        "data from another message": {"key": good["key"], "data": seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST),
                                                                          partner_key, merchant_key, suite)["data"]},
        "key wrapped with the other suite": raw_encrypt(b"x", merchant_key.public_key(),
                                                        "legacy" if suite == "modern" else "modern"),
    }
    if suite == "legacy":
        cases["partial 3DES block"] = {"key": good["key"], "data": b64url(unb64(good["data"])[:-3])}
    for name, sealed in cases.items():
        assert refusal(lambda s=sealed: open_with(QUERY_REQUEST, s, merchant_key, partner_key, suite)) == "04", name


@pytest.mark.parametrize("suite", SUITES)
def test_other_keys_are_04(suite, merchant_key, partner_key, stranger_key):
    sealed = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), partner_key, merchant_key, suite)
    assert refusal(lambda: open_with(QUERY_REQUEST, sealed, stranger_key, partner_key, suite)) == "04"
    assert refusal(lambda: open_with(QUERY_REQUEST, sealed, merchant_key, stranger_key, suite)) == "04"
    forged = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), stranger_key, merchant_key, suite)
    assert refusal(lambda: open_with(QUERY_REQUEST, forged, merchant_key, partner_key, suite)) == "04"
    other_suite = "legacy" if suite == "modern" else "modern"
    assert refusal(lambda: open_with(QUERY_REQUEST, sealed, merchant_key, partner_key, other_suite)) == "04"


def test_failed_unwrap_still_decrypts_and_verifies(monkeypatch, merchant_key, partner_key, stranger_key):
    """Same work on every failure path: decryption and a signature check still run after a failed unwrap."""
    calls = []
    real_decrypt, real_verify = envelope._decrypt, envelope._verify
    monkeypatch.setattr(envelope, "_decrypt", lambda *a: calls.append("decrypt") or real_decrypt(*a))
    monkeypatch.setattr(envelope, "_verify", lambda *a: calls.append("verify") or real_verify(*a))
    for suite in SUITES:
        sealed = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), partner_key, stranger_key, suite)
        calls.clear()
        assert refusal(lambda s=sealed, su=suite: open_with(QUERY_REQUEST, s, merchant_key, partner_key, su)) == "04"
        assert calls == ["decrypt", "verify"]


def test_empty_key_or_data_is_07(merchant_key, partner_key):
    for sealed in ({"key": "", "data": "AAAA"}, {"key": "AAAA", "data": ""}):
        assert refusal(lambda s=sealed: open_with(QUERY_REQUEST, s, merchant_key, partner_key, "modern")) == "07"


def test_lenient_base64_accepts_both_alphabets_and_optional_padding():
    raw = bytes(range(256))
    standard = base64.b64encode(raw).decode()
    assert "+" in standard and "/" in standard and standard.endswith("=")
    for text in (standard, standard.rstrip("="), b64url(raw), b64url(raw) + "=="):
        assert b64url_decode_lenient(text) == raw
    assert b64url_decode_lenient("") == b""
    assert b64url_decode_lenient("YQ") == b"a" == b64url_decode_lenient("YQ==")


def test_lenient_base64_ignores_ascii_whitespace_of_wrapped_encoders():
    raw = bytes(range(256))
    standard = base64.b64encode(raw).decode()
    crlf76 = "\r\n".join(standard[i:i + 76] for i in range(0, len(standard), 76)) + "\r\n"  # commons-codec 1.4
    assert crlf76.count("\r\n") == 5
    for text in (crlf76, crlf76.replace("\r\n", "\n"), " " + standard[:10] + " \t" + standard[10:] + "\n",
                 b64url(raw)[:50] + "\r\n" + b64url(raw)[50:] + "\f\v"):
        assert b64url_decode_lenient(text) == raw
    assert b64url_decode_lenient("YQ=\r\n=") == b"a"
    assert b64url_decode_lenient(" \r\n") == b""


@pytest.mark.parametrize("text", ["YQ=", "YQ===", "Y", "YQ==YQ", "Y.Q", "=", "YR", "YWI=b", "ÿQ==", "YWJ=",
                                  "Y\u00a0Q", "Y\u2028Q", "Y\x00Q", "YQ\x1c", "Y\\nQ"])
def test_lenient_base64_refuses_garbage_with_07(text):
    assert refusal(lambda: b64url_decode_lenient(text)) == "07"


def test_garbage_key_or_data_is_07(merchant_key, partner_key):
    good = seal_with(QUERY_REQUEST, values_for(QUERY_REQUEST), partner_key, merchant_key, "modern")
    for sealed in ({**good, "key": good["key"] + "!"}, {**good, "data": "%%%"}, {**good, "data": "A" * 4 * 40 + "A"}):
        assert refusal(lambda s=sealed: open_with(QUERY_REQUEST, s, merchant_key, partner_key, "modern")) == "07"


# -- properties ------------------------------------------------------------------------------------------

URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture(scope="module")
def sealed_by_suite(merchant_key, partner_key) -> dict[str, dict[str, str]]:
    return {suite: seal_with(COMMIT_RESPONSE, values_for(COMMIT_RESPONSE), partner_key, merchant_key, suite)
            for suite in SUITES}


@pytest.mark.parametrize("suite", SUITES)
@PROPERTY
@given(field=st.sampled_from(["key", "data"]), index=st.integers(min_value=0), replacement=st.sampled_from(URLSAFE))
def test_any_changed_character_is_refused(suite, field, index, replacement, sealed_by_suite, merchant_key,
                                          partner_key):
    sealed = dict(sealed_by_suite[suite])
    text = sealed[field]
    index %= len(text)
    if text[index] == replacement:
        replacement = "A" if replacement != "A" else "B"
    sealed[field] = text[:index] + replacement + text[index + 1:]
    assert refusal(lambda: open_with(COMMIT_RESPONSE, sealed, merchant_key, partner_key, suite)) in {"04", "07"}


@pytest.mark.parametrize("suite", SUITES)
@PROPERTY
@given(field=st.sampled_from(["key", "data"]), index=st.integers(min_value=0), mask=st.integers(1, 255))
def test_any_flipped_byte_is_04(suite, field, index, mask, sealed_by_suite, merchant_key, partner_key):
    sealed = dict(sealed_by_suite[suite])
    raw = bytearray(unb64(sealed[field]))
    raw[index % len(raw)] ^= mask
    sealed[field] = b64url(bytes(raw))
    assert refusal(lambda: open_with(COMMIT_RESPONSE, sealed, merchant_key, partner_key, suite)) == "04"


@pytest.mark.parametrize("suite", SUITES)
@PROPERTY
@given(index=st.integers(min_value=0), mask=st.integers(1, 255))
def test_any_flipped_plaintext_byte_under_a_valid_envelope_is_04(suite, index, mask, merchant_key, partner_key,
                                                                 sealed_by_suite):
    """Re-encrypt a tampered original data correctly: only the signature can notice, and it must."""
    original = bytearray(raw_decrypt(sealed_by_suite[suite], merchant_key, suite).encode())
    original[index % len(original)] ^= mask
    sealed = raw_encrypt(bytes(original), merchant_key.public_key(), suite)
    assert refusal(lambda: open_with(COMMIT_RESPONSE, sealed, merchant_key, partner_key, suite)) == "04"


@pytest.mark.parametrize("suite", SUITES)
@PROPERTY
@given(values=st.fixed_dictionaries({name: st.text(st.characters(exclude_characters="|", exclude_categories=["Cs"]),
                                                   max_size=30) for name in RESPONSE_SIGNED.split("|")}))
def test_any_values_round_trip(suite, values, merchant_key, partner_key):
    sealed = seal_with(QUERY_RESPONSE, values, merchant_key, partner_key, suite)
    opened = open_with(QUERY_RESPONSE, sealed, partner_key, merchant_key, suite)
    assert {k: v for k, v in opened.values.items() if k != "timestamp"} == values
