"""The booking: one order of one offer by one customer, with its three statuses and the inventory it holds."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webview.booking.lifecycle import BOOKING_STATUSES, ISSUE_STATUSES, PAYMENT_STATUSES
from webview.booking.states import PAID, BookingStatus, IssueStatus, PaymentStatus
from webview.db import Base, utcnow
from webview.products import PRODUCT_CODES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


class Booking(Base):
    """An order: what was offered (snapshot), who travels, the three statuses and the reserved inventory.

    `version` is SQLAlchemy's version counter: an UPDATE from a stale copy of the row fails instead of
    silently overwriting a concurrent transition.
    """

    __tablename__ = "booking"
    __table_args__ = (
        UniqueConstraint("partner_id", "partner_transaction_id"),
        UniqueConstraint("customer_id", "idempotency_key"),
        CheckConstraint(_in("booking_status", BOOKING_STATUSES), name="booking_status_known"),
        CheckConstraint(_in("payment_status", PAYMENT_STATUSES), name="payment_status_known"),
        CheckConstraint(_in("issue_status", ISSUE_STATUSES), name="issue_status_known"),
        CheckConstraint(_in("product", PRODUCT_CODES), name="product_known"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= amount", name="refund_within_amount"),
        CheckConstraint("held_seats >= 0 AND held_rooms >= 0", name="held_not_negative"),
        Index("ix_booking_customer_created", "partner_id", "customer_id", "created_at"),
        Index("ix_booking_hold_due", "booking_status", "payment_status", "hold_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # yymmdd-XXXXXXXX (GMT+7 date)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="RESTRICT"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="RESTRICT"), index=True)
    launch_session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64))  # the screen's draft key: one hold per submit

    product: Mapped[str] = mapped_column(String(10))  # flight | hotel | vip
    offer_id: Mapped[str] = mapped_column(String(80))
    offer_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # title, lines, conditions…
    travellers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5), default="vi")

    amount: Mapped[int] = mapped_column(Integer)  # VND
    currency: Mapped[str] = mapped_column(String(3), default="VND")

    booking_status: Mapped[str] = mapped_column(String(12), default=BookingStatus.PENDING)
    payment_status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.PENDING)
    issue_status: Mapped[str] = mapped_column(String(12), default=IssueStatus.PENDING)
    hold_expires_at: Mapped[datetime | None]
    partner_transaction_id: Mapped[str | None] = mapped_column(String(100))
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)
    pnr: Mapped[str | None] = mapped_column(String(20))
    tickets: Mapped[list[str]] = mapped_column(JSON, default=list)
    failure_reason: Mapped[str | None] = mapped_column(String(200))

    # What the hold took from inventory, so giving it back is exact; inventory_held says it is still taken.
    inventory_held: Mapped[bool] = mapped_column(Boolean, default=False)
    held_fare_id: Mapped[int | None] = mapped_column(ForeignKey("fare.id", ondelete="SET NULL"))
    held_seats: Mapped[int] = mapped_column(Integer, default=0)
    held_room_type_id: Mapped[int | None] = mapped_column(ForeignKey("room_type.id", ondelete="SET NULL"))
    held_check_in: Mapped[date | None] = mapped_column(Date)
    held_check_out: Mapped[date | None] = mapped_column(Date)
    held_rooms: Mapped[int] = mapped_column(Integer, default=0)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy's declarative hook)

    @property
    def statuses(self) -> tuple[str, str, str]:
        """(booking_status, payment_status, issue_status)."""
        return self.booking_status, self.payment_status, self.issue_status

    @property
    def is_held(self) -> bool:
        """Held and awaiting payment."""
        return self.statuses == (BookingStatus.BOOKED, PaymentStatus.PENDING, IssueStatus.PENDING)

    @property
    def is_paid(self) -> bool:
        """The customer has paid (refunds since included): the one definition of "paid"."""
        return self.payment_status in PAID

    @property
    def awaits_payment(self) -> bool:
        """Held with the payment not yet decided (whatever the issue status)."""
        return self.booking_status == BookingStatus.BOOKED and self.payment_status == PaymentStatus.PENDING

    def __repr__(self) -> str:
        return f"<Booking {self.reference} {self.product} {'/'.join(self.statuses)}>"
