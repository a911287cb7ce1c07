"""Authentication of partner calls: hmac headers, envelope headers, the replay store."""

from __future__ import annotations

import time
from urllib.parse import quote

from flask import current_app, g, request
from werkzeug.exceptions import TooManyRequests

from webview.api.errors import ApiError
from webview.api.replay import remember_signature
from webview.config import guard_switched_off
from webview.core import ratelimits
from webview.db import utcnow
from webview.partners.models import Partner
from webview.partners.services import find_partner_by_client_id, partner_secrets
from webview.profiles import HMAC, profile_of
from webview.signing.hmac import verify_request


def now_ms() -> int:
    """Server time in unix milliseconds."""
    return int(time.time() * 1000)


def raw_request_target() -> str:
    """The request target exactly as sent: path and query, no '?' when the query is empty."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        return raw
    path = request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", "")
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    query = request.environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def note_exchange(**fields) -> None:
    """Add facts (partner, canonical string, verdict, reference) to this request's message-log entry."""
    g.setdefault("api_exchange", {}).update(fields)


def authenticate_hmac() -> Partner:
    """Check X-Client-Id / X-Timestamp / X-Signature and the replay store; code 7 on any failure."""
    client_id = request.headers.get("X-Client-Id", "").strip()
    timestamp = request.headers.get("X-Timestamp", "").strip()
    signature = request.headers.get("X-Signature", "").strip()
    if not (client_id and timestamp and signature):
        note_exchange(verdict="missing authentication headers")
        raise ApiError(7, "missing X-Client-Id, X-Timestamp or X-Signature")
    partner = find_partner_by_client_id(client_id)
    if partner is None or profile_of(partner).authentication != HMAC.authentication:  # hmac and styled partners
        note_exchange(verdict="unknown client")
        raise ApiError(7, "unknown client")
    note_exchange(partner_id=partner.id, partner_code=partner.code)
    if partner.status != "active":
        note_exchange(verdict=f"partner {partner.status}")
        raise ApiError(7, "partner is not active")
    body = request.get_data(cache=True)
    check = verify_request(
        partner_secrets(partner, utcnow()),
        client_id=client_id,
        timestamp=timestamp,
        signature=signature,
        body=body or None,
        target=raw_request_target(),
        now_ms=now_ms(),
    )
    note_exchange(canonical=check.canonical)
    # guard-off test switch (TESTING outside production only): the sandbox must then see its bad-signature case fail
    if not check.ok and not guard_switched_off("TESTING_DISABLE_SIGNATURE_CHECK"):
        note_exchange(verdict=f"refused: {check.reason}")
        reasons = {"stale": "timestamp outside the allowed window", "malformed_timestamp": "malformed timestamp"}
        raise ApiError(7, reasons.get(check.reason or "", "invalid signature"))
    if not remember_signature(client_id, int(timestamp), check.digest):
        note_exchange(verdict="refused: replay")
        raise ApiError(7, "request already received (replay)")
    count_partner_call(partner)
    note_exchange(verdict="signature ok")
    return partner


def client_address_key() -> str:
    """The key of the limit counted before authentication: the client's address (never a credential)."""
    return f"addr:{request.remote_addr or 'unknown'}"


def address_rate_limit() -> str:
    """Calls per client address, counted before any credential is checked (API_ADDRESS_RATE_LIMIT)."""
    return current_app.config["API_ADDRESS_RATE_LIMIT"]


def count_partner_call(partner: Partner) -> None:
    """Count one authenticated call against its partner's limit (API_RATE_LIMIT); 429 beyond it.

    Called only once the signature verified and the message is not a replay, so nobody but the partner can use
    up its limit. The key is the partner code, never a credential.
    """
    if not ratelimits.hit("API_RATE_LIMIT", "api-partner", partner.code):
        note_exchange(verdict="refused: partner rate limit")
        raise TooManyRequests()
