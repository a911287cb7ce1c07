"""Reconciliation tables: per-partner settings, and the merchant's daily files (stored in chunks, immutable)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webview.db import Base, utcnow

TRANSPORTS = ("api", "sftp", "both", "off")
FILE_KINDS = ("standard", "adjustment")


class ReconciliationSettings(Base):
    """What a partner agreed for reconciliation: transport, closing time (GMT+7), template and SFTP account.

    The SFTP private key is sealed with the master key (purpose `recon-sftp-key`), like every secret at rest.
    """

    __tablename__ = "reconciliation_settings"
    __table_args__ = (
        CheckConstraint("transport IN ('api', 'sftp', 'both', 'off')", name="transport_known"),
        CheckConstraint("sftp_port > 0 AND sftp_port < 65536", name="sftp_port_valid"),
    )

    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True)
    transport: Mapped[str] = mapped_column(String(10), default="off")
    close_time: Mapped[str] = mapped_column(String(5), default="02:00")  # HH:MM GMT+7 on day D+1
    template: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # a validated template (templates.py)
    sftp_host: Mapped[str | None] = mapped_column(String(253))
    sftp_port: Mapped[int] = mapped_column(Integer, default=22)
    sftp_user: Mapped[str | None] = mapped_column(String(100))
    sftp_key_sealed: Mapped[str | None] = mapped_column(Text)
    sftp_known_hosts: Mapped[str | None] = mapped_column(Text)
    reconciliation_url: Mapped[str | None] = mapped_column(String(500))
    finance_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReconciliationFile(Base):
    """One part of the merchant's file for a partner and GMT+7 day; unique per (partner, day, part), so however
    many workers generate it, one part exists. Its bytes live in `reconciliation_chunk` rows."""

    __tablename__ = "reconciliation_file"
    __table_args__ = (
        UniqueConstraint("partner_id", "day", "part"),
        CheckConstraint("part >= 1", name="part_positive"),
        CheckConstraint("kind IN ('standard', 'adjustment')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    part: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12), default="standard")
    name: Mapped[str] = mapped_column(String(120))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)  # the .sig sidecar's text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ReconciliationFile {self.name} {self.rows} rows>"


class ReconciliationChunk(Base):
    """A slice (at most CHUNK_BYTES) of a file's bytes, in order."""

    __tablename__ = "reconciliation_chunk"

    file_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_file.id", ondelete="CASCADE"),
                                         primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
