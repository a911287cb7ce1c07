"""Profile `hmac` (DESIGN.md "Profile hmac"): request signatures and signed result links.

P = timestamp + "." + client_id + "." + (raw body bytes, or the raw request target when there is no body);
signature = lowercase hex HMAC-SHA256(key = client secret UTF-8, msg = base64url_nopad(P) as ASCII).
"""

from __future__ import annotations

import base64
import hashlib
import hmac as _hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "HmacCheck",
    "b64url_nopad",
    "canonical_payload",
    "result_link_payload",
    "sign",
    "sign_result_link",
    "signed_digest",
    "verify_request",
    "verify_result_link",
]

DEFAULT_WINDOW_S = 300
_TIMESTAMP = re.compile(r"[0-9]{1,16}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class HmacCheck:
    """The verdict on a signed request or link, with what was signed (for the message log and replay store)."""

    ok: bool
    reason: str | None  # None when ok; "malformed_timestamp" | "stale" | "bad_signature"
    canonical: str  # base64url_nopad(P): the exact text the signature covers
    digest: str  # sha256(P) hex, the replay-store key


def b64url_nopad(data: bytes) -> str:
    """URL-safe base64 without '=' padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def canonical_payload(client_id: str, timestamp: str, body: bytes | None, target: str) -> bytes:
    """P: timestamp.client_id.<body bytes exactly>, or the request target when the body is absent or empty."""
    tail = body if body else target.encode("utf-8")
    return timestamp.encode("utf-8") + b"." + client_id.encode("utf-8") + b"." + tail


def signed_digest(client_id: str, timestamp: str, body: bytes | None, target: str) -> str:
    """sha256(P) hex: the replay-store key of a signed request (the same value `HmacCheck.digest` carries)."""
    return hashlib.sha256(canonical_payload(client_id, timestamp, body, target)).hexdigest()


def _hex_hmac(secret: str, canonical: str) -> str:
    """Lowercase hex HMAC-SHA256 of the canonical text under the secret's UTF-8 bytes."""
    return _hmac.new(secret.encode("utf-8"), canonical.encode("ascii"), hashlib.sha256).hexdigest()


def sign(secret: str, client_id: str, timestamp: str, body: bytes | None = None, target: str = "") -> str:
    """The X-Signature value for a request: hex HMAC-SHA256(secret, base64url_nopad(P))."""
    return _hex_hmac(secret, b64url_nopad(canonical_payload(client_id, timestamp, body, target)))


def result_link_payload(client_id: str, partner_code: str, transaction_id: str, timestamp: str) -> bytes:
    """The bytes a result link signs: timestamp.client_id.partner_code.transaction_id (DESIGN "Result URL")."""
    return ".".join((timestamp, client_id, partner_code, transaction_id)).encode("utf-8")


def sign_result_link(secret: str, client_id: str, partner_code: str, transaction_id: str, timestamp: str) -> str:
    """The `sig` of a result link: hex HMAC-SHA256(secret, base64url_nopad(result_link_payload(...)))."""
    return _hex_hmac(secret, b64url_nopad(result_link_payload(client_id, partner_code, transaction_id, timestamp)))


def _check(secrets: Sequence[str], payload: bytes, timestamp: str, signature: str, now_ms: int,
           window_s: int) -> HmacCheck:
    """Shared verification: timestamp shape, freshness, then a constant-time compare against every secret."""
    canonical = b64url_nopad(payload)
    digest = hashlib.sha256(payload).hexdigest()
    if not _TIMESTAMP.fullmatch(timestamp):
        return HmacCheck(False, "malformed_timestamp", canonical, digest)
    if abs(now_ms - int(timestamp)) > window_s * 1000:
        return HmacCheck(False, "stale", canonical, digest)
    well_formed = _SIGNATURE.fullmatch(signature) is not None
    # A malformed signature is still compared (against a value no HMAC can equal) so every secret is tried.
    presented = signature.lower().encode("ascii") if well_formed else b"!" * 64
    matched = False
    for secret in secrets:
        expected = _hex_hmac(secret, canonical).encode("ascii")
        matched |= _hmac.compare_digest(expected, presented)
    if matched and well_formed:
        return HmacCheck(True, None, canonical, digest)
    return HmacCheck(False, "bad_signature", canonical, digest)


def _encodable(*values: str) -> bool:
    """True when every value can be UTF-8 encoded (header values decoded as latin-1 always can; lone surrogates not)."""
    try:
        for value in values:
            value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def verify_request(secrets: Sequence[str], *, client_id: str, timestamp: str, signature: str,
                   body: bytes | None, target: str, now_ms: int, window_s: int = DEFAULT_WINDOW_S) -> HmacCheck:
    """Check a request's X-Signature against every current secret (rotation), within ±window_s of now_ms.

    The timestamp must be 1–16 ASCII digits ("malformed_timestamp"), within the window ("stale"), and the
    signature 64 hex digits of either case matching one of `secrets` ("bad_signature"). All secrets are
    compared with `hmac.compare_digest`, with no early exit.
    """
    if not _encodable(client_id, timestamp, target):
        return HmacCheck(False, "bad_signature", "", "")
    payload = canonical_payload(client_id, timestamp, body, target)
    return _check(secrets, payload, timestamp, signature, now_ms, window_s)


def verify_result_link(secrets: Sequence[str], *, client_id: str, partner_code: str, transaction_id: str,
                       timestamp: str, sig: str, now_ms: int, window_s: int = DEFAULT_WINDOW_S) -> HmacCheck:
    """Check a result link's `sig` exactly as a request signature (same reasons, window and rotation)."""
    if not _encodable(client_id, partner_code, transaction_id, timestamp):
        return HmacCheck(False, "bad_signature", "", "")
    payload = result_link_payload(client_id, partner_code, transaction_id, timestamp)
    return _check(secrets, payload, timestamp, sig, now_ms, window_s)
