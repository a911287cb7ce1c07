"""Profile `envelope` (DESIGN.md "Profile envelope"): RSA-signed, encrypted, pipe-joined messages.

A message is a list of fields in a fixed order (`MessageSpec`). The *signature data* (the fields joined with
'|') is signed with the sender's private key; the signature (standard base64, padded) is inserted at its place
to form the *original data*, which is encrypted under a fresh symmetric key wrapped with the receiver's public
key. On the wire: `{"key": base64url_nopad(wrapped key), "data": base64url_nopad(ciphertext)}`.

Suites:
* `modern`: RSA-OAEP(SHA-256, MGF1-SHA-256, no label) wraps 32 random bytes; data = 12-byte nonce ||
  AES-256-GCM(ciphertext || tag), no AAD; signature RSA-PSS(SHA-256, MGF1-SHA-256, salt 32). A `timestamp`
  field (unix ms) ends both the signature data and the original data.
* `legacy`: RSA PKCS#1 v1.5 wraps 24 random bytes; data = DESede/ECB/PKCS5; signature SHA256withRSA (PKCS#1 v1.5).

Error codes raised (as `EnvelopeError.code`):
* "07" malformed: `key`/`data` not base64 (ASCII whitespace inside is ignored: see `b64url_decode_lenient`), a
  value containing '|' or missing when sealing, and — only once the signature has verified, i.e. the sender is
  genuine — a wrong number of fields.
* "04" everything that fails to unwrap, decrypt, unpad, decode as UTF-8 or verify, all with the same detail and
  the same work done (a failed unwrap continues with a random key), so the answer leaks nothing about where it
  failed. In the modern suite a missing, malformed or stale (beyond ±window) timestamp is also "04": freshness
  is part of the signature check.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "COMMIT_REQUEST",
    "COMMIT_RESPONSE",
    "LOGIN_REQUEST",
    "LOGIN_RESPONSE",
    "PLACE_ORDER",
    "QUERY_REQUEST",
    "QUERY_RESPONSE",
    "SUITES",
    "EnvelopeError",
    "MessageSpec",
    "Opened",
    "b64url_decode_lenient",
    "open_message",
    "seal_message",
]

SUITES = ("modern", "legacy")
DEFAULT_WINDOW_S = 300
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16
_SYMMETRIC_KEY_BYTES = {"modern": 32, "legacy": 24}
_UNAUTHENTIC = "cannot decrypt or verify the message"
_TIMESTAMP = re.compile(r"[0-9]{1,16}")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_ASCII_WHITESPACE = re.compile(r"[ \t\r\n\f\v]+")  # line breaks of wrapped base64 (commons-codec, MIME: 76 chars)
_TO_STANDARD = str.maketrans("-_", "+/")

_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


class EnvelopeError(Exception):
    """A refused envelope: `code` is the DESIGN error code ("04" or "07"), `detail` is for logs only."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class MessageSpec:
    """Field order of one message: signed data, and original data with "signature" at its place (no timestamp)."""

    name: str
    signed_fields: tuple[str, ...]
    original_fields: tuple[str, ...]

    def __post_init__(self) -> None:
        """The original data must be exactly the signed fields with one "signature" inserted."""
        names = self.signed_fields
        if len(set(names)) != len(names) or {"signature", "timestamp"} & set(names):
            raise ValueError(f"{self.name}: signed fields must be distinct and exclude signature/timestamp")
        if self.original_fields.count("signature") != 1:
            raise ValueError(f"{self.name}: original fields need exactly one signature")
        if tuple(name for name in self.original_fields if name != "signature") != names:
            raise ValueError(f"{self.name}: original fields must be the signed fields plus signature")

    @property
    def signature_position(self) -> int:
        """Index of the signature in the original data (the same in both suites)."""
        return self.original_fields.index("signature")

    def signed_layout(self, suite: str) -> tuple[str, ...]:
        """The signature data's fields for a suite (modern appends timestamp)."""
        return self.signed_fields + (("timestamp",) if suite == "modern" else ())

    def original_layout(self, suite: str) -> tuple[str, ...]:
        """The original data's fields for a suite (modern appends timestamp after everything)."""
        return self.original_fields + (("timestamp",) if suite == "modern" else ())


def _spec(name: str, signed: str, original: str) -> MessageSpec:
    """A MessageSpec from the pipe-joined layouts written as in DESIGN.md."""
    return MessageSpec(name, tuple(signed.split("|")), tuple(original.split("|")))


LOGIN_REQUEST = _spec(
    "login_request",
    "access_code|user_id|layout|product",
    "access_code|user_id|layout|product|signature",
)
LOGIN_RESPONSE = _spec(
    "login_response",
    "access_code|error_code|redirect_url",
    "access_code|error_code|redirect_url|signature",
)
PLACE_ORDER = _spec(
    "place_order",
    "access_code|booking_number|product_type|total_amount",
    "access_code|booking_number|product_type|signature|total_amount",
)
COMMIT_REQUEST = _spec(
    "commit_request",
    "access_code|booking_number|partner_trans_id|product_type",
    "access_code|booking_number|partner_trans_id|product_type|signature",
)
QUERY_REQUEST = _spec(
    "query_request",
    "access_code|booking_number",
    "access_code|booking_number|signature",
)
_TRANSACTION_RESPONSE_SIGNED = "access_code|booking_number|error_code|product_type|properties|return_url|total_amount"
_TRANSACTION_RESPONSE_ORIGINAL = (
    "access_code|booking_number|error_code|product_type|properties|return_url|signature|total_amount"
)
COMMIT_RESPONSE = _spec("commit_response", _TRANSACTION_RESPONSE_SIGNED, _TRANSACTION_RESPONSE_ORIGINAL)
QUERY_RESPONSE = _spec("query_response", _TRANSACTION_RESPONSE_SIGNED, _TRANSACTION_RESPONSE_ORIGINAL)


@dataclass(frozen=True)
class Opened:
    """A verified message: its fields (signature excluded; timestamp included for modern, as text)."""

    values: dict[str, str]
    replay_digest: str  # sha256 hex of the signature bytes, for the replay store
    timestamp: int | None  # modern only
    message_digest: str = ""  # sha256 hex of the decoded key and data: this exact sealed message (legacy replays)


# -- encodings ---------------------------------------------------------------------------------------------


def _b64url_nopad(data: bytes) -> str:
    """URL-safe base64 without padding (how `key` and `data` are sent)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode_lenient(text: str) -> bytes:
    """Decode base64 in either alphabet, padded or not; EnvelopeError("07") on anything else.

    ASCII whitespace anywhere (the CRLF every 76 characters of older Apache commons-codec and MIME encoders,
    LF, spaces, tabs) is ignored; any other character outside the alphabets is refused. Padding, when present,
    must be complete; non-canonical encodings (stray bits in the last character) are refused so that every
    distinct text (whitespace aside) decodes to distinct bytes.
    """
    if not isinstance(text, str):
        raise EnvelopeError("07", "not base64")
    text = _ASCII_WHITESPACE.sub("", text)
    if not _BASE64.fullmatch(text):
        raise EnvelopeError("07", "not base64")
    body = text.rstrip("=")
    if (body != text and len(text) % 4) or len(body) % 4 == 1:
        raise EnvelopeError("07", "base64 of impossible length or padding")
    standard = body.translate(_TO_STANDARD)
    decoded = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    if base64.b64encode(decoded).decode("ascii").rstrip("=") != standard:
        raise EnvelopeError("07", "non-canonical base64")
    return decoded


# -- symmetric ciphers ------------------------------------------------------------------------------------


def _gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    """AES-GCM without AAD: ciphertext || 16-byte tag."""
    return AESGCM(key).encrypt(nonce, plaintext, None)


def _gcm_decrypt(key: bytes, nonce: bytes, sealed: bytes) -> bytes:
    """Inverse of `_gcm_encrypt`; raises ValueError when the tag does not verify."""
    try:
        return AESGCM(key).decrypt(nonce, sealed, None)
    except InvalidTag as error:
        raise ValueError("GCM tag mismatch") from error


def _tdes_ecb_encrypt(key: bytes, plaintext: bytes) -> bytes:
    """DESede/ECB/PKCS5Padding, as Java's Cipher does it (legacy suite only)."""
    padder = block_padding.PKCS7(TripleDES.block_size).padder()
    encryptor = Cipher(TripleDES(key), modes.ECB()).encryptor()  # noqa: S305  (the seed's Java format)
    return encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()


def _tdes_ecb_decrypt(key: bytes, data: bytes) -> bytes:
    """Inverse of `_tdes_ecb_encrypt`; raises ValueError on a partial block or bad padding."""
    if not data or len(data) % (TripleDES.block_size // 8):
        raise ValueError("3DES data is not a whole number of blocks")
    decryptor = Cipher(TripleDES(key), modes.ECB()).decryptor()  # noqa: S305  (the seed's Java format)
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = block_padding.PKCS7(TripleDES.block_size).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _encrypt(suite: str, key: bytes, plaintext: bytes) -> bytes:
    """The `data` bytes for a suite: nonce || GCM output, or 3DES-ECB ciphertext."""
    if suite == "modern":
        nonce = os.urandom(GCM_NONCE_BYTES)
        return nonce + _gcm_encrypt(key, nonce, plaintext)
    return _tdes_ecb_encrypt(key, plaintext)


def _decrypt(suite: str, key: bytes, data: bytes) -> bytes | None:
    """Plaintext of `data`, or None on any failure (short input, tag, padding)."""
    try:
        if suite == "modern":
            if len(data) < GCM_NONCE_BYTES + GCM_TAG_BYTES:
                return None
            return _gcm_decrypt(key, data[:GCM_NONCE_BYTES], data[GCM_NONCE_BYTES:])
        return _tdes_ecb_decrypt(key, data)
    except ValueError:
        return None


# -- RSA ------------------------------------------------------------------------------------------------


def _wrap_padding(suite: str) -> padding.AsymmetricPadding:
    return _OAEP if suite == "modern" else padding.PKCS1v15()


def _signature_padding(suite: str) -> padding.AsymmetricPadding:
    return _PSS if suite == "modern" else padding.PKCS1v15()


def _unwrap(private_key: rsa.RSAPrivateKey, suite: str, wrapped: bytes) -> bytes | None:
    """The symmetric key, or None when unwrapping fails or gives the wrong length."""
    try:
        key = private_key.decrypt(wrapped, _wrap_padding(suite))
    except ValueError:
        return None
    # PKCS#1 v1.5 with implicit rejection returns random bytes instead of failing; their length rarely fits.
    return key if len(key) == _SYMMETRIC_KEY_BYTES[suite] else None


def _verify(public_key: rsa.RSAPublicKey, suite: str, signature: bytes, message: bytes) -> bool:
    """True when `signature` is the sender's signature over `message` in this suite."""
    try:
        public_key.verify(signature, message, _signature_padding(suite), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _check_arguments(suite: str, private_key: object, public_key: object) -> None:
    """Programming errors (unknown suite, non-RSA keys) are ValueError/TypeError, never an error code."""
    if suite not in SUITES:
        raise ValueError(f"unknown envelope suite {suite!r}; expected one of {SUITES}")
    if not isinstance(private_key, rsa.RSAPrivateKey) or not isinstance(public_key, rsa.RSAPublicKey):
        raise TypeError("envelope keys must be cryptography RSA key objects (private, public)")


# -- sealing and opening ---------------------------------------------------------------------------------


def _signed_values(spec: MessageSpec, values: Mapping[str, str], suite: str, now_ms: int | None) -> list[str]:
    """The signature data's values in order; 07 for a missing, non-text, '|'-bearing or unencodable value."""
    fields: list[str] = []
    for name in spec.signed_fields:
        value = values.get(name)
        if not isinstance(value, str):
            raise EnvelopeError("07", f"{spec.name}: field {name} is missing or not text")
        if "|" in value:
            raise EnvelopeError("07", f"{spec.name}: field {name} contains '|'")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise EnvelopeError("07", f"{spec.name}: field {name} is not encodable as UTF-8") from error
        fields.append(value)
    if suite == "modern":
        if isinstance(now_ms, bool) or not isinstance(now_ms, int) or now_ms < 0:
            raise ValueError("the modern suite needs now_ms (unix milliseconds) for the timestamp field")
        fields.append(str(now_ms))
    return fields


def seal_message(spec: MessageSpec, values: Mapping[str, str], *, sender_private_key: rsa.RSAPrivateKey,
                 receiver_public_key: rsa.RSAPublicKey, suite: str, now_ms: int | None = None) -> dict[str, str]:
    """Sign `values` with the sender's key and encrypt them to the receiver: {"key": ..., "data": ...}.

    Only the spec's fields are used (other keys are ignored). In the modern suite the timestamp field is
    `now_ms` (required); in the legacy suite `now_ms` is ignored.
    """
    _check_arguments(suite, sender_private_key, receiver_public_key)
    fields = _signed_values(spec, values, suite, now_ms)
    signature = sender_private_key.sign("|".join(fields).encode("utf-8"), _signature_padding(suite), hashes.SHA256())
    position = spec.signature_position
    original = [*fields[:position], base64.b64encode(signature).decode("ascii"), *fields[position:]]
    symmetric_key = os.urandom(_SYMMETRIC_KEY_BYTES[suite])
    data = _encrypt(suite, symmetric_key, "|".join(original).encode("utf-8"))
    wrapped = receiver_public_key.encrypt(symmetric_key, _wrap_padding(suite))
    return {"key": _b64url_nopad(wrapped), "data": _b64url_nopad(data)}


def open_message(spec: MessageSpec, *, key: str, data: str, receiver_private_key: rsa.RSAPrivateKey,
                 sender_public_key: rsa.RSAPublicKey, suite: str, now_ms: int,
                 window_s: int = DEFAULT_WINDOW_S) -> Opened:
    """Decrypt with our key, verify with the sender's, and return the fields; EnvelopeError "04" or "07".

    Every step runs whatever failed before it (a random key after a failed unwrap, a dummy signature check
    after a failed decryption) and all such failures raise the same EnvelopeError("04"). The signature is
    located counting from the end of the original data, so a genuine message with a '|' inside a value still
    verifies and is then refused as malformed ("07"), while anything unauthenticated stays "04".
    The modern timestamp must be digits within ±window_s of now_ms, else "04".
    """
    _check_arguments(suite, receiver_private_key, sender_public_key)
    wrapped = b64url_decode_lenient(key)
    sealed = b64url_decode_lenient(data)
    if not wrapped or not sealed:
        raise EnvelopeError("07", "key and data must not be empty")

    authentic = True
    symmetric_key = _unwrap(receiver_private_key, suite, wrapped)
    if symmetric_key is None:
        authentic = False
        symmetric_key = os.urandom(_SYMMETRIC_KEY_BYTES[suite])
    plaintext = _decrypt(suite, symmetric_key, sealed)
    text: str | None = None
    if plaintext is not None:
        try:
            text = plaintext.decode("utf-8")
        except UnicodeDecodeError:
            text = None

    layout = spec.original_layout(suite)
    parts = text.split("|") if text is not None else []
    signature_index = len(parts) - (len(layout) - spec.signature_position)
    dummy_signature = bytes((sender_public_key.key_size + 7) // 8)
    if text is None or signature_index < 0:
        authentic = False
        signature, signed = dummy_signature, b""
    else:
        signed = "|".join(parts[:signature_index] + parts[signature_index + 1:]).encode("utf-8")
        try:
            signature = b64url_decode_lenient(parts[signature_index])
        except EnvelopeError:
            authentic, signature = False, dummy_signature
    if not _verify(sender_public_key, suite, signature, signed) or not authentic:
        raise EnvelopeError("04", _UNAUTHENTIC)

    if len(parts) != len(layout):
        raise EnvelopeError("07", f"{spec.name}: expected {len(layout)} fields, got {len(parts)}")
    values = {name: part for name, part in zip(layout, parts, strict=True) if name != "signature"}
    timestamp: int | None = None
    if suite == "modern":
        if not _TIMESTAMP.fullmatch(values["timestamp"]):
            raise EnvelopeError("04", "missing or malformed timestamp")
        timestamp = int(values["timestamp"])
        if abs(now_ms - timestamp) > window_s * 1000:
            raise EnvelopeError("04", "timestamp outside the allowed window")
    # Legacy signatures are deterministic (same fields, same signature), but every sealed message has a fresh
    # symmetric key: the decoded (canonical) key and data identify one message, not its fields.
    message_digest = hashlib.sha256(len(wrapped).to_bytes(4, "big") + wrapped + sealed).hexdigest()
    return Opened(values=values, replay_digest=hashlib.sha256(signature).hexdigest(), timestamp=timestamp,
                  message_digest=message_digest)
