"""Interop with the openssl CLI: the other side of every exchange is produced or checked by openssl.

A self-consistent but wrong implementation (wrong OAEP hash, MGF1, salt length, padding, layout) fails here.
AES-GCM is not available in `openssl enc`, so the GCM helper is pinned to the published test vectors instead.
"""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from webview.signing import hmac as signing_hmac
from webview.signing.envelope import (
    COMMIT_RESPONSE,
    PLACE_ORDER,
    EnvelopeError,
    _gcm_decrypt,
    _gcm_encrypt,
    open_message,
    seal_message,
)

OPENSSL = "/usr/bin/openssl"
NOW = 1_764_000_000_000
OAEP_OPTS = ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"]
PSS_OPTS = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sigopt", "rsa_mgf1_md:sha256"]
PLACE_ORDER_VALUES = {"access_code": "GTD-ACCESS-01", "booking_number": "261122-7QK4M2XD", "product_type": "HOTEL",
                      "total_amount": "2350000"}


def openssl(*args: str | Path, stdin: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the openssl CLI; fail the test with its stderr when it refuses."""
    done = subprocess.run([OPENSSL, *map(str, args)], input=stdin, capture_output=True, timeout=60)
    if check:
        assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class KeyFiles:
    """An RSA key pair as PEM files for openssl and as objects for webview.signing."""

    def __init__(self, directory: Path, name: str, private_key: rsa.RSAPrivateKey) -> None:
        self.private_key = private_key
        self.private_pem = directory / f"{name}.pem"
        self.public_pem = directory / f"{name}.pub.pem"
        self.private_pem.write_bytes(private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        self.public_pem.write_bytes(private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


@pytest.fixture(scope="module")
def keydir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("openssl-keys")


@pytest.fixture(scope="module")
def merchant(keydir) -> KeyFiles:
    """The merchant's 3072-bit pair, made by cryptography."""
    return KeyFiles(keydir, "merchant", rsa.generate_private_key(public_exponent=65537, key_size=3072))


@pytest.fixture(scope="module")
def partner(keydir) -> KeyFiles:
    """A partner's 2048-bit pair, made by openssl."""
    pem = keydir / "partner-openssl.pem"
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", pem)
    key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return KeyFiles(keydir, "partner", key)


# -- hmac ------------------------------------------------------------------------------------------------


def openssl_hmac(secret: str, message: str) -> str:
    out = openssl("dgst", "-sha256", "-hmac", secret, stdin=message.encode()).stdout.decode()
    return out.strip().rsplit("= ", 1)[1]


def test_hmac_signature_matches_openssl():
    client_id, secret, timestamp = "RLCKb7Ae9kx4DXtXsCWjnDXtggFnM43W", "khóa-bí-mật-2026", "1620621619569"
    for body, target in [(b'{"id":123}', ""), (None, "/api/v1/transaction?reference_transaction_id=261122-7QK4M2XD")]:
        canonical = signing_hmac.b64url_nopad(signing_hmac.canonical_payload(client_id, timestamp, body, target))
        assert signing_hmac.sign(secret, client_id, timestamp, body, target) == openssl_hmac(secret, canonical)


def test_design_vector_with_openssl():
    canonical = "MTYyMDYyMTYxOTU2OS5STENLYjdBZTlreDREWHRYc0NXam5EWHRnZ0ZuTTQzVy57ImlkIjoxMjN9"
    secret = "EhjGcsUUuRSJTHiYPbW5fxzyaKEx0JuAZIKRQ4HnIfNFidB2kMg6locQbTIEz3Vf"
    assert openssl_hmac(secret, canonical) == "8ebd092b9df2cf90e8ccbcab2ba87ee14f2abb25eb8f18b4d7286d42adcd45c2"


def test_result_link_matches_openssl():
    secret, client_id = "s3cret", "4f1c2b8e-6d0a-4c1e-9a55-0e8b7d6c5a41"
    payload = signing_hmac.result_link_payload(client_id, "tikivip", "PT-0001", "1700000000000")
    assert payload == b"1700000000000.4f1c2b8e-6d0a-4c1e-9a55-0e8b7d6c5a41.tikivip.PT-0001"
    expected = openssl_hmac(secret, signing_hmac.b64url_nopad(payload))
    assert signing_hmac.sign_result_link(secret, client_id, "tikivip", "PT-0001", "1700000000000") == expected


# -- AES-256-GCM against published vectors (McGrew & Viega test cases 14 and 15, NIST SP 800-38D) ---------

GCM_VECTORS = [
    ("00" * 32, "00" * 12, "00" * 16, "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"),
    ("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"),
]


@pytest.mark.parametrize(("key", "nonce", "plaintext", "ciphertext", "tag"), GCM_VECTORS)
def test_gcm_helper_matches_published_vectors(key, nonce, plaintext, ciphertext, tag):
    key_b, nonce_b, plain_b = bytes.fromhex(key), bytes.fromhex(nonce), bytes.fromhex(plaintext)
    sealed = _gcm_encrypt(key_b, nonce_b, plain_b)
    assert sealed.hex() == ciphertext + tag  # ciphertext first, then the 16-byte tag
    assert _gcm_decrypt(key_b, nonce_b, sealed) == plain_b
    with pytest.raises(ValueError):
        _gcm_decrypt(key_b, nonce_b, sealed[:-1] + bytes([sealed[-1] ^ 1]))


# -- envelopes we seal, opened and verified by openssl ------------------------------------------------------


def split_original(text: str, signature_index: int) -> tuple[str, bytes]:
    """(signature data, signature bytes) from an original-data string."""
    parts = text.split("|")
    signature = base64.b64decode(parts.pop(signature_index), validate=True)
    return "|".join(parts), signature


def openssl_verify(tmp_path: Path, public_pem: Path, signed: str, signature: bytes, *extra: str) -> bool:
    (tmp_path / "signed.txt").write_bytes(signed.encode())
    (tmp_path / "sig.bin").write_bytes(signature)
    done = openssl("dgst", "-sha256", *extra, "-verify", public_pem, "-signature", tmp_path / "sig.bin",
                   tmp_path / "signed.txt", check=False)
    return done.returncode == 0 and b"Verified OK" in done.stdout


def test_modern_envelope_opened_by_openssl(tmp_path, merchant, partner):
    sealed = seal_message(PLACE_ORDER, PLACE_ORDER_VALUES, sender_private_key=merchant.private_key,
                          receiver_public_key=partner.private_key.public_key(), suite="modern", now_ms=NOW)
    (tmp_path / "wrapped.bin").write_bytes(unb64(sealed["key"]))
    key = openssl("pkeyutl", "-decrypt", "-inkey", partner.private_pem, "-in", tmp_path / "wrapped.bin",
                  *OAEP_OPTS).stdout
    assert len(key) == 32
    # A SHA-1 OAEP (the common Java default) must not unwrap it: the parameters really are SHA-256.
    assert openssl("pkeyutl", "-decrypt", "-inkey", partner.private_pem, "-in", tmp_path / "wrapped.bin",
                   "-pkeyopt", "rsa_padding_mode:oaep", check=False).returncode != 0
    data = unb64(sealed["data"])
    text = _gcm_decrypt(key, data[:12], data[12:]).decode()
    fields = text.split("|")
    assert fields[:3] == ["GTD-ACCESS-01", "261122-7QK4M2XD", "HOTEL"] and fields[4:] == ["2350000", str(NOW)]
    signed, signature = split_original(text, 3)
    assert signed == f"GTD-ACCESS-01|261122-7QK4M2XD|HOTEL|2350000|{NOW}"
    assert openssl_verify(tmp_path, merchant.public_pem, signed, signature, *PSS_OPTS)
    wrong_salt = [*PSS_OPTS[:3], "rsa_pss_saltlen:20", *PSS_OPTS[4:]]
    assert not openssl_verify(tmp_path, merchant.public_pem, signed, signature, *wrong_salt)
    assert not openssl_verify(tmp_path, merchant.public_pem, signed + "0", signature, *PSS_OPTS)


def test_legacy_envelope_opened_by_openssl(tmp_path, merchant, partner):
    values = {"access_code": "GTD-ACCESS-01", "booking_number": "261122-7QK4M2XD", "error_code": "00",
              "product_type": "AIR", "properties": '{"pnr":"ABC123","tickets":["Nguyễn Văn A"]}',
              "return_url": "https://webview.example/w/result?partner_code=gotadi", "total_amount": "1590000"}
    sealed = seal_message(COMMIT_RESPONSE, values, sender_private_key=merchant.private_key,
                          receiver_public_key=partner.private_key.public_key(), suite="legacy")
    (tmp_path / "wrapped.bin").write_bytes(unb64(sealed["key"]))
    key = openssl("pkeyutl", "-decrypt", "-inkey", partner.private_pem, "-in", tmp_path / "wrapped.bin").stdout
    assert len(key) == 24
    (tmp_path / "data.bin").write_bytes(unb64(sealed["data"]))
    text = openssl("enc", "-d", "-des-ede3", "-K", key.hex(), "-in", tmp_path / "data.bin").stdout.decode()
    signed, signature = split_original(text, 6)
    names = ["access_code", "booking_number", "error_code", "product_type", "properties", "return_url",
             "total_amount"]
    assert signed == "|".join(values[name] for name in names)
    assert text.split("|")[7] == "1590000"
    assert openssl_verify(tmp_path, merchant.public_pem, signed, signature)
    assert not openssl_verify(tmp_path, merchant.public_pem, signed, signature, *PSS_OPTS)


# -- envelopes made by openssl, opened by us ------------------------------------------------------------


def openssl_sign(tmp_path: Path, private_pem: Path, signed: str, *extra: str) -> str:
    (tmp_path / "to-sign.txt").write_bytes(signed.encode())
    openssl("dgst", "-sha256", *extra, "-sign", private_pem, "-out", tmp_path / "made.sig", tmp_path / "to-sign.txt")
    return base64.b64encode((tmp_path / "made.sig").read_bytes()).decode()


def openssl_wrap(tmp_path: Path, public_pem: Path, size: int, *extra: str) -> tuple[bytes, str]:
    openssl("rand", "-out", tmp_path / "sym.key", str(size))
    openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", public_pem, "-in", tmp_path / "sym.key",
            "-out", tmp_path / "sym.wrapped", *extra)
    return (tmp_path / "sym.key").read_bytes(), b64url((tmp_path / "sym.wrapped").read_bytes())


def test_modern_envelope_made_by_openssl(tmp_path, merchant, partner):
    signed = f"GTD-ACCESS-01|261122-7QK4M2XD|HOTEL|2350000|{NOW}"
    signature = openssl_sign(tmp_path, partner.private_pem, signed, *PSS_OPTS)
    original = f"GTD-ACCESS-01|261122-7QK4M2XD|HOTEL|{signature}|2350000|{NOW}"
    key, wrapped = openssl_wrap(tmp_path, merchant.public_pem, 32, *OAEP_OPTS)
    nonce = os.urandom(12)
    data = b64url(nonce + _gcm_encrypt(key, nonce, original.encode()))
    opened = open_message(PLACE_ORDER, key=wrapped, data=data, receiver_private_key=merchant.private_key,
                          sender_public_key=partner.private_key.public_key(), suite="modern", now_ms=NOW + 1000)
    assert opened.values == {**PLACE_ORDER_VALUES, "product_type": "HOTEL", "timestamp": str(NOW)}
    assert opened.timestamp == NOW
    # The same message signed with another PSS salt length is refused.
    other_salt = openssl_sign(tmp_path, partner.private_pem, signed, *PSS_OPTS[:3], "rsa_pss_saltlen:20",
                              *PSS_OPTS[4:])
    bad = original.replace(signature, other_salt).encode()
    with pytest.raises(EnvelopeError) as refused:
        open_message(PLACE_ORDER, key=wrapped, data=b64url(nonce + _gcm_encrypt(key, nonce, bad)),
                     receiver_private_key=merchant.private_key, sender_public_key=partner.private_key.public_key(),
                     suite="modern", now_ms=NOW)
    assert refused.value.code == "04"


def test_legacy_envelope_made_by_openssl(tmp_path, merchant, partner):
    signed = "GTD-ACCESS-01|261122-7QK4M2XD|AIR|1590000"
    signature = openssl_sign(tmp_path, partner.private_pem, signed)
    (tmp_path / "original.txt").write_bytes(f"GTD-ACCESS-01|261122-7QK4M2XD|AIR|{signature}|1590000".encode())
    key, wrapped = openssl_wrap(tmp_path, merchant.public_pem, 24)
    openssl("enc", "-e", "-des-ede3", "-K", key.hex(), "-in", tmp_path / "original.txt", "-out", tmp_path / "data")
    data = (tmp_path / "data").read_bytes()
    assert len(data) % 8 == 0
    for key_text, data_text in [(wrapped, b64url(data)),
                                (base64.b64encode(unb64(wrapped)).decode(), base64.b64encode(data).decode())]:
        opened = open_message(PLACE_ORDER, key=key_text, data=data_text, receiver_private_key=merchant.private_key,
                              sender_public_key=partner.private_key.public_key(), suite="legacy", now_ms=NOW)
        assert opened.values == {**PLACE_ORDER_VALUES, "product_type": "AIR", "total_amount": "1590000"}
        assert opened.timestamp is None
