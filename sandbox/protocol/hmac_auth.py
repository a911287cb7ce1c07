"""Profile `hmac`, partner side: sign our calls to the merchant, verify the merchant's calls to us.

DESIGN.md: X-Signature = lowercase hex HMAC-SHA256(key = client_secret, msg = base64url_nopad(P)),
P = timestamp "." client_id "." (raw body bytes, or the raw request target when there is no body).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

WINDOW_SECONDS = 300
HEADER_CLIENT_ID = "X-Client-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_SIGNATURE = "X-Signature"


def now_ms() -> int:
    """The current time in unix milliseconds."""
    return int(time.time() * 1000)


def b64url_nopad(data: bytes) -> bytes:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def signing_input(timestamp: str | int, client_id: str, message: bytes) -> bytes:
    """base64url_nopad(P) for P = timestamp.client_id.message — the bytes that are MACed."""
    return b64url_nopad(f"{timestamp}.{client_id}.".encode() + message)


def request_target(url: str) -> bytes:
    """The raw request target of an absolute or relative URL: path and query, no '?' when the query is empty."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return (f"{path}?{parts.query}" if parts.query else path).encode()


def sign(client_id: str, client_secret: str, timestamp: str | int, message: bytes) -> str:
    """The X-Signature value for one request."""
    return hmac.new(client_secret.encode("utf-8"), signing_input(timestamp, client_id, message),
                    hashlib.sha256).hexdigest()


def signed_headers(client_id: str, client_secret: str, message: bytes, timestamp_ms: int | None = None) -> dict:
    """The three authentication headers for a request whose body (or target, when bodiless) is `message`."""
    timestamp = str(now_ms() if timestamp_ms is None else timestamp_ms)
    return {
        HEADER_CLIENT_ID: client_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: sign(client_id, client_secret, timestamp, message),
    }


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking a signed request; `canonical` is the signed input (no secret in it)."""

    ok: bool
    reason: str
    canonical: str = ""


def verify(
    *,
    client_id: str,
    timestamp: str,
    signature: str,
    message: bytes,
    expected_client_id: str,
    secrets: Iterable[str],
    at_ms: int | None = None,
    window_seconds: int = WINDOW_SECONDS,
) -> Verdict:
    """Check the merchant's headers against our credentials: client id, ±window timestamp, signature."""
    if not (client_id and timestamp and signature):
        return Verdict(False, "missing X-Client-Id, X-Timestamp or X-Signature")
    if not hmac.compare_digest(client_id.encode(), expected_client_id.encode()):
        return Verdict(False, "unknown client id")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 15:
        return Verdict(False, "malformed timestamp")
    canonical = signing_input(timestamp, client_id, message).decode("ascii")
    current = now_ms() if at_ms is None else at_ms
    if abs(current - int(timestamp)) > window_seconds * 1000:
        return Verdict(False, "timestamp outside the allowed window", canonical)
    given = signature.strip().lower().encode()
    if any(hmac.compare_digest(sign(client_id, secret, timestamp, message).encode(), given)
           for secret in secrets if secret):
        return Verdict(True, "signature ok", canonical)
    return Verdict(False, "invalid signature", canonical)


def result_link_signature(client_secret: str, client_id: str, partner_code: str, transaction_id: str,
                          timestamp: str | int) -> str:
    """sig of the Result URL: hex HMAC-SHA256(secret, base64url_nopad(timestamp.client_id.partner_code.txid))."""
    message = f"{timestamp}.{client_id}.{partner_code}.{transaction_id}".encode()
    return hmac.new(client_secret.encode("utf-8"), b64url_nopad(message), hashlib.sha256).hexdigest()


def signed_result_url(return_url: str, *, client_id: str, client_secret: str, partner_code: str,
                      transaction_id: str, timestamp_ms: int | None = None) -> str:
    """The merchant's return_url with &transaction_id=…&timestamp=…&sig=… appended."""
    timestamp = str(now_ms() if timestamp_ms is None else timestamp_ms)
    sig = result_link_signature(client_secret, client_id, partner_code, transaction_id, timestamp)
    joiner = "&" if urlsplit(return_url).query else "?"
    return return_url + joiner + urlencode({"transaction_id": transaction_id, "timestamp": timestamp, "sig": sig})
