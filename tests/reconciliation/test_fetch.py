"""Fetching the partner's file from its reconciliation URL (signed like query), and the scheduled run."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from tests.payments.factories import hold_vip
from tests.reconciliation.conftest import local, paid_booking, past_day
from tests.reconciliation.test_matching import payment_row, their_file
from webview.booking.models import Booking
from webview.extensions import db
from webview.reconciliation.jobs import generate_due_files, run_due_matching
from webview.reconciliation.models import ReconciliationFile, ReconciliationRun
from webview.reconciliation.settings import SettingsChange, configure


class PartnerFileServer:
    """The partner's reconciliation URL: serves a file per date, checks our hmac signature over the target."""

    def __init__(self, client_id: str, secret: str) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[str, bool]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                timestamp = self.headers.get("X-Timestamp", "")
                payload = base64.urlsafe_b64encode(f"{timestamp}.{client_id}.{self.path}".encode()).rstrip(b"=")
                expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
                ok = self.headers.get("X-Client-Id") == client_id and hmac.compare_digest(
                    expected, self.headers.get("X-Signature", ""))
                server.requests.append((self.path, ok))
                date = self.path.rsplit("date=", 1)[-1]
                data = server.files.get(date) if ok else None
                if data is None:
                    self.send_response(401 if not ok else 404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Disposition", f'attachment; filename="partner_{date}.csv"')
                self.send_header("X-Content-SHA256", hashlib.sha256(data).hexdigest())
                self.send_header("X-Content-Signature", hmac.new(secret.encode(), data, hashlib.sha256).hexdigest())
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/recon"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def partner_server(wallet):
    server = PartnerFileServer(wallet.client_id, wallet.secret)
    yield server
    server.stop()


def test_the_scheduled_run_writes_our_file_fetches_theirs_and_settles(app, wallet, partner_server):
    app.config.update(PARTNER_RETRIES=0)
    configure(wallet.partner, SettingsChange(transport="api", close_time="02:00",
                                             reconciliation_url=partner_server.url))
    db.session.commit()
    day = past_day(1)
    paid = paid_booking(wallet.partner, local(day, 9), transaction_id="SBX-P")
    extra = hold_vip(wallet.partner, identify_code="other")  # the partner says it was paid; its query is down
    partner_server.files[f"{day:%Y%m%d}"] = their_file([payment_row(paid, day, partner_transaction_id="SBX-P"),
                                                        payment_row(extra, day)])
    closing = local(day + timedelta(days=1), 2, 0)
    assert generate_due_files(closing) == [f"webview_wallet-one_{day:%Y%m%d}_1.csv"]
    made = run_due_matching(closing)
    assert len(made) == 1 and run_due_matching(closing + timedelta(minutes=1)) == []
    run = db.session.get(ReconciliationRun, made[0])
    assert (run.status, run.source, run.file_name) == ("completed", "api", f"partner_{day:%Y%m%d}.csv")
    assert run.counts == {"matched": 1, "missing_at_merchant": 1}
    assert partner_server.requests[0] == (f"/recon?date={day:%Y%m%d}", True)
    assert db.session.get(Booking, extra.id).payment_status == "PENDING"  # its query API is not there: open case
    assert db.session.scalar(select(ReconciliationFile.name)) == f"webview_wallet-one_{day:%Y%m%d}_1.csv"


def test_a_partner_answering_404_is_a_missing_file_finding(app, wallet, partner_server):
    app.config.update(PARTNER_RETRIES=0)
    configure(wallet.partner, SettingsChange(transport="api", reconciliation_url=partner_server.url))
    db.session.commit()
    made = run_due_matching()
    run = db.session.get(ReconciliationRun, made[0])
    assert run.status == "rejected" and "answered HTTP 404" in run.finding


def test_a_missing_partner_file_is_looked_for_again_with_backoff_and_reported_once(app, wallet, partner_server):
    from webview.emails import SentEmail
    from webview.jobs import run_once

    app.config.update(PARTNER_RETRIES=0, OPS_EMAIL="ops@shop.example")
    configure(wallet.partner, SettingsChange(transport="api", reconciliation_url=partner_server.url))
    db.session.commit()
    day = past_day()
    now = local(day + timedelta(days=1), 2, 5)  # just after the day closed: the retries below stay on that day
    [run_id] = run_due_matching(now)
    assert db.session.get(ReconciliationRun, run_id).finding.startswith("the partner's file is missing")
    assert run_due_matching(now + timedelta(minutes=10)) == []  # not yet: the first retry is after 15 minutes
    assert run_due_matching(now + timedelta(minutes=16)) == [run_id]  # still missing: attempt 2
    run = db.session.get(ReconciliationRun, run_id)
    partner_server.files[f"{run.day:%Y%m%d}"] = their_file([])
    assert run_due_matching(now + timedelta(minutes=40)) == []  # the second retry waits 30 minutes
    assert run_due_matching(now + timedelta(minutes=47)) == [run_id]
    run = db.session.get(ReconciliationRun, run_id)
    assert (run.status, run.attempts) == ("completed", 3)
    run_once()
    subjects = [mail.subject for mail in db.session.scalars(select(SentEmail).order_by(SentEmail.id))]
    assert len(subjects) == 2 and "REJECTED" in subjects[0] and "all settled" in subjects[1]
