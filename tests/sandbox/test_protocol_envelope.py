"""The sandbox's own envelope code: both suites, every message, tampering, and openssl interop."""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.protocol import envelope
from sandbox.protocol.envelope import EnvelopeError

VALUES = {
    "access_code": "AC-123", "user_id": "user-42", "layout": "dual", "product": "flight",
    "error_code": "00", "redirect_url": "http://127.0.0.1:5000/w/launch?token=abc",
    "booking_number": "261122-7QK4M2XD", "product_type": "AIR", "total_amount": "1250000",
    "partner_trans_id": "SBX-1", "properties": '{"booking_status": "BOOKED", "tickets": []}',
    "return_url": "http://127.0.0.1:5000/w/result?partner_code=x",
}


@pytest.fixture(scope="module")
def keys():
    partner = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    merchant = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return partner, merchant


def seal_and_open(keys, spec, suite, values=VALUES, **open_kwargs):
    partner, merchant = keys
    sealed = envelope.seal(spec, suite, values, sender_private=partner, receiver_public=merchant.public_key())
    return sealed, envelope.open_sealed(spec, suite, sealed.key, sealed.data, receiver_private=merchant,
                                        sender_public=partner.public_key(), **open_kwargs)


@pytest.mark.parametrize("suite", envelope.SUITES)
@pytest.mark.parametrize("spec", list(envelope.MESSAGES.values()), ids=lambda spec: spec.name)
def test_every_message_round_trips(keys, spec, suite):
    sealed, fields = seal_and_open(keys, spec, suite)
    for name in spec.signed:
        assert fields[name] == VALUES[name]
    assert "=" not in sealed.key and "=" not in sealed.data and "+" not in sealed.data
    if suite == "modern":
        assert abs(int(fields["timestamp"]) - time.time() * 1000) < 5000
        assert sealed.signature_data.endswith("|" + fields["timestamp"])
    else:
        assert "timestamp" not in fields
    assert sealed.signature_data == "|".join(fields[name] for name in spec.fields(suite)[0])


def test_signature_sits_at_its_documented_position(keys):
    partner, _merchant = keys
    signed, original = envelope.build_original(envelope.PLACE_ORDER, "legacy", VALUES, partner)
    parts = original.split("|")
    assert signed == "AC-123|261122-7QK4M2XD|AIR|1250000"
    assert parts[:3] == ["AC-123", "261122-7QK4M2XD", "AIR"] and parts[4] == "1250000"
    base64.b64decode(parts[3], validate=True)  # standard base64 with padding
    signed, original = envelope.build_original(envelope.PLACE_ORDER, "modern", VALUES, partner, 1700000000000)
    assert signed == "AC-123|261122-7QK4M2XD|AIR|1250000|1700000000000"
    assert original.split("|")[4:] == ["1250000", "1700000000000"]


@pytest.mark.parametrize("suite", envelope.SUITES)
def test_tampering_gets_one_answer(keys, suite):
    partner, merchant = keys
    sealed = envelope.seal(envelope.LOGIN_REQUEST, suite, VALUES, sender_private=partner,
                           receiver_public=merchant.public_key())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    flipped = sealed.data[:-3] + ("A" if sealed.data[-3] != "A" else "B") + sealed.data[-2:]
    attempts = [
        (sealed.key, flipped, merchant, partner.public_key()),
        (sealed.key[:-4] + "AAAA", sealed.data, merchant, partner.public_key()),
        (sealed.key, sealed.data, other, partner.public_key()),  # not addressed to this key
        (sealed.key, sealed.data, merchant, other.public_key()),  # signed by someone else
        ("", sealed.data, merchant, partner.public_key()),
        (sealed.key, "!!!", merchant, partner.public_key()),
    ]
    for key, data, receiver, sender in attempts:
        with pytest.raises(EnvelopeError) as refused:
            envelope.open_sealed(envelope.LOGIN_REQUEST, suite, key, data, receiver_private=receiver,
                                 sender_public=sender)
        assert refused.value.error_code == "04"


def test_modern_refuses_stale_timestamp_and_replay(keys):
    partner, merchant = keys
    old = int(time.time() * 1000) - 301_000
    sealed = envelope.seal(envelope.QUERY_TRANS_REQUEST, "modern", VALUES, sender_private=partner,
                           receiver_public=merchant.public_key(), timestamp_ms=old)
    with pytest.raises(EnvelopeError, match="window"):
        envelope.open_sealed(envelope.QUERY_TRANS_REQUEST, "modern", sealed.key, sealed.data,
                             receiver_private=merchant, sender_public=partner.public_key())
    seen: set[str] = set()

    def seen_before(signature: str) -> bool:
        known = signature in seen
        seen.add(signature)
        return known

    sealed = envelope.seal(envelope.QUERY_TRANS_REQUEST, "modern", VALUES, sender_private=partner,
                           receiver_public=merchant.public_key())
    arguments = {"receiver_private": merchant, "sender_public": partner.public_key(), "seen_before": seen_before}
    envelope.open_sealed(envelope.QUERY_TRANS_REQUEST, "modern", sealed.key, sealed.data, **arguments)
    with pytest.raises(EnvelopeError, match="replay"):
        envelope.open_sealed(envelope.QUERY_TRANS_REQUEST, "modern", sealed.key, sealed.data, **arguments)


def test_pipe_in_a_value_and_wrong_field_count_are_malformed(keys):
    partner, merchant = keys
    with pytest.raises(EnvelopeError) as refused:
        envelope.seal(envelope.LOGIN_REQUEST, "legacy", {**VALUES, "user_id": "a|b"}, sender_private=partner,
                      receiver_public=merchant.public_key())
    assert refused.value.error_code == "07"
    with pytest.raises(EnvelopeError) as refused:
        envelope.parse_original(envelope.LOGIN_REQUEST, "legacy", "a|b|c")
    assert refused.value.error_code == "07"


def test_receivers_accept_either_alphabet_and_padding():
    raw = bytes(range(256))
    for text in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")):
        assert envelope.b64_decode_any(text) == raw


# --- interop with the openssl command line: a self-consistent but wrong implementation fails here ----------

openssl = shutil.which("openssl") or "openssl"  # part of every machine the suite runs on: missing fails, never skips


def write_keys(tmp_path: Path, name: str, private) -> tuple[Path, Path]:
    private_path, public_path = tmp_path / f"{name}-key.pem", tmp_path / f"{name}-pub.pem"
    private_path.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    public_path.write_bytes(private.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path


def run_openssl(*args: str, data: bytes = b"") -> bytes:
    return subprocess.run([openssl, *args], input=data, capture_output=True, check=True).stdout


@pytest.mark.parametrize("suite", envelope.SUITES)
def test_openssl_unwraps_our_key_and_verifies_our_signature(keys, suite, tmp_path):
    partner, merchant = keys
    merchant_key, _ = write_keys(tmp_path, "merchant", merchant)
    _, partner_pub = write_keys(tmp_path, "partner", partner)
    sealed = envelope.seal(envelope.LOGIN_REQUEST, suite, VALUES, sender_private=partner,
                           receiver_public=merchant.public_key())
    options = (["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt",
                "rsa_mgf1_md:sha256"] if suite == "modern" else ["-pkeyopt", "rsa_padding_mode:pkcs1"])
    symmetric = run_openssl("pkeyutl", "-decrypt", "-inkey", str(merchant_key), *options,
                            data=envelope.b64_decode_any(sealed.key))
    assert len(symmetric) == (32 if suite == "modern" else 24)
    ciphertext = envelope.b64_decode_any(sealed.data)
    if suite == "legacy":
        original = run_openssl("enc", "-d", "-des-ede3", "-K", symmetric.hex(), data=ciphertext).decode()
    else:
        original = envelope.decrypt_data("modern", symmetric, ciphertext).decode()
    fields, signature_data = envelope.parse_original(envelope.LOGIN_REQUEST, suite, original)
    (tmp_path / "sig").write_bytes(base64.b64decode(fields["signature"]))
    sigopts = (["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sigopt", "rsa_mgf1_md:sha256"]
               if suite == "modern" else [])
    out = run_openssl("dgst", "-sha256", "-verify", str(partner_pub), *sigopts, "-signature", str(tmp_path / "sig"),
                      data=signature_data.encode())
    assert b"Verified OK" in out


def test_we_open_a_legacy_message_made_by_openssl(keys, tmp_path):
    partner, merchant = keys
    partner_key, _ = write_keys(tmp_path, "partner", partner)
    _, merchant_pub = write_keys(tmp_path, "merchant", merchant)
    signature_data = "AC-123|261122-7QK4M2XD"
    signature = run_openssl("dgst", "-sha256", "-sign", str(partner_key), data=signature_data.encode())
    original = f"{signature_data}|{base64.b64encode(signature).decode()}".encode()
    symmetric = bytes(range(1, 25))
    wrapped = run_openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", str(merchant_pub), "-pkeyopt",
                          "rsa_padding_mode:pkcs1", data=symmetric)
    data = run_openssl("enc", "-e", "-des-ede3", "-K", symmetric.hex(), data=original)
    fields = envelope.open_sealed(envelope.QUERY_TRANS_REQUEST, "legacy", envelope.b64url_encode(wrapped),
                                  base64.b64encode(data).decode(), receiver_private=merchant,
                                  sender_public=partner.public_key())
    assert fields["booking_number"] == "261122-7QK4M2XD"
