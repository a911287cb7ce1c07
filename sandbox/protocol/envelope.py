"""Profile `envelope`, partner side: seal and open {"key", "data"} messages in both cipher suites.

DESIGN.md: `key` = a fresh symmetric key wrapped with the receiver's RSA public key; `data` = the *original
data* (pipe-joined fields with the sender's signature at its documented position) encrypted with that key.
modern: RSA-OAEP-SHA256 / AES-256-GCM (12-byte nonce ‖ ciphertext+tag) / RSA-PSS-SHA256 salt 32, and a trailing
`timestamp` (unix ms) on both the signed and the original data. legacy: RSA PKCS#1 v1.5 / 3DES-ECB-PKCS5 /
SHA256withRSA, no timestamp. `key`/`data` are base64url without padding; the signature is standard base64.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SUITES = ("modern", "legacy")
WINDOW_SECONDS = 300
SIGNATURE = "signature"
TIMESTAMP = "timestamp"


class EnvelopeError(ValueError):
    """A message that cannot be opened: undecryptable, badly signed, malformed, stale or replayed."""

    def __init__(self, error_code: str, reason: str) -> None:
        super().__init__(reason)
        self.error_code = error_code  # DESIGN.md envelope codes: 04 crypto, 07 malformed
        self.reason = reason


@dataclass(frozen=True)
class MessageSpec:
    """One pipe-joined message: the signed fields and the original-data order (with `signature` placed)."""

    name: str
    signed: tuple[str, ...]
    original: tuple[str, ...]

    def fields(self, suite: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(signed, original) field names for a suite; modern appends `timestamp` to both."""
        if suite == "modern":
            return (*self.signed, TIMESTAMP), (*self.original, TIMESTAMP)
        return self.signed, self.original


LOGIN_REQUEST = MessageSpec(
    "login", ("access_code", "user_id", "layout", "product"),
    ("access_code", "user_id", "layout", "product", SIGNATURE))
LOGIN_RESPONSE = MessageSpec(
    "login-response", ("access_code", "error_code", "redirect_url"),
    ("access_code", "error_code", "redirect_url", SIGNATURE))
PLACE_ORDER = MessageSpec(
    "place-order", ("access_code", "booking_number", "product_type", "total_amount"),
    ("access_code", "booking_number", "product_type", SIGNATURE, "total_amount"))
COMMIT_REQUEST = MessageSpec(
    "commit", ("access_code", "booking_number", "partner_trans_id", "product_type"),
    ("access_code", "booking_number", "partner_trans_id", "product_type", SIGNATURE))
QUERY_TRANS_REQUEST = MessageSpec(
    "query-trans", ("access_code", "booking_number"),
    ("access_code", "booking_number", SIGNATURE))
TRANS_RESPONSE = MessageSpec(
    "trans-response",
    ("access_code", "booking_number", "error_code", "product_type", "properties", "return_url", "total_amount"),
    ("access_code", "booking_number", "error_code", "product_type", "properties", "return_url", SIGNATURE,
     "total_amount"))
MESSAGES = {spec.name: spec for spec in
            (LOGIN_REQUEST, LOGIN_RESPONSE, PLACE_ORDER, COMMIT_REQUEST, QUERY_TRANS_REQUEST, TRANS_RESPONSE)}


# --- encodings -------------------------------------------------------------------------------------------

def b64url_encode(data: bytes) -> str:
    """base64url without padding (the `key` and `data` fields)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64_decode_any(text: str) -> bytes:
    """Decode base64 in either alphabet, padding optional (receivers accept all of them)."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    if not cleaned or any(ch.isspace() for ch in cleaned):
        raise EnvelopeError("04", "empty or malformed base64")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise EnvelopeError("04", "malformed base64") from error


def load_public_key(pem: str | bytes) -> RSAPublicKey:
    """An RSA public key from PEM."""
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def load_private_key(pem: str | bytes) -> RSAPrivateKey:
    """An unencrypted RSA private key from PEM."""
    key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


# --- the two cipher suites -------------------------------------------------------------------------------

_OAEP = rsa_padding.OAEP(mgf=rsa_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_PSS = rsa_padding.PSS(mgf=rsa_padding.MGF1(hashes.SHA256()), salt_length=32)


def _check_suite(suite: str) -> None:
    if suite not in SUITES:
        raise ValueError(f"unknown cipher suite {suite!r}")


def wrap_key(suite: str, receiver: RSAPublicKey, symmetric_key: bytes) -> bytes:
    """Encrypt the fresh symmetric key to the receiver."""
    _check_suite(suite)
    return receiver.encrypt(symmetric_key, _OAEP if suite == "modern" else rsa_padding.PKCS1v15())


def unwrap_key(suite: str, own: RSAPrivateKey, wrapped: bytes) -> bytes:
    """Decrypt the symmetric key sent to us."""
    _check_suite(suite)
    key = own.decrypt(wrapped, _OAEP if suite == "modern" else rsa_padding.PKCS1v15())
    if len(key) != (32 if suite == "modern" else 24):
        raise ValueError("symmetric key of the wrong length")
    return key


def encrypt_data(suite: str, symmetric_key: bytes, plaintext: bytes) -> bytes:
    """modern: nonce ‖ AES-256-GCM(ciphertext+tag); legacy: DESede/ECB/PKCS5."""
    _check_suite(suite)
    if suite == "modern":
        nonce = os.urandom(12)
        return nonce + AESGCM(symmetric_key).encrypt(nonce, plaintext, None)
    padder = padding.PKCS7(64).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(TripleDES(symmetric_key), modes.ECB()).encryptor()  # noqa: S305 (legacy suite, by contract)
    return encryptor.update(padded) + encryptor.finalize()


def decrypt_data(suite: str, symmetric_key: bytes, ciphertext: bytes) -> bytes:
    """Inverse of encrypt_data."""
    _check_suite(suite)
    if suite == "modern":
        if len(ciphertext) < 12 + 16:
            raise ValueError("ciphertext too short")
        return AESGCM(symmetric_key).decrypt(ciphertext[:12], ciphertext[12:], None)
    if not ciphertext or len(ciphertext) % 8:
        raise ValueError("ciphertext is not whole 3DES blocks")
    decryptor = Cipher(TripleDES(symmetric_key), modes.ECB()).decryptor()  # noqa: S305
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(64).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def sign_text(suite: str, own: RSAPrivateKey, text: str) -> str:
    """Standard base64 (padded) signature over the UTF-8 signature data."""
    _check_suite(suite)
    pad = _PSS if suite == "modern" else rsa_padding.PKCS1v15()
    return base64.b64encode(own.sign(text.encode("utf-8"), pad, hashes.SHA256())).decode("ascii")


def verify_text(suite: str, sender: RSAPublicKey, text: str, signature_b64: str) -> bool:
    """True when the signature over the UTF-8 text is the sender's."""
    _check_suite(suite)
    pad = _PSS if suite == "modern" else rsa_padding.PKCS1v15()
    try:
        sender.verify(b64_decode_any(signature_b64), text.encode("utf-8"), pad, hashes.SHA256())
    except (InvalidSignature, EnvelopeError, ValueError):
        return False
    return True


# --- messages --------------------------------------------------------------------------------------------

def _text(value: object) -> str:
    text = str(value)
    if "|" in text:
        raise EnvelopeError("07", "a field value contains '|'")
    return text


def build_original(spec: MessageSpec, suite: str, values: Mapping[str, object], own: RSAPrivateKey,
                   timestamp_ms: int | None = None) -> tuple[str, str]:
    """(signature data, original data) for a message; modern gets the trailing timestamp."""
    signed_fields, original_fields = spec.fields(suite)
    filled = {name: _text(values.get(name, "")) for name in spec.signed}
    if suite == "modern":
        filled[TIMESTAMP] = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    signature_data = "|".join(filled[name] for name in signed_fields)
    filled[SIGNATURE] = sign_text(suite, own, signature_data)
    return signature_data, "|".join(filled[name] for name in original_fields)


def parse_original(spec: MessageSpec, suite: str, original: str) -> tuple[dict[str, str], str]:
    """Split original data into named fields; returns (fields incl. signature, signature data)."""
    signed_fields, original_fields = spec.fields(suite)
    parts = original.split("|")
    if len(parts) != len(original_fields):
        raise EnvelopeError("07", f"{spec.name}: expected {len(original_fields)} fields, got {len(parts)}")
    fields = dict(zip(original_fields, parts, strict=True))
    return fields, "|".join(fields[name] for name in signed_fields)


@dataclass(frozen=True)
class Sealed:
    """A sealed message: the wire pair plus what was signed (for the message log; no secret inside)."""

    key: str
    data: str
    signature_data: str

    def as_body(self) -> dict[str, str]:
        return {"key": self.key, "data": self.data}


def seal(spec: MessageSpec, suite: str, values: Mapping[str, object], *, sender_private: RSAPrivateKey,
         receiver_public: RSAPublicKey, timestamp_ms: int | None = None) -> Sealed:
    """Sign with our key, encrypt to theirs: the {"key", "data"} pair for one message."""
    signature_data, original = build_original(spec, suite, values, sender_private, timestamp_ms)
    symmetric_key = os.urandom(32 if suite == "modern" else 24)
    return Sealed(
        key=b64url_encode(wrap_key(suite, receiver_public, symmetric_key)),
        data=b64url_encode(encrypt_data(suite, symmetric_key, original.encode("utf-8"))),
        signature_data=signature_data,
    )


def open_sealed(spec: MessageSpec, suite: str, key: str, data: str, *, receiver_private: RSAPrivateKey,
                sender_public: RSAPublicKey, at_ms: int | None = None,
                seen_before: Callable[[str], bool] | None = None,
                window_seconds: int = WINDOW_SECONDS) -> dict[str, str]:
    """Decrypt and verify one message; returns its fields (signature and, for modern, timestamp included).

    Decryption and signature failures raise the same EnvelopeError("04"); `seen_before(signature)` lets the
    caller refuse a replayed modern message.
    """
    _check_suite(suite)
    try:
        symmetric_key = unwrap_key(suite, receiver_private, b64_decode_any(key))
        original = decrypt_data(suite, symmetric_key, b64_decode_any(data)).decode("utf-8")
    except (EnvelopeError, ValueError, InvalidTag, UnicodeDecodeError) as error:
        raise EnvelopeError("04", "invalid signature or undecryptable message") from error
    fields, signature_data = parse_original(spec, suite, original)
    if not verify_text(suite, sender_public, signature_data, fields[SIGNATURE]):
        raise EnvelopeError("04", "invalid signature or undecryptable message")
    if suite == "modern":
        stamp = fields[TIMESTAMP]
        if not stamp.isascii() or not stamp.isdigit():
            raise EnvelopeError("07", "malformed timestamp")
        current = int(time.time() * 1000) if at_ms is None else at_ms
        if abs(current - int(stamp)) > window_seconds * 1000:
            raise EnvelopeError("04", "timestamp outside the allowed window")
        if seen_before is not None and seen_before(fields[SIGNATURE]):
            raise EnvelopeError("04", "message already received (replay)")
    return fields
