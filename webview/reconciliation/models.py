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
    sftp_delivered_at: Mapped[datetime | None]  # when OUTBOUND/ got it (with its sidecars)

    def __repr__(self) -> str:
        return f"<ReconciliationFile {self.name} {self.rows} rows>"


class ReconciliationChunk(Base):
    """A slice (at most CHUNK_BYTES) of a file's bytes, in order."""

    __tablename__ = "reconciliation_chunk"

    file_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_file.id", ondelete="CASCADE"),
                                         primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


RUN_STATUSES = ("running", "completed", "rejected")
OUTCOMES = ("matched", "missing_at_partner", "missing_at_merchant", "amount_mismatch", "status_mismatch",
            "duplicate")
ITEM_STATES = ("settled", "open", "resolved")


class ReconciliationRun(Base):
    """One matching of the partner's file for (partner, day, part) against ours; at most one per part.

    `rejected` runs (a file that failed its checks: `finding` says why) may be run again with a new file;
    a `completed` run is final, so re-running a day settles nothing twice. The report is kept for download.
    """

    __tablename__ = "reconciliation_run"
    __table_args__ = (
        UniqueConstraint("partner_id", "day", "part"),
        CheckConstraint("status IN ('running', 'completed', 'rejected')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    part: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(10))  # api | sftp | file
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=1)  # a rejected run runs again with a new file
    finding: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # outcome -> number of records
    amounts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # ours / theirs totals in VND
    report_html: Mapped[str] = mapped_column(Text, default="")
    report_csv: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReconciliationInbound(Base):
    """The partner's file as received (kept, never deleted): `accepted` or `rejected` with the run's finding."""

    __tablename__ = "reconciliation_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # accepted | rejected
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReconciliationItem(Base):
    """A record that did not match: how it was settled automatically, or the open case it became.

    Unique per run and key, so a repeated run records (and settles) it once.
    """

    __tablename__ = "reconciliation_item"
    __table_args__ = (
        UniqueConstraint("run_id", "record_type", "reference", "refund_request_id", "outcome"),
        CheckConstraint("state IN ('settled', 'open', 'resolved')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    record_type: Mapped[str] = mapped_column(String(12))
    reference: Mapped[str] = mapped_column(String(40))
    refund_request_id: Mapped[str] = mapped_column(String(64), default="")
    our_amount: Mapped[int | None] = mapped_column(Integer)
    their_amount: Mapped[int | None] = mapped_column(Integer)
    our_status: Mapped[str] = mapped_column(String(20), default="")
    their_status: Mapped[str] = mapped_column(String(20), default="")
    state: Mapped[str] = mapped_column(String(10), default="open", index=True)
    settlement: Mapped[str] = mapped_column(String(300), default="")  # what was done, "by reconciliation"
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolution: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
