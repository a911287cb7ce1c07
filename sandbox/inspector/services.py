"""Read the partner message log for the sandbox: every exchange both ways, ours (webview's) and the sandbox
partner's, with what was signed, the verdict and the latency. webview.messagelog is read-only from here."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from webview.extensions import db
from webview.messagelog.models import PartnerMessage

MAX_ROWS = 500
# who sent the request, for each direction the log knows
SENDERS = {
    "inbound": ("partner", "merchant"),
    "outbound": ("merchant", "partner"),
    "sandbox-inbound": ("merchant", "sandbox partner"),
    "sandbox-outbound": ("sandbox partner", "merchant"),
}


def list_exchanges(*, reference: str | None = None, partner_code: str | None = None, kind: str | None = None,
                   after_id: int | None = None, limit: int = MAX_ROWS) -> list[PartnerMessage]:
    """Exchanges in the order they happened, filtered by order, partner, kind; at most `limit` (newest kept)."""
    query = select(PartnerMessage)
    if reference:
        # the launch and the place-order carry the order in the URL or body only when known: match both ways
        query = query.where(or_(PartnerMessage.reference == reference,
                                PartnerMessage.request_body.contains(reference, autoescape=True)))
    if partner_code:
        query = query.where(PartnerMessage.partner_code == partner_code)
    if kind:
        query = query.where(PartnerMessage.kind == kind)
    if after_id:
        query = query.where(PartnerMessage.id > after_id)
    rows = db.session.scalars(query.order_by(PartnerMessage.id.desc()).limit(max(1, min(limit, MAX_ROWS)))).all()
    return list(reversed(rows))


def get_exchange(message_id: int) -> PartnerMessage | None:
    """One exchange by id."""
    return db.session.get(PartnerMessage, message_id)


def exchange_view(message: PartnerMessage) -> dict[str, Any]:
    """One exchange as JSON (already redacted when it was logged)."""
    sender, receiver = SENDERS.get(message.direction, ("?", "?"))
    return {
        "id": message.id,
        "at": message.created_at.isoformat(),
        "direction": message.direction,
        "from": sender,
        "to": receiver,
        "partner_code": message.partner_code,
        "kind": message.kind,
        "method": message.method,
        "url": message.url,
        "status_code": message.status_code,
        "result_code": message.result_code,
        "latency_ms": message.latency_ms,
        "reference_transaction_id": message.reference,
        "canonical": message.canonical,  # what was signed, decoded, personal data masked
        "canonical_sha256": message.canonical_sha256,  # sha256 of the exact signed input
        "verdict": message.verdict,
        "request_headers": message.request_headers,
        "request_body": message.request_body,
        "response_body": message.response_body,
    }


@dataclass(frozen=True)
class SignedString:
    """The signed input as the inspector shows it next to its decoded form."""

    base64url: str | None  # base64url_nopad(P), exactly what the hmac signature covers; None when not rebuildable
    note: str  # why there is no base64url form (masked, or not an hmac input), else ""


def signed_string(message: PartnerMessage) -> SignedString:
    """The log keeps P decoded and masked plus sha256(P). When the decoded text still hashes to the logged digest
    nothing was masked, so base64url_nopad(P) is exactly the string that was signed and can be shown."""
    decoded = message.canonical or ""
    if not decoded or not message.canonical_sha256:
        return SignedString(None, "")
    raw = decoded.encode("utf-8")
    if hashlib.sha256(raw).hexdigest() != message.canonical_sha256:
        return SignedString(None, "The signed input was masked (personal data, secrets) or its JSON re-spaced when "
                                  "it was logged, so its base64url form cannot be rebuilt here: compare the SHA-256 "
                                  "below with sha256 of the string you signed (before base64url).")
    if message.partner_code and "." in decoded and decoded.split(".", 1)[0].isdigit():
        return SignedString(base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"), "")
    return SignedString(None, "This input is signed as it is (no base64url step).")


def partner_codes() -> list[str]:
    """Partners that appear in the log (for the inspector's filter)."""
    return sorted(code for code in db.session.scalars(select(PartnerMessage.partner_code).distinct()) if code)
