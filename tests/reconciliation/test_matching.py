"""Matching the partner's file: bad files rejected whole with a finding, the rest matched and settled through
the existing rules (lost IPN, lost envelope commit, pending refund), cases for what remains, runs idempotent."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import html
import io
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import func, select

from tests.payments.factories import hmac_partner, hold_vip, run_jobs
from tests.payments.stub_partner import Reply, StubPartner
from tests.reconciliation.conftest import local, paid_booking, past_day
from webview.booking.models import Booking
from webview.emails import SentEmail
from webview.extensions import db
from webview.payments.models import PaymentEvent, Refund
from webview.reconciliation.matching import InboundFile
from webview.reconciliation.models import ReconciliationInbound, ReconciliationItem
from webview.reconciliation.runs import run_day
from webview.reconciliation.settings import SettingsChange, configure
from webview.reconciliation.templates import FIELDS


def their_file(rows: list[dict], *, delimiter: str = ",", header: list[str] | None = None) -> bytes:
    """The partner's file in the standard template, written here independently of webview."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or FIELDS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in FIELDS])
    return text.getvalue().encode("utf-8")


def payment_row(booking: Booking, day, **changes) -> dict:
    return {"record_type": "PAYMENT", "reference_transaction_id": booking.reference,
            "partner_transaction_id": booking.partner_transaction_id or "SBX", "product": booking.product,
            "amount": str(booking.amount), "currency": "VND", "status": "SUCCESS", "refund_request_id": "",
            "occurred_at": f"{day:%Y-%m-%d}T10:00:00+07:00", **changes}


def hmac_signed(secret: str, data: bytes, name: str = "partner.csv") -> InboundFile:
    return InboundFile(name, data, hmac.new(secret.encode(), data, hashlib.sha256).hexdigest())


def rsa_signed(key, data: bytes) -> InboundFile:
    signature = base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()
    return InboundFile("partner.csv", data, signature)


@pytest.fixture
def stub():
    server = StubPartner()
    yield server
    server.stop()


@pytest.fixture
def shop(app, stub):
    """An hmac partner whose query and refund APIs are the stub; reports to OPS_EMAIL and a finance contact."""
    app.config.update(OPS_EMAIL="ops@shop.example", PARTNER_RETRIES=0, PARTNER_BACKOFF_SECONDS=0.0)
    signed = hmac_partner(stub.url, code="shop-wallet")
    configure(signed.partner, SettingsChange(transport="api", finance_emails=("finance@wallet.example",)))
    db.session.commit()
    return signed


def held(partner, identify_code: str) -> Booking:
    return hold_vip(partner, identify_code=identify_code)


BAD_FILES = [
    ("wrong header", lambda b, d, s: hmac_signed(s, their_file([payment_row(b, d)], header=[*FIELDS[:-1], "when"])),
     "wrong header"),
    ("wrong delimiter", lambda b, d, s: hmac_signed(s, their_file([payment_row(b, d)], delimiter=";")),
     "wrong delimiter: the agreed template uses ',', the file uses ';'"),
    ("bad encoding", lambda b, d, s: hmac_signed(s, their_file([payment_row(b, d, product="vé")])
                                                  .replace("vé".encode(), "vé".encode("latin-1"))),
     "not UTF-8"),
    ("bad signature", lambda b, d, s: hmac_signed("not-the-secret", their_file([payment_row(b, d)])),
     "the .sig signature does not verify"),
    ("no signature", lambda b, d, s: InboundFile("x.csv", their_file([payment_row(b, d)]), None),
     "without its .sig"),
    ("truncated last line", lambda b, d, s: hmac_signed(s, their_file([payment_row(b, d)])[:-7]),
     "the last line is truncated"),
    ("grouping separators", lambda b, d, s: hmac_signed(s, their_file([payment_row(b, d, amount=f"{b.amount:,}")])),
     "grouping separators are not part of this template"),
    ("duplicate rows", lambda b, d, s: hmac_signed(s, their_file([payment_row(b, d), payment_row(b, d)])),
     "duplicate rows: 1 key(s)"),
    ("wrong day", lambda b, d, s: hmac_signed(s, their_file([payment_row(b, d, occurred_at=(
        f"{d + timedelta(days=1):%Y-%m-%d}T00:30:00+07:00"))])), "is not on"),
]


@pytest.mark.parametrize(("case", "make", "finding"), BAD_FILES, ids=[case for case, _, _ in BAD_FILES])
def test_a_bad_file_is_rejected_whole_and_nothing_is_settled(shop, stub, case, make, finding):
    day = past_day()
    lost_ipn = held(shop.partner, "lost")
    stub.script(Reply(body={"code": 0, "message": "success", "data": {
        "transaction_id": "SBX-L", "status": "SUCCESS", "amount": lost_ipn.amount}}))
    run = run_day(shop.partner, day, inbound=make(lost_ipn, day, shop.secret))
    assert run.status == "rejected" and finding in run.finding, run.finding
    assert db.session.get(Booking, lost_ipn.id).payment_status == "PENDING"  # nothing settled from it
    assert stub.received == []  # not even asked
    archived = db.session.scalar(select(ReconciliationInbound).where(ReconciliationInbound.run_id == run.id))
    assert archived.status == "rejected"
    assert finding in html.unescape(run.report_html) and "Every record matched" not in run.report_html
    if case == "duplicate rows":
        item = db.session.scalar(select(ReconciliationItem).where(ReconciliationItem.run_id == run.id))
        assert (item.outcome, item.state) == ("duplicate", "open")


def test_matching_settles_what_the_rules_allow_and_opens_cases_for_the_rest(shop, stub, runner):
    day = past_day()
    matched = paid_booking(shop.partner, local(day, 9), transaction_id="SBX-M", identify_code="m")
    confirmed = paid_booking(shop.partner, local(day, 10), transaction_id="SBX-C", identify_code="c")
    wrong_amount = paid_booking(shop.partner, local(day, 11), transaction_id="SBX-W", identify_code="w")
    lost_ipn = held(shop.partner, "lost")
    refund = Refund(booking_id=matched.id, request_id="RF-PENDING1", amount=20_000, status="PENDING")
    db.session.add(refund)
    db.session.commit()
    stub.script(Reply(body={"code": 0, "message": "success", "data": {
        "transaction_id": "SBX-L", "status": "SUCCESS", "amount": lost_ipn.amount}}))
    rows = [
        payment_row(matched, day),
        payment_row(wrong_amount, day, amount=str(wrong_amount.amount + 1000)),
        payment_row(lost_ipn, day, partner_transaction_id="SBX-L"),
        {**payment_row(matched, day), "record_type": "REFUND", "amount": "20000",
         "refund_request_id": "RF-PENDING1"},
        payment_row(matched, day, reference_transaction_id="260101-UNKNOWN1"),
    ]  # `confirmed` is missing from their file
    run = run_day(shop.partner, day, inbound=hmac_signed(shop.secret, their_file(rows)))
    assert run.status == "completed", run.finding
    assert run.counts == {"matched": 1, "missing_at_partner": 1, "amount_mismatch": 1, "missing_at_merchant": 3}
    items = {(item.outcome, item.reference, item.record_type): item for item in db.session.scalars(
        select(ReconciliationItem).where(ReconciliationItem.run_id == run.id))}

    paid = items[("missing_at_merchant", lost_ipn.reference, "PAYMENT")]
    assert paid.state == "settled" and "paid by reconciliation" in paid.settlement
    booking = db.session.get(Booking, lost_ipn.id)
    assert (booking.payment_status, booking.partner_transaction_id) == ("SUCCESS", "SBX-L")
    assert db.session.scalar(select(PaymentEvent.source).where(PaymentEvent.booking_id == lost_ipn.id)) \
        == "reconciliation"

    completed = items[("missing_at_merchant", matched.reference, "REFUND")]
    assert completed.state == "settled" and "refund completed by reconciliation" in completed.settlement
    refund = db.session.get(Refund, refund.id)
    assert refund.status == "SUCCESS" and refund.message.startswith("completed by reconciliation")

    assert items[("missing_at_partner", confirmed.reference, "PAYMENT")].state == "settled"
    mismatch = items[("amount_mismatch", wrong_amount.reference, "PAYMENT")]
    assert (mismatch.state, mismatch.their_amount) == ("open", wrong_amount.amount + 1000)
    assert mismatch.evidence["status"] == "SUCCESS"
    unknown = items[("missing_at_merchant", "260101-UNKNOWN1", "PAYMENT")]
    assert (unknown.state, unknown.settlement) == ("open", "no such order of this partner")

    # the report: kept on the run, emailed to OPS_EMAIL and the finance contact
    assert "amount_mismatch" in run.report_html and wrong_amount.reference in run.report_csv
    run_jobs()
    mails = db.session.scalars(select(SentEmail).where(SentEmail.kind == "reconciliation")).all()
    assert sorted(mail.to for mail in mails) == ["finance@wallet.example", "ops@shop.example"]
    assert "2 open case(s)" in mails[0].subject

    # idempotent: running the day again settles nothing twice
    calls, events = len(stub.received), db.session.scalar(select(func.count()).select_from(PaymentEvent))
    again = run_day(shop.partner, day, inbound=hmac_signed(shop.secret, their_file(rows)))
    assert again.id == run.id and len(stub.received) == calls
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == events
    assert db.session.scalar(select(func.count()).select_from(ReconciliationItem)) == len(items)

    # cases: listed, resolved by an operator
    listed = runner.invoke(args=["recon", "cases", "--partner", shop.code])
    assert listed.exit_code == 0 and wrong_amount.reference in listed.output and "260101-UNKNOWN1" in listed.output
    bad = runner.invoke(args=["recon", "resolve", str(mismatch.id), "--action", "shrug", "--note", "x"])
    assert bad.exit_code == 2 and "--action must be one of" in bad.output
    done = runner.invoke(args=["recon", "resolve", str(mismatch.id), "--action", "accept",
                               "--note", "partner fee, agreed by phone"])
    assert done.exit_code == 0, done.output
    assert wrong_amount.reference not in runner.invoke(args=["recon", "cases"]).output
    shown = runner.invoke(args=["recon", "show", str(run.id)])
    assert shown.exit_code == 0 and "completed" in shown.output


def test_a_lost_envelope_commit_ends_issued_not_silently_expired(app, travel, partner_key):
    partner, _ = travel
    day = past_day()
    booking = hold_vip(partner, identify_code="gone")
    booking.booking_status = "EXPIRED"  # the hold ran out while the partner's commit was lost
    db.session.commit()
    rows = [payment_row(booking, day, partner_transaction_id="GTD-LOST")]
    run = run_day(partner, day, inbound=rsa_signed(partner_key, their_file(rows)))
    assert run.status == "completed", run.finding
    item = db.session.scalar(select(ReconciliationItem).where(ReconciliationItem.run_id == run.id))
    assert item.state == "settled" and "paid by reconciliation" in item.settlement
    run_jobs()
    booking = db.session.get(Booking, booking.id)
    assert booking.statuses == ("BOOKED", "SUCCESS", "SUCCESS")
    assert booking.partner_transaction_id == "GTD-LOST"


def test_a_missing_partner_file_is_a_finding(shop):
    day = past_day()
    configure(shop.partner, SettingsChange(reconciliation_url="http://127.0.0.1:9/none"))
    db.session.commit()
    run = run_day(shop.partner, day)
    assert run.status == "rejected" and "the partner's file is missing" in run.finding


def test_dry_run_settles_and_stores_nothing(shop, stub, runner, tmp_path):
    day = past_day()
    lost_ipn = held(shop.partner, "lost")
    stub.script(Reply(body={"code": 0, "message": "success", "data": {
        "transaction_id": "SBX-L", "status": "SUCCESS", "amount": lost_ipn.amount}}))
    data = their_file([payment_row(lost_ipn, day)])
    path = tmp_path / "partner.csv"
    path.write_bytes(data)
    (tmp_path / "partner.csv.sig").write_text(hmac.new(shop.secret.encode(), data, hashlib.sha256).hexdigest())
    result = runner.invoke(args=["recon", "run", "--partner", shop.code, "--date", f"{day:%Y%m%d}",
                                 "--file", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "missing_at_merchant 1" in result.output and lost_ipn.reference in result.output
    assert db.session.get(Booking, lost_ipn.id).payment_status == "PENDING" and stub.received == []
    assert db.session.scalar(select(func.count()).select_from(ReconciliationItem)) == 0
    real = runner.invoke(args=["recon", "run", "--partner", shop.code, "--date", f"{day:%Y%m%d}",
                               "--file", str(path)])
    assert real.exit_code == 0 and "completed" in real.output and "paid by reconciliation" in real.output


def test_a_run_in_progress_is_not_run_twice_and_a_dead_one_is_taken_over(shop, stub):
    from webview.db import utcnow
    from webview.reconciliation.files import ReconciliationError
    from webview.reconciliation.models import ReconciliationRun

    day = past_day()
    lost_ipn = held(shop.partner, "lost")
    stub.script(Reply(body={"code": 0, "message": "success", "data": {
        "transaction_id": "SBX-L", "status": "SUCCESS", "amount": lost_ipn.amount}}))
    inbound = hmac_signed(shop.secret, their_file([payment_row(lost_ipn, day)]))
    db.session.add(ReconciliationRun(partner_id=shop.partner.id, day=day, part=1, source="api", status="running"))
    db.session.commit()
    with pytest.raises(ReconciliationError) as busy:
        run_day(shop.partner, day, inbound=inbound)
    assert busy.value.reason == "busy" and stub.received == []
    run = db.session.scalar(select(ReconciliationRun))
    run.updated_at = utcnow() - timedelta(hours=1)  # its worker died
    db.session.commit()
    run = run_day(shop.partner, day, inbound=inbound)
    assert (run.status, run.attempts, run.counts) == ("completed", 2, {"missing_at_merchant": 1})
    assert db.session.get(Booking, lost_ipn.id).payment_status == "SUCCESS"
