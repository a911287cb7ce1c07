"""The partner's file: checked (signature, encoding, header, delimiter, cells, amounts, day, duplicates), then
matched against our records of the day by (record_type, reference_transaction_id, refund_request_id).

A file that fails a check is rejected whole with one clear finding: nothing is settled from it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from webview.partners.models import Partner
from webview.reconciliation.files import LOCAL_ZONE, Record
from webview.reconciliation.profiles import partner_file_verifier
from webview.reconciliation.templates import DELIMITERS, Template

RECORD_TYPES = ("PAYMENT", "REFUND", "ADJUSTMENT")
Key = tuple[str, str, str]  # record_type, reference_transaction_id, refund_request_id


class FileRejected(ValueError):
    """The partner's file failed a check; the message is the finding, and `duplicates` any repeated keys."""

    def __init__(self, finding: str, duplicates: Iterable[Key] = ()) -> None:
        super().__init__(finding)
        self.finding = finding
        self.duplicates = tuple(duplicates)


@dataclass(frozen=True)
class InboundFile:
    """The partner's file as received, with its sidecars (None when it came without one)."""

    name: str
    data: bytes
    signature: str | None
    sha256: str | None = None


@dataclass(frozen=True)
class TheirRecord:
    """One row of the partner's file, in the standard fields (absent optional columns are empty)."""

    record_type: str
    reference: str
    refund_request_id: str
    amount: int
    status: str
    partner_transaction_id: str
    line: int

    @property
    def key(self) -> Key:
        return self.record_type, self.reference, self.refund_request_id


@dataclass
class Match:
    """The outcome of matching: every non-matched key with both sides, and counts and totals per outcome."""

    mismatches: list[tuple[str, Key, Record | None, TheirRecord | None]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    ours_total: int = 0
    theirs_total: int = 0

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


def record_key(record: Record) -> Key:
    return record.record_type, record.reference_transaction_id, record.refund_request_id


def check_file(partner: Partner, template: Template, day: date, inbound: InboundFile) -> list[TheirRecord]:
    """The partner's records from its file, or FileRejected with the first problem found."""
    if inbound.sha256 is not None and inbound.sha256.strip().lower() != hashlib.sha256(inbound.data).hexdigest():
        raise FileRejected("the .sha256 sidecar does not match the file")
    if not inbound.signature:
        raise FileRejected("the file came without its .sig signature")
    verifier = partner_file_verifier(partner)
    verifier.update(inbound.data)
    if not verifier.verify(inbound.signature):
        raise FileRejected("the .sig signature does not verify with the partner's key")
    try:
        text = inbound.data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRejected(f"the file is not UTF-8 (byte {error.start} is invalid)") from error
    text = text.removeprefix("\ufeff")
    if not text:
        raise FileRejected("the file is empty (a header row is required)")
    if not text.endswith("\n"):
        raise FileRejected("the last line is truncated (the file does not end with a line break)")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=template.delimiter, strict=True)
    try:
        header = next(rows)
        _check_header(template, header, text.split("\n", 1)[0].rstrip("\r"))
        return _records(template, day, rows)
    except csv.Error as error:
        raise FileRejected(f"not RFC 4180 CSV ({error})") from error


def _check_header(template: Template, header: list[str], first_line: str) -> None:
    if header == list(template.headers):
        return
    for other in DELIMITERS:
        if other != template.delimiter and first_line.split(other) == list(template.headers):
            shown = "tab" if other == "\t" else repr(other)
            expected = "tab" if template.delimiter == "\t" else repr(template.delimiter)
            raise FileRejected(f"wrong delimiter: the agreed template uses {expected}, the file uses {shown}")
    raise FileRejected(f"wrong header: expected {template.delimiter.join(template.headers)!r}, "
                       f"got {first_line[:200]!r}")


def _records(template: Template, day: date, rows) -> list[TheirRecord]:
    found: list[TheirRecord] = []
    seen: dict[Key, int] = {}
    duplicates: list[Key] = []
    width = len(template.columns)
    for line, cells in enumerate(rows, 2):
        if len(cells) != width:
            raise FileRejected(f"line {line} has {len(cells)} cells, the template has {width}")
        values = dict(zip(template.fields, (cell.strip() for cell in cells), strict=True))
        if values["record_type"] not in RECORD_TYPES:
            raise FileRejected(f"line {line}: record_type {values['record_type']!r} is not one of "
                               f"{', '.join(RECORD_TYPES)}")
        try:
            amount = template.parse_amount(values["amount"])
        except ValueError as error:
            raise FileRejected(f"line {line}: {error}") from error
        if "occurred_at" in values:
            try:
                moment = template.parse_time(values["occurred_at"], LOCAL_ZONE)
            except ValueError as error:
                raise FileRejected(f"line {line}: occurred_at {values['occurred_at']!r} is not in the agreed "
                                   "date format") from error
            if moment.astimezone(LOCAL_ZONE).date() != day:
                raise FileRejected(f"line {line}: occurred_at {values['occurred_at']} is not on {day:%Y%m%d} "
                                   "(GMT+7): the file is not this day's")
        record = TheirRecord(values["record_type"], values["reference_transaction_id"],
                             values["refund_request_id"], amount, values["status"],
                             values.get("partner_transaction_id", ""), line)
        if record.key in seen:
            duplicates.append(record.key)
        seen[record.key] = line
        found.append(record)
    if duplicates:
        shown = "; ".join("/".join(part for part in key if part) for key in duplicates[:5])
        raise FileRejected(f"duplicate rows: {len(duplicates)} key(s) appear more than once ({shown})", duplicates)
    return found


def match(ours: Iterable[Record], theirs: list[TheirRecord]) -> Match:
    """Match by key: matched, amount_mismatch, status_mismatch, missing_at_partner, missing_at_merchant."""
    result = Match()
    their_by_key = {record.key: record for record in theirs}
    result.theirs_total = sum(record.amount for record in theirs)
    for record in ours:
        key = record_key(record)
        result.ours_total += record.amount
        their = their_by_key.pop(key, None)
        if their is None:
            outcome = "missing_at_partner"
        elif their.amount != record.amount:
            outcome = "amount_mismatch"
        elif their.status != record.status:
            outcome = "status_mismatch"
        else:
            result.add("matched")
            continue
        result.add(outcome)
        result.mismatches.append((outcome, key, record, their))
    for key, their in their_by_key.items():
        result.add("missing_at_merchant")
        result.mismatches.append(("missing_at_merchant", key, None, their))
    return result
