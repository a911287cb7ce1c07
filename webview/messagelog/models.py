"""The partner message log: every exchange both ways, redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webview.db import Base, utcnow


class PartnerMessage(Base):
    """One request/response exchange with a partner (secrets redacted, personal data masked)."""

    __tablename__ = "partner_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"), index=True)
    partner_code: Mapped[str | None] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(20))  # inbound | outbound | sandbox-inbound | sandbox-outbound
    kind: Mapped[str] = mapped_column(String(40), default="")  # e.g. webview-url, ipn, create-transaction
    method: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(String(1000))
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    request_headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_body: Mapped[str] = mapped_column(Text, default="")
    response_body: Mapped[str] = mapped_column(Text, default="")
    # What was signed, decoded, with secrets redacted and personal data masked (never the raw signed string,
    # whose base64 would carry the body unmasked), and the sha256 hex of the exact signed input.
    canonical: Mapped[str] = mapped_column(Text, default="")
    canonical_sha256: Mapped[str] = mapped_column(String(64), default="")
    verdict: Mapped[str] = mapped_column(String(200), default="")
    result_code: Mapped[str | None] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(40), index=True)  # reference_transaction_id
    request_id: Mapped[str | None] = mapped_column(String(128), index=True)  # X-Request-Id (webview.core.requestid)
