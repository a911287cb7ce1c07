"""Canonical-string recipes byte for byte, signatures, and injectivity: hypothesis shows no two different messages
of a preset sign the same string — except where a wallet's public recipe is ambiguous, which is shown too."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.styles.conftest import php_urlencode, rfc3986
from webview.styles.canonical import (
    CanonicalProblem,
    Keys,
    Message,
    canonical_bytes,
    encoded_canonical,
    form_encode,
    percent_encode,
    render_value,
    sign_bytes,
    value_text,
    verify_signature,
)
from webview.styles.definition import Canonical, Signature
from webview.styles.presets import preset

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


def recipe(**fields) -> Canonical:
    return Canonical.model_validate(fields)


def test_sorted_pairs_three_encodings_byte_for_byte():
    message = Message(fields={"b": "x y", "a": "1&2=3", "c": "~*", "sig": "zzz"})
    assert canonical_bytes(recipe(recipe="sorted_pairs"), message, {}, "sig") == b"a=1&2=3&b=x y&c=~*"
    assert canonical_bytes(recipe(recipe="sorted_pairs", url_encode="form"), message, {}, "sig") == \
        b"a=1%262%3D3&b=x+y&c=%7E%2A"
    assert canonical_bytes(recipe(recipe="sorted_pairs", url_encode="percent"), message, {}, "sig") == \
        b"a=1%262%3D3&b=x%20y&c=~%2A"


def test_sorted_pairs_named_fields_extra_prefix_exclude_and_skip_empty():
    message = Message(fields={"vnp_B": "", "vnp_A": "1", "other": "2", "vnp_C": "3"})
    named = recipe(recipe="sorted_pairs", fields=["z", "vnp_A", "key"], extra={"key": "{client_id}"})
    assert canonical_bytes(named, message, {"client_id": "CID"}, None) == b"key=CID&vnp_A=1&z="
    prefixed = recipe(recipe="sorted_pairs", prefix="vnp_", exclude=["vnp_C"], skip_empty=True)
    assert canonical_bytes(prefixed, message, {}, None) == b"vnp_A=1"
    with pytest.raises(CanonicalProblem):
        canonical_bytes(named, Message(fields={"key": "forged"}), {"client_id": "CID"}, None)


def test_ordered_parts_raw_body_json_field_and_base64url():
    message = Message(headers={"x-ts": "17"}, fields={"a": 5, "data": '{"k":"v"}'}, body=b"", target="/p?q=1")
    ordered = recipe(recipe="ordered", separator="|", parts=[
        {"header": "X-TS"}, {"field": "a"}, {"value": "{client_id}!"}, {"field": "missing"}, {"body_or_target": True}])
    assert canonical_bytes(ordered, message, {"client_id": "C"}, None) == b"17|5|C!||/p?q=1"
    assert canonical_bytes(recipe(recipe="json_field", field="data"), message, {}, None) == b'{"k":"v"}'
    assert canonical_bytes(recipe(recipe="raw_body"), Message(body=b"\x00raw"), {}, None) == b"\x00raw"
    encoded = recipe(recipe="raw_body", encode="base64url_nopad")
    assert encoded_canonical(encoded, b"\xfb\xff") == b"-_8"


def test_value_text_and_typed_templates():
    assert [value_text(v) for v in (None, True, 0, -5, "é", {"b": [1, "x"]})] == \
        ["", "true", "0", "-5", "é", '{"b":[1,"x"]}']
    rendered = render_value({"n": "{amount}", "s": "{{literal}} {amount} {}", "l": ["{fields}"]},
                            {"amount": 150000, "fields": ["a"]})
    assert rendered == {"n": 150000, "s": "{literal} 150000 {}", "l": [["a"]]}


@given(TEXT)
def test_form_and_percent_encoding_match_php_urlencode_and_rfc3986(text):
    assert form_encode(text) == php_urlencode(text)
    assert percent_encode(text) == rfc3986(text)


@pytest.mark.parametrize(("algorithm", "digest"), [("HMAC-SHA256", hashlib.sha256), ("HMAC-SHA512", hashlib.sha512)])
@pytest.mark.parametrize("encoding", ["hex", "base64", "base64url"])
def test_hmac_signatures_in_every_encoding_and_rotation(algorithm, digest, encoding):
    signature = Signature.model_validate({"algorithm": algorithm, "canonical": {"recipe": "raw_body"},
                                          "placement": {"header": "X-Sig"}, "encoding": encoding})
    raw = hmac.new(b"new", b"msg", digest).digest()
    made = sign_bytes(signature, b"msg", Keys(secrets=("new", "old")))
    expected = {"hex": raw.hex(), "base64": base64.b64encode(raw).decode(),
                "base64url": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}[encoding]
    assert made == expected
    assert verify_signature(signature, b"msg", made, Keys(secrets=("old", "new")))  # rotation: either verifies
    assert not verify_signature(signature, b"msg!", made, Keys(secrets=("new",)))
    assert not verify_signature(signature, b"msg", "not a signature", Keys(secrets=("new",)))
    if encoding == "hex":
        assert verify_signature(signature, b"msg", made.upper(), Keys(secrets=("new",)))
    else:  # either base64 alphabet, with or without padding
        other = base64.b64encode(raw).decode() if encoding == "base64url" else expected.rstrip("=")
        assert verify_signature(signature, b"msg", other, Keys(secrets=("new",)))


def test_rsa_sha256_signs_with_our_key_and_verifies_with_theirs():
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = Signature.model_validate({"algorithm": "RSA-SHA256", "canonical": {"recipe": "raw_body"},
                                          "placement": {"field": "sig"}, "encoding": "base64"})
    made = sign_bytes(signature, b"msg", Keys(private_key=key))
    assert verify_signature(signature, b"msg", made, Keys(public_key=key.public_key()))
    assert not verify_signature(signature, b"other", made, Keys(public_key=key.public_key()))


# -- injectivity ----------------------------------------------------------------------------------------------

def status_in_string(name: str, fields: dict[str, str], headers: dict[str, str] | None = None,
                     body: bytes = b"") -> bytes:
    style = preset(name).status_in
    signature = style.signature
    message = Message(headers=headers or {}, fields=fields, body=body, target="/api/v1/partners/p/ipn")
    return encoded_canonical(signature.canonical, canonical_bytes(signature.canonical, message,
                                                                  {"client_id": "CID", "partner_code": "p"},
                                                                  signature.placement.field))


VNP_NAMES = ["vnp_Amount", "vnp_OrderInfo", "vnp_ResponseCode", "vnp_TxnRef"]


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({name: TEXT for name in VNP_NAMES}),
       st.fixed_dictionaries({name: TEXT for name in VNP_NAMES}))
def test_vnpay_like_is_injective_over_field_values(one, two):
    if one != two:
        assert status_in_string("vnpay-like", one) != status_in_string("vnpay-like", two)


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_zalopay_like_is_injective_it_signs_the_exact_string(one, two):
    if one != two:
        assert status_in_string("zalopay-like", {"data": one}) != status_in_string("zalopay-like", {"data": two})


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[0-9]{1,16}", fullmatch=True), st.binary(max_size=30),
       st.from_regex(r"[0-9]{1,16}", fullmatch=True), st.binary(max_size=30))
def test_standard_is_injective_over_timestamp_and_body(ts1, body1, ts2, body2):
    headers = {"X-Client-Id": "RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W"}
    if (ts1, body1) != (ts2, body2) and body1 and body2:
        assert status_in_string("standard", {}, {**headers, "X-Timestamp": ts1}, body1) != \
            status_in_string("standard", {}, {**headers, "X-Timestamp": ts2}, body2)


MOMO_VALUES = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00&="), max_size=10)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"orderId": MOMO_VALUES, "amount": MOMO_VALUES, "message": MOMO_VALUES}),
       st.fixed_dictionaries({"orderId": MOMO_VALUES, "amount": MOMO_VALUES, "message": MOMO_VALUES}))
def test_momo_like_is_injective_while_values_hold_no_ampersand_or_equals(one, two):
    if one != two:
        assert status_in_string("momo-like", one) != status_in_string("momo-like", two)


def test_momo_like_public_recipe_is_ambiguous_when_values_hold_ampersand_and_equals():
    """The documented ambiguity of MoMo's public recipe (styles.md): raw values let text move between neighbours."""
    one = {"extraData": "e&message=m", "message": "z"}
    two = {"extraData": "e", "message": "m&message=z"}
    assert one != two
    assert status_in_string("momo-like", one) == status_in_string("momo-like", two)
