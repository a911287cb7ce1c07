"""Concurrency and crashes on PostgreSQL: duplicate IPNs, racing refunds, a worker killed during issuance.

These need real row locks (SELECT … FOR UPDATE) and several connections: they run in the PostgreSQL pass.
The crash-after-the-supplier test runs everywhere.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.payments.factories import hmac_partner, hold_vip, reload
from tests.payments.threads import in_threads, postgres_only
from webview.extensions import db
from webview.jobs import Job, run_once
from webview.payments import fulfilment, supplier
from webview.payments.fulfilment import issue_booking
from webview.payments.models import PaymentEvent, Refund
from webview.payments.refunds import RefundError, open_refund
from webview.payments.services import apply_payment_status, lock_booking

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


@pytest.mark.postgres
@postgres_only
def test_fifty_identical_ipns_make_one_transition(app):
    wallet = hmac_partner()
    booking = hold_vip(wallet.partner)
    reference, amount = booking.reference, booking.amount
    stamp = int(time.time() * 1000)

    def send(index: int) -> tuple[int, int]:
        response = wallet.ipn(app.test_client(), reference, amount=amount, transaction_id="SBX-50",
                              timestamp_ms=stamp + index)  # signed separately, so none is a replay
        return response.status_code, response.get_json()["code"]

    results = in_threads(app, 50, send)
    assert results == [(200, 0)] * 50
    db.session.rollback()
    assert reload(booking).statuses == ("BOOKED", "SUCCESS", "PENDING")
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "payments.issue")) == 1
    run_once()
    run_once()
    emails = db.session.scalars(select(Job.key).where(Job.kind == "email.send")).all()
    assert sorted(emails) == sorted([f"email:held:{reference}", f"email:issued:{reference}"])


@pytest.mark.postgres
@postgres_only
def test_concurrent_partial_refunds_never_exceed_the_payment(app):
    wallet = hmac_partner()
    booking = hold_vip(wallet.partner, plan="yearly")
    apply_payment_status(wallet.partner, reference=booking.reference, status="SUCCESS", amount=booking.amount,
                         transaction_id="SBX-R", source="ipn")
    reference, amount = booking.reference, booking.amount
    share = amount // 4 + 1  # three fit, the fourth does not

    def refund(index: int) -> str:
        locked = lock_booking(reference)
        try:
            open_refund(locked, share, f"part {index}")
        except RefundError:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return "opened"

    results = in_threads(app, 12, refund)
    assert results.count("opened") == 3 and results.count("refused") == 9
    db.session.rollback()
    total = db.session.scalar(select(func.sum(Refund.amount)))
    assert total == 3 * share <= amount


def test_a_crash_after_the_supplier_issued_completes_once(app, monkeypatch):
    wallet = hmac_partner()
    booking = hold_vip(wallet.partner)
    apply_payment_status(wallet.partner, reference=booking.reference, status="SUCCESS", amount=booking.amount,
                         transaction_id="SBX-C", source="ipn")
    original = fulfilment._record_documents

    def crash(booking_id, documents):
        raise SystemExit("worker killed")

    monkeypatch.setattr(fulfilment, "_record_documents", crash)
    with pytest.raises(SystemExit):
        issue_booking(booking.id)
    db.session.rollback()
    assert reload(booking).issue_status == "PROCESSING"
    first = supplier.issue(supplier.order_for(reload(booking)))
    monkeypatch.setattr(fulfilment, "_record_documents", original)
    assert issue_booking(booking.id) == "SUCCESS"
    done = reload(booking)
    assert (done.pnr, done.tickets) == (first.pnr, first.tickets)
    assert supplier.issue_count(done.reference) == 1


@pytest.mark.postgres
@postgres_only
def test_a_worker_killed_during_issuance_issues_exactly_once(app, base_config, tmp_path):
    wallet = hmac_partner()
    booking = hold_vip(wallet.partner, email="slow-issue@example.com")
    apply_payment_status(wallet.partner, reference=booking.reference, status="SUCCESS", amount=booking.amount,
                         transaction_id="SBX-K", source="ipn")
    env = {**os.environ, "DATABASE_URL": base_config["DATABASE_URL"], "SECRET_KEY": "test-secret-key",
           "MASTER_KEY": "test-master-key", "SANDBOX_ENABLED": "0", "JOBS_EMBEDDED_WORKER": "0",
           "JOBS_LEASE_SECONDS": "2", "JOBS_BACKOFF_BASE_SECONDS": "0.1", "DEMO_SUPPLIER_SLOW_SECONDS": "30"}
    log = tmp_path / "worker.log"
    with open(log, "wb") as output:
        worker = subprocess.Popen([FLASK, "--app", "wsgi", "jobs", "worker", "--poll", "0.05"], cwd=PROJECT_ROOT,
                                  env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while reload(booking).issue_status != "PROCESSING":
            assert time.time() < deadline, log.read_text()
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert reload(booking).issue_status == "PROCESSING"
    app.config["DEMO_SUPPLIER_SLOW_SECONDS"] = 0.01
    time.sleep(2.2)  # the dead worker's lease runs out
    deadline = time.time() + 30
    while reload(booking).issue_status == "PROCESSING":
        run_once()
        assert time.time() < deadline
        time.sleep(0.1)
    done = reload(booking)
    assert done.issue_status == "SUCCESS"
    assert supplier.issue_count(done.reference) == 1
    issued = db.session.scalar(select(func.count()).select_from(Job).where(
        Job.key == f"email:issued:{done.reference}"))
    assert issued == 1
    assert db.session.scalar(select(Job.attempts).where(Job.kind == "payments.issue")) == 2
