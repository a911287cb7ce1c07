"""Every message the mail transport accepted: the delivery record and the sandbox catcher's store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webview.db import Base, utcnow


class SentEmail(Base):
    """One accepted customer email; `job_key` is unique, so a retried job never records (or sends) it twice."""

    __tablename__ = "sent_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_key: Mapped[str] = mapped_column(String(255), unique=True)
    message_id: Mapped[str] = mapped_column(String(255))
    to: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(40), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"), index=True)
    transport: Mapped[str] = mapped_column(String(10))  # smtp | catcher
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
