"""Payments tables: refunds, payment events, the checkout handoff cache, status checks, used result links,
and the demo supplier's own record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webview.db import Base, utcnow


class RefundStatus(StrEnum):
    """A refund: PENDING until the partner answers (or an operator records it), then SUCCESS or FAILED (refused)."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


REFUND_KINDS = ("operator", "automatic", "cancellation")


class Refund(Base):
    """Money given back for one booking; `request_id` is the idempotency key sent on every try."""

    __tablename__ = "refund"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('PENDING', 'SUCCESS', 'FAILED')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(20), default="operator")  # operator | automatic | cancellation
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # envelope: settled with the partner by hand
    status: Mapped[str] = mapped_column(String(10), default=RefundStatus.PENDING)
    result_code: Mapped[str | None] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(String(300), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Refund {self.request_id} {self.amount} {self.status}{' manual' if self.manual else ''}>"


class PaymentEvent(Base):
    """A payment status received (IPN, commit, query) that changed something or was refused; not the repeats."""

    __tablename__ = "payment_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # ipn | commit | query
    status: Mapped[str] = mapped_column(String(10))  # SUCCESS | FAILURE
    partner_transaction_id: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(40))  # paid | failed | re-held | refused-must-refund
    # The partner's own words with the status (IPN `message`, query `data.message`), cleaned of control
    # characters: after a FAILURE, the reason the customer is shown.
    message: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckoutHandoff(Base):
    """The partner transaction created for a booking and its links, so a reload or double tap reuses them."""

    __tablename__ = "checkout_handoff"

    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True)
    partner_transaction_id: Mapped[str] = mapped_column(String(100))
    payment_url: Mapped[str | None] = mapped_column(String(2000))
    deeplink: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentCheck(Base):
    """When the partner's query API was last asked about a pending booking, and when to ask next."""

    __tablename__ = "payment_check"

    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_checked_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_result: Mapped[str] = mapped_column(String(100), default="")


class UsedResultLink(Base):
    """A result link (or merchant return link) already opened: each grants one read-only view, once."""

    __tablename__ = "used_result_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupplierIssue(Base):
    """The demo supplier's own record of what it issued (one per order reference)."""

    __tablename__ = "supplier_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    product: Mapped[str] = mapped_column(String(10))
    pnr: Mapped[str] = mapped_column(String(20))
    tickets: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
