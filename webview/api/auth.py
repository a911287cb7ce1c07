"""Authentication of partner calls: hmac headers, envelope headers, the replay store."""

from __future__ import annotations

import time
from urllib.parse import quote

from flask import g, request

from webview.api.errors import ApiError
from webview.api.replay import remember_signature
from webview.config import guard_switched_off
from webview.db import utcnow
from webview.partners.models import Partner
from webview.partners.services import find_partner_by_client_id, partner_secrets
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
    if partner is None or partner.profile != "hmac":
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
    note_exchange(verdict="signature ok")
    return partner


def rate_limit_key() -> str:
    """Rate limits count per partner credential when one is presented, else per address."""
    client = request.headers.get("X-Client-Id") or request.headers.get("x-ibe-req-name")
    return f"client:{client[:64]}" if client else f"addr:{request.remote_addr}"
