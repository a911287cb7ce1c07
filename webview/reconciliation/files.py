"""The merchant's reconciliation file for a partner and GMT+7 day: records streamed from the database, written
as RFC 4180 CSV in parts of at most RECON_MAX_ROWS_PER_PART rows, each stored once with its SHA-256 and signature.

A record belongs to the day its money moved: a payment SUCCESS applied that day (`PAYMENT`, from the payment
events that paid or re-held a booking) or a refund completed that day (`REFUND`). The two queries are read with
`yield_per` and merged by time, and each part is hashed, signed and stored in chunks as it is written, so memory
stays flat whatever the day's volume.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webview.booking.models import Booking
from webview.booking.states import PartnerStatus
from webview.db import utcnow
from webview.extensions import db
from webview.partners.models import Partner
from webview.payments.models import PaymentEvent, Refund, RefundStatus
from webview.reconciliation.models import ReconciliationChunk, ReconciliationFile
from webview.reconciliation.profiles import file_signer
from webview.reconciliation.settings import settings_of
from webview.reconciliation.templates import Template, stored_template

LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
PAID_OUTCOMES = ("paid", "re-held")  # a SUCCESS that moved money to us (not "refused-must-refund")
CHUNK_BYTES = 1024 * 1024
YIELD_PER = 2000


class ReconciliationError(ValueError):
    """A reconciliation request that cannot be honoured; `reason` is malformed, not_closed, missing or busy."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Record:
    """One line of the file, in the standard fields."""

    record_type: str  # PAYMENT | REFUND | ADJUSTMENT
    reference_transaction_id: str
    partner_transaction_id: str
    product: str
    amount: int
    currency: str
    status: str
    refund_request_id: str
    occurred_at: datetime  # aware

    def cells(self, template: Template) -> list[str]:
        """The record's cells in the template's columns and formats."""
        values = {
            "record_type": self.record_type, "reference_transaction_id": self.reference_transaction_id,
            "partner_transaction_id": self.partner_transaction_id, "product": self.product,
            "amount": template.format_amount(self.amount), "currency": self.currency, "status": self.status,
            "refund_request_id": self.refund_request_id,
            "occurred_at": template.format_time(self.occurred_at.astimezone(LOCAL_ZONE)),
        }
        return [values[field] for field in template.fields]


def parse_day(text: str) -> date:
    """A YYYYMMDD day; ReconciliationError(malformed) otherwise."""
    if not isinstance(text, str) or len(text) != 8 or not text.isascii() or not text.isdigit():
        raise ReconciliationError("malformed", "date must be YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as error:
        raise ReconciliationError("malformed", f"date must be YYYYMMDD ({error})") from error


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a GMT+7 calendar day, as aware datetimes."""
    start = datetime.combine(day, time(0), LOCAL_ZONE)
    return start, start + timedelta(days=1)


def closes_at(day: date, close_time: str) -> datetime:
    """The moment day D is closed: D+1 at the partner's HH:MM GMT+7."""
    hours, minutes = (int(part) for part in close_time.split(":"))
    return datetime.combine(day + timedelta(days=1), time(hours, minutes), LOCAL_ZONE)


def last_closed_day(close_time: str, now: datetime) -> date:
    """The latest GMT+7 day already closed at `now`."""
    local = now.astimezone(LOCAL_ZONE)
    day = local.date() - timedelta(days=1)
    return day if closes_at(day, close_time) <= now else day - timedelta(days=1)


def file_name(partner_code: str, day: date, part: int) -> str:
    """webview_<partner_code>_<YYYYMMDD>_<n>.csv"""
    return f"webview_{partner_code}_{day:%Y%m%d}_{part}.csv"


def day_records(partner: Partner, day: date) -> Iterator[Record]:
    """The partner's records of a day, oldest first, streamed from the database."""
    start, end = day_bounds(day)
    payments = (
        select(PaymentEvent.created_at, PaymentEvent.id, PaymentEvent.partner_transaction_id, Booking.reference,
               Booking.partner_transaction_id, Booking.product, Booking.amount, Booking.currency)
        .join(Booking, Booking.id == PaymentEvent.booking_id)
        .where(Booking.partner_id == partner.id, PaymentEvent.status == PartnerStatus.SUCCESS,
               PaymentEvent.outcome.in_(PAID_OUTCOMES), PaymentEvent.created_at >= start,
               PaymentEvent.created_at < end)
        .order_by(PaymentEvent.created_at, PaymentEvent.id)
        .execution_options(yield_per=YIELD_PER)
    )
    refunds = (
        select(Refund.completed_at, Refund.id, Refund.request_id, Refund.amount, Booking.reference,
               Booking.partner_transaction_id, Booking.product, Booking.currency)
        .join(Booking, Booking.id == Refund.booking_id)
        .where(Booking.partner_id == partner.id, Refund.status == RefundStatus.SUCCESS, Refund.completed_at >= start,
               Refund.completed_at < end)
        .order_by(Refund.completed_at, Refund.id)
        .execution_options(yield_per=YIELD_PER)
    )
    # Both cursors stream on the session's own connection (server-side cursors on PostgreSQL), so the parts
    # written meanwhile go through the same connection and never wait on a lock held by our own reader.
    connection = db.session.connection()
    success = str(PartnerStatus.SUCCESS)
    payment_rows = (
        (row[0], 0, row[1], Record("PAYMENT", row[3], row[2] or row[4] or "", row[5], row[6], row[7], success, "",
                                   row[0]))
        for row in connection.execute(payments))
    refund_rows = (
        (row[0], 1, row[1], Record("REFUND", row[4], row[5] or "", row[6], row[3], row[7], success, row[2], row[0]))
        for row in connection.execute(refunds))
    for *_, record in heapq.merge(payment_rows, refund_rows, key=lambda item: item[:3]):
        yield record


class _PartWriter:
    """Writes one part: CSV text encoded to UTF-8, hashed and signed as it goes, stored in chunks."""

    def __init__(self, partner: Partner, template: Template, day: date, part: int, kind: str) -> None:
        self.template = template
        self.row = ReconciliationFile(partner_id=partner.id, day=day, part=part, kind=kind,
                                      name=file_name(partner.code, day, part), sha256="", signature="")
        db.session.add(self.row)
        db.session.flush()  # the unique (partner, day, part) is claimed here: a second writer fails now
        self.digest = hashlib.sha256()
        self.signer = file_signer(partner)
        self.text = io.StringIO()
        self.csv = csv.writer(self.text, delimiter=template.delimiter, lineterminator="\r\n",
                              quoting=csv.QUOTE_MINIMAL)
        self.pending = bytearray()
        self.seq = 0
        self.csv.writerow(template.headers)

    def write(self, record: Record) -> None:
        self.csv.writerow(record.cells(self.template))
        self.row.rows += 1
        if self.text.tell() > 64 * 1024:
            self._drain()

    def _drain(self, final: bool = False) -> None:
        data = self.text.getvalue().encode("utf-8")
        self.text.seek(0)
        self.text.truncate()
        self.digest.update(data)
        self.signer.update(data)
        self.row.size += len(data)
        self.pending += data
        while len(self.pending) >= CHUNK_BYTES or (final and self.pending):
            piece, self.pending = bytes(self.pending[:CHUNK_BYTES]), self.pending[CHUNK_BYTES:]
            self.seq += 1
            chunk = ReconciliationChunk(file_id=self.row.id, seq=self.seq, data=piece)
            db.session.add(chunk)
            db.session.flush()
            db.session.expunge(chunk)  # written: the session keeps no file bytes

    def finish(self) -> ReconciliationFile:
        self._drain(final=True)
        self.row.sha256 = self.digest.hexdigest()
        self.row.signature = self.signer.finish()
        db.session.flush()
        return self.row


def generate_day(partner: Partner, day: date, *, now: datetime | None = None) -> list[ReconciliationFile]:
    """Write and store the partner's file for a closed day, once; returns its parts (existing ones on a repeat).

    Runs in one transaction that commits at the end: a concurrent generator of the same day fails on the
    unique (partner, day, part) and finds the winner's parts. ReconciliationError(not_closed) before the
    partner's closing time.
    """
    settings = settings_of(partner)
    if (now or utcnow()) < closes_at(day, settings.close_time):
        raise ReconciliationError("not_closed", f"day {day:%Y%m%d} is not closed yet")
    existing = stored_parts(partner, day)
    if existing:
        return existing
    template = stored_template(settings.template)
    limit = int(current_app.config["RECON_MAX_ROWS_PER_PART"])
    partner_id = partner.id
    try:
        writer = _PartWriter(partner, template, day, 1, "standard")
        parts = []
        for record in day_records(partner, day):
            if writer.row.rows >= limit:
                parts.append(writer.finish())
                writer = _PartWriter(partner, template, day, writer.row.part + 1, "standard")
            writer.write(record)
        parts.append(writer.finish())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        partner = db.session.get(Partner, partner_id)
        return stored_parts(partner, day)
    return parts


def stored_parts(partner: Partner, day: date) -> list[ReconciliationFile]:
    """The parts already stored for a partner and day, in order."""
    return list(db.session.scalars(select(ReconciliationFile).where(
        ReconciliationFile.partner_id == partner.id, ReconciliationFile.day == day).order_by(
        ReconciliationFile.part)))


def file_bytes(file_id: int) -> Iterator[bytes]:
    """A stored part's bytes, chunk by chunk (one chunk in memory at a time)."""
    seqs = db.session.scalars(select(ReconciliationChunk.seq).where(
        ReconciliationChunk.file_id == file_id).order_by(ReconciliationChunk.seq)).all()
    for seq in seqs:
        yield db.session.scalar(select(ReconciliationChunk.data).where(
            ReconciliationChunk.file_id == file_id, ReconciliationChunk.seq == seq))


def write_adjustment(partner: Partner, day: date, records: list[Record]) -> ReconciliationFile:
    """A correction of a delivered day: a new part `n+1` of kind adjustment whose rows are `ADJUSTMENT` records
    (the parts already delivered never change). ReconciliationError(missing) when the day has no file yet."""
    parts = stored_parts(partner, day)
    if not parts:
        raise ReconciliationError("missing", f"day {day:%Y%m%d} has no file yet: nothing to correct")
    if not records:
        raise ReconciliationError("malformed", "an adjustment needs at least one record")
    template = stored_template(settings_of(partner).template)
    writer = _PartWriter(partner, template, day, parts[-1].part + 1, "adjustment")
    for record in records:
        writer.write(record)
    stored = writer.finish()
    db.session.commit()
    return stored
