"""The merchant's file: the day's records, RFC 4180 CSV in parts, sidecars per profile, stored once."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.reconciliation.conftest import local, paid_booking, past_day, refunded
from webview.extensions import db
from webview.partners.keys import merchant_public_key_pem
from webview.reconciliation.files import ReconciliationError, file_bytes, generate_day
from webview.reconciliation.jobs import generate_due_files
from webview.reconciliation.models import ReconciliationFile
from webview.reconciliation.settings import SettingsChange, configure
from webview.reconciliation.templates import FIELDS, parse_template


def content(stored: ReconciliationFile) -> bytes:
    return b"".join(file_bytes(stored.id))


def rows_of(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter))


def test_day_file_holds_payments_and_refunds_of_that_day_only(app, wallet):
    day = past_day()
    first = paid_booking(wallet.partner, local(day, 0, 5), transaction_id="SBX-A", identify_code="u1")
    second = paid_booking(wallet.partner, local(day, 23, 59), transaction_id="SBX-B", identify_code="u2")
    paid_booking(wallet.partner, local(day, 0, 0) - timedelta(seconds=1), transaction_id="SBX-C",
                 identify_code="u3")  # the day before, in GMT+7
    refund = refunded(first, 50_000, local(day, 12, 0))
    refunded(second, 10_000, local(day + timedelta(days=1), 0, 0))  # the next day

    parts = generate_day(wallet.partner, day)
    assert [part.name for part in parts] == [f"webview_wallet-one_{day:%Y%m%d}_1.csv"]
    data = content(parts[0])
    assert data.endswith(b"\r\n") and parts[0].size == len(data) and parts[0].rows == 3
    table = rows_of(data)
    assert table[0] == list(FIELDS)
    assert [(row[0], row[1]) for row in table[1:]] == [
        ("PAYMENT", first.reference), ("REFUND", first.reference), ("PAYMENT", second.reference)]
    payment, refund_row = dict(zip(FIELDS, table[1], strict=True)), dict(zip(FIELDS, table[2], strict=True))
    assert payment == {"record_type": "PAYMENT", "reference_transaction_id": first.reference,
                       "partner_transaction_id": "SBX-A", "product": "vip", "amount": str(first.amount),
                       "currency": "VND", "status": "SUCCESS", "refund_request_id": "",
                       "occurred_at": f"{day:%Y-%m-%d}T00:05:00+07:00"}
    assert (refund_row["amount"], refund_row["refund_request_id"], refund_row["occurred_at"]) == (
        "50000", refund.request_id, f"{day:%Y-%m-%d}T12:00:00+07:00")
    # sidecars: sha256 of the bytes, hex HMAC-SHA256 with the client secret
    assert parts[0].sha256 == hashlib.sha256(data).hexdigest()
    assert parts[0].signature == hmac.new(wallet.secret.encode(), data, hashlib.sha256).hexdigest()


def test_envelope_signature_is_sha256withrsa_by_the_merchant_key(app, travel):
    partner, _ = travel
    day = past_day()
    paid_booking(partner, local(day, 9), transaction_id="GTD-9")
    stored = generate_day(partner, day)[0]
    data = content(stored)
    public = serialization.load_pem_public_key(merchant_public_key_pem("sandbox").encode())
    public.verify(base64.b64decode(stored.signature, validate=True), data, padding.PKCS1v15(), hashes.SHA256())
    assert rows_of(data)[1][2] == "GTD-9"


def test_parts_split_at_the_limit_and_generation_happens_once(app, wallet):
    app.config["RECON_MAX_ROWS_PER_PART"] = 2
    day = past_day()
    for number in range(5):
        paid_booking(wallet.partner, local(day, 8, number), transaction_id=f"T{number}", identify_code=f"u{number}")
    parts = generate_day(wallet.partner, day)
    assert [(part.part, part.rows) for part in parts] == [(1, 2), (2, 2), (3, 1)]
    assert all(rows_of(content(part))[0] == list(FIELDS) for part in parts)
    ids = [part.id for part in parts]
    assert [part.id for part in generate_day(wallet.partner, day)] == ids  # a repeat returns the stored parts
    db.session.add(ReconciliationFile(partner_id=wallet.partner.id, day=day, part=1, name="x", sha256="",
                                      signature=""))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_day_not_closed_is_refused(app, wallet):
    today = past_day(0)
    with pytest.raises(ReconciliationError) as refused:
        generate_day(wallet.partner, today)
    assert refused.value.reason == "not_closed"


def test_an_agreed_template_shapes_the_file(app, wallet):
    template = parse_template({
        "name": "wallet-v1", "delimiter": ";", "grouping": ".", "date_format": "%d/%m/%Y %H:%M",
        "columns": [{"field": "reference_transaction_id", "header": "Order"},
                    {"field": "record_type", "header": "Type"}, {"field": "amount", "header": "Amount"},
                    {"field": "status", "header": "Status"}, {"field": "refund_request_id", "header": "Refund"},
                    {"field": "occurred_at", "header": "Time"}]})
    configure(wallet.partner, SettingsChange(transport="api", template=template))
    db.session.commit()
    day = past_day()
    booking = paid_booking(wallet.partner, local(day, 7, 30))
    table = rows_of(content(generate_day(wallet.partner, day)[0]), ";")
    assert table[0] == ["Order", "Type", "Amount", "Status", "Refund", "Time"]
    assert table[1] == [booking.reference, "PAYMENT", f"{booking.amount:,}".replace(",", "."), "SUCCESS", "",
                        f"{day:%d/%m/%Y} 07:30"]


def test_the_periodic_job_writes_at_the_agreed_time_once(app, wallet, travel):
    configure(wallet.partner, SettingsChange(transport="api", close_time="02:00"))
    db.session.commit()
    day = past_day(1)
    paid_booking(wallet.partner, local(day, 10))
    before = local(day + timedelta(days=1), 1, 59)
    # travel-co has reconciliation off; wallet's day D is not closed yet, D-1 is (and is empty)
    assert generate_due_files(before) == [f"webview_wallet-one_{day - timedelta(days=1):%Y%m%d}_1.csv"]
    after = local(day + timedelta(days=1), 2, 0)
    assert generate_due_files(after) == [f"webview_wallet-one_{day:%Y%m%d}_1.csv"]
    assert generate_due_files(after + timedelta(minutes=1)) == []
    assert db.session.scalar(select(func.count()).select_from(ReconciliationFile)) == 2


def test_a_correction_is_a_new_part_with_adjustment_rows(app, wallet, runner, client):
    day = past_day()
    booking = paid_booking(wallet.partner, local(day, 9))
    refused = runner.invoke(args=["recon", "adjust", "--partner", wallet.code, "--date", f"{day:%Y%m%d}",
                                  "--reference", booking.reference, "--amount", "-5000"])
    assert refused.exit_code == 2 and "has no file yet" in refused.output
    first = generate_day(wallet.partner, day)[0]
    before = content(first)
    result = runner.invoke(args=["recon", "adjust", "--partner", wallet.code, "--date", f"{day:%Y%m%d}",
                                 "--reference", booking.reference, "--amount", "-5000"])
    assert result.exit_code == 0, result.output
    parts = generate_day(wallet.partner, day)
    assert [(part.part, part.kind, part.rows) for part in parts] == [(1, "standard", 1), (2, "adjustment", 1)]
    assert content(parts[0]) == before  # the delivered part never changes
    row = dict(zip(FIELDS, rows_of(content(parts[1]))[1], strict=True))
    assert (row["record_type"], row["reference_transaction_id"], row["amount"]) == (
        "ADJUSTMENT", booking.reference, "-5000")
    response = wallet.get(client, f"/api/v1/reconciliation?date={day:%Y%m%d}&part=2")
    assert response.status_code == 200 and response.headers["X-Parts-Total"] == "2"
    assert b"ADJUSTMENT" in response.data
    unknown = runner.invoke(args=["recon", "adjust", "--partner", wallet.code, "--date", f"{day:%Y%m%d}",
                                  "--reference", "nope", "--amount", "1"])
    assert unknown.exit_code == 2 and "no such order" in unknown.output
