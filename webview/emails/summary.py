"""The order snapshot an email is rendered from, and its JSON form inside the job payload."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from webview.products import PRODUCT_CODES, PRODUCTS

EMAIL_KINDS = ("held", "issued", "hold_failed", "payment_failed", "issue_failed", "refunded")


class EmailError(ValueError):
    """An email request that cannot be honoured; the message says which field is wrong."""


@dataclass(frozen=True)
class OrderSummary:
    """What the customer needs to know about the order, captured when the email is queued."""

    reference: str
    product: str  # a product code (webview.products)
    title: str
    lines: list[tuple[str, int]] = field(default_factory=list)  # (label, VND)
    total: int = 0
    hold_expires_at: datetime | None = None
    pnr: str | None = None
    tickets: list[str] = field(default_factory=list)
    refund_amount: int | None = None
    refund_full: bool | None = None
    travellers: list[str] = field(default_factory=list)
    link: str | None = None

    def validate(self) -> None:
        """Refuse a snapshot that would render wrong (unknown product, non-integer money, naive times)."""
        if not self.reference or "|" in self.reference or len(self.reference) > 40:
            raise EmailError("order.reference is 1 to 40 characters without '|'")
        if self.product not in PRODUCTS:
            raise EmailError(f"order.product must be one of {', '.join(PRODUCT_CODES)}")
        amounts = [self.total, *(amount for _, amount in self.lines)]
        if self.refund_amount is not None:
            amounts.append(self.refund_amount)
        if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in amounts):
            raise EmailError("order amounts are non-negative integers (VND)")
        if self.hold_expires_at is not None and self.hold_expires_at.tzinfo is None:
            raise EmailError("order.hold_expires_at must be timezone-aware")
        if self.link is not None and not self.link.startswith(("https://", "http://")):
            raise EmailError("order.link must be an http(s) URL")

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes in ISO 8601)."""
        data = asdict(self)
        data["lines"] = [[label, amount] for label, amount in self.lines]
        data["hold_expires_at"] = self.hold_expires_at.isoformat() if self.hold_expires_at else None
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> OrderSummary:
        """The inverse of to_payload."""
        values = dict(data)
        values["lines"] = [(str(label), int(amount)) for label, amount in values.get("lines", [])]
        expires = values.get("hold_expires_at")
        values["hold_expires_at"] = datetime.fromisoformat(expires) if expires else None
        values["tickets"] = list(values.get("tickets", []))
        values["travellers"] = list(values.get("travellers", []))
        return cls(**values)
