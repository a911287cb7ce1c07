"""Certification case: the partner fetches the merchant's reconciliation file and checks it, with the sandbox's
own protocol code (hmac_auth; SHA256withRSA from cryptography), never webview's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from sandbox.cases.client import TIMEOUT
from sandbox.cases.context import Context
from sandbox.protocol import envelope, hmac_auth
from sandbox.reconciliation.services import COLUMNS

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _get(ctx: Context, target: str) -> requests.Response:
    partner = ctx.partner
    if partner.profile == "envelope":
        headers = {"apikey": partner.api_key, "x-ibe-req-name": partner.access_code}
    else:
        headers = hmac_auth.signed_headers(partner.client_id, partner.client_secret, target.encode())
    return requests.get(ctx.base_url + target, headers=headers, timeout=TIMEOUT)


def _signature_ok(ctx: Context, data: bytes, signature: str) -> bool:
    partner = ctx.partner
    if partner.profile == "envelope":
        try:
            envelope.load_public_key(partner.merchant_public_key_pem).verify(
                base64.b64decode(signature), data, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True
    expected = hmac.new(partner.client_secret.encode(), data, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def case_reconciliation_file(ctx: Context) -> None:
    """A closed day's file: CSV named by Content-Disposition, X-Content-SHA256 and the .sig check out, standard
    header; a day not closed yet is code 3 (HTTP 404); a malformed date is code 1 (HTTP 400)."""
    today = datetime.now(ZONE).date()
    closed = today - timedelta(days=2)  # closed whatever the agreed time of day
    response = _get(ctx, f"/api/v1/reconciliation?date={closed:%Y%m%d}")
    ctx.record("reconciliation file of a closed day", response)
    ctx.expect(response.status_code == 200, f"the file of {closed:%Y%m%d} was not served")
    name = re.search(r'filename="([^"]+)"', response.headers.get("Content-Disposition", ""))
    ctx.expect(name is not None and name.group(1) == f"webview_{ctx.partner.partner_code}_{closed:%Y%m%d}_1.csv",
               "Content-Disposition does not name webview_<partner_code>_<YYYYMMDD>_1.csv")
    ctx.expect(response.headers.get("X-Content-SHA256") == hashlib.sha256(response.content).hexdigest(),
               "X-Content-SHA256 is not the SHA-256 of the file")
    ctx.expect(_signature_ok(ctx, response.content, response.headers.get("X-Content-Signature", "")),
               "the file's signature does not verify")
    ctx.expect(response.content.split(b"\r\n", 1)[0].decode() == ",".join(COLUMNS),
               "the header row is not the standard template's")
    not_closed = _get(ctx, f"/api/v1/reconciliation?date={today:%Y%m%d}")
    ctx.record("reconciliation file of today", not_closed)
    ctx.expect(not_closed.status_code == 404 and not_closed.json().get("code") == 3,
               "a day not closed yet is not code 3 / HTTP 404")
    malformed = _get(ctx, "/api/v1/reconciliation?date=2026-11-22")
    ctx.expect(malformed.status_code == 400 and malformed.json().get("code") == 1,
               "a malformed date is not code 1 / HTTP 400")
