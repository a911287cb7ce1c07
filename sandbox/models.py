"""The sandbox partner's own tables: its credentials, the payments it holds and the refunds it made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webview.db import Base, utcnow

TRANSACTION_STATUSES = ("PENDING", "SUCCESS", "FAILURE", "CANCELLED", "EXPIRED")
REFUND_STATUSES = ("SUCCESS", "REFUSED")


class SandboxPartnerCredential(Base):
    """What a demo partner knows about itself and the merchant; secrets sealed with MASTER_KEY ("sandbox")."""

    __tablename__ = "sandbox_partner_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_code: Mapped[str] = mapped_column(String(40), unique=True)
    profile: Mapped[str] = mapped_column(String(20))  # hmac | envelope
    suite: Mapped[str] = mapped_column(String(20), default="modern")
    handoff: Mapped[str] = mapped_column(String(20), default="redirect")
    client_id: Mapped[str] = mapped_column(String(64))
    client_secret_sealed: Mapped[str] = mapped_column(Text)
    api_key_sealed: Mapped[str] = mapped_column(Text)
    access_code: Mapped[str] = mapped_column(String(64))
    partner_private_key_sealed: Mapped[str | None] = mapped_column(Text)
    merchant_public_key_pem: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<SandboxPartnerCredential {self.partner_code} {self.profile}/{self.handoff}>"


class SandboxPartnerStyle(Base):
    """The integration style a sandbox partner speaks (its own copy of the document it gave the merchant) and
    the named secrets the merchant issued with it (e.g. key2), sealed with MASTER_KEY ("sandbox")."""

    __tablename__ = "sandbox_partner_style"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    document: Mapped[dict] = mapped_column(JSON)
    secrets_sealed: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SandboxTransaction(Base):
    """A payment the sandbox wallet holds for the merchant (one per reference_transaction_id and partner)."""

    __tablename__ = "sandbox_transaction"
    __table_args__ = (UniqueConstraint("partner_code", "reference_transaction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(40), unique=True)
    partner_code: Mapped[str] = mapped_column(String(40), index=True)
    reference_transaction_id: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="PENDING")
    description: Mapped[str] = mapped_column(String(500), default="")
    customer_identify_code: Mapped[str] = mapped_column(String(100), default="")
    ipn_url: Mapped[str] = mapped_column(String(1000))
    return_url: Mapped[str] = mapped_column(String(1000))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    refunds: Mapped[list[SandboxRefund]] = relationship(
        back_populates="transaction", order_by="SandboxRefund.id", lazy="selectin")

    @property
    def refunded_amount(self) -> int:
        """Money already given back."""
        return sum(refund.amount for refund in self.refunds if refund.status == "SUCCESS")


class SandboxRefund(Base):
    """One refund request from the merchant (or the operator), idempotent on request_id."""

    __tablename__ = "sandbox_refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(String(100), unique=True)
    transaction_pk: Mapped[int] = mapped_column(ForeignKey("sandbox_transaction.id", ondelete="CASCADE"),
                                                index=True)
    reference_transaction_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20))  # SUCCESS | REFUSED
    result_code: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    transaction: Mapped[SandboxTransaction] = relationship(back_populates="refunds")
