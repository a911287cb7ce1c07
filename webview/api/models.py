"""The replay store shared by every endpoint and node."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from webview.db import Base


class SeenSignature(Base):
    """A verified request signature, kept until its timestamp leaves the window; a repeat is a replay."""

    __tablename__ = "seen_signature"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
