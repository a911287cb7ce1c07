"""Transactions (filters, detail with the message log, streamed CSV), refunds (finance asks, an operator approves,
the normal refund path runs) and reconciliation reports — each partner sees only its own."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.payments.factories import SignedPartner, hmac_partner, hold_vip
from tests.payments.stub_partner import Reply, StubPartner
from tests.portal.conftest import csrf_token, make_user, post_form, sign_in
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import run_once
from webview.payments.models import Refund
from webview.portal.transactions import RefundRequest
from webview.reconciliation.files import generate_day


@pytest.fixture
def stub():
    server = StubPartner()
    yield server
    server.stop()


@pytest.fixture
def wallets(app, stub) -> tuple[SignedPartner, SignedPartner]:
    app.config.update(PARTNER_CONNECT_TIMEOUT=1.0, PARTNER_READ_TIMEOUT=2.0, PARTNER_RETRIES=1,
                      PARTNER_BACKOFF_SECONDS=0.0)
    return hmac_partner(stub.url, code="wallet-a"), hmac_partner(stub.url, code="wallet-b")


def paid(client, wallet: SignedPartner, identify_code: str = "user-42"):
    booking = hold_vip(wallet.partner, identify_code=identify_code)
    assert wallet.ipn(client, booking, transaction_id=f"TX-{booking.id}").get_json()["code"] == 0
    return booking


def test_filters_detail_and_csv_see_only_the_partners_orders(app, client, wallets):
    a, b = wallets
    mine, held = paid(client, a), hold_vip(a.partner, identify_code="user-7")
    theirs = paid(client, b)
    finance = make_user(a.partner, "finance")
    browser = app.test_client()
    assert sign_in(browser, finance.email).status_code == 302
    page = browser.get("/portal/p/wallet-a/transactions").get_data(as_text=True)
    assert mine.reference in page and held.reference in page and theirs.reference not in page
    page = browser.get("/portal/p/wallet-a/transactions?payment_status=SUCCESS").get_data(as_text=True)
    assert mine.reference in page and held.reference not in page
    page = browser.get(f"/portal/p/wallet-a/transactions?reference={held.reference[:10]}").get_data(as_text=True)
    assert held.reference in page
    today = (utcnow() + timedelta(hours=7)).date()
    page = browser.get(f"/portal/p/wallet-a/transactions?from={today + timedelta(days=1)}").get_data(as_text=True)
    assert mine.reference not in page
    assert browser.get("/portal/p/wallet-a/transactions?from=yesterday").status_code == 400
    assert browser.get("/portal/p/wallet-a/transactions?payment_status=nope").status_code == 400

    detail = browser.get(f"/portal/p/wallet-a/transactions/{mine.reference}").get_data(as_text=True)
    assert 'data-payment-status="SUCCESS"' in detail and "payment-ipn" in detail
    assert browser.get(f"/portal/p/wallet-a/transactions/{theirs.reference}").status_code == 404
    assert browser.get(f"/portal/p/wallet-b/transactions/{theirs.reference}").status_code == 404

    exported = browser.get("/portal/p/wallet-a/transactions.csv?payment_status=SUCCESS")
    assert exported.status_code == 200 and exported.is_streamed
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [row["reference_transaction_id"] for row in rows] == [mine.reference]
    assert rows[0]["payment_status"] == "SUCCESS" and int(rows[0]["amount"]) == mine.amount


def test_finance_requests_a_refund_an_operator_approves_it_runs_the_refund_path(app, client, wallets, stub):
    a, b = wallets
    booking = paid(client, a)
    finance, developer = make_user(a.partner, "finance"), make_user(a.partner, "developer")
    operator = make_user(None, "operator", "ops@merchant.example")
    stranger = make_user(b.partner, "finance")
    fin, dev, op, other = (app.test_client() for _ in range(4))
    for who, user in ((fin, finance), (dev, developer), (op, operator), (other, stranger)):
        assert sign_in(who, user.email).status_code == 302
    detail = f"/portal/p/wallet-a/transactions/{booking.reference}"
    action = f"{detail}/refund-request"
    assert post_form(dev, detail, action, {"amount": 1000, "reason": "x"}).status_code == 403
    assert other.post(action, data={"amount": 1000, "reason": "x",
                                    "csrf_token": csrf_token(other, "/portal/p/wallet-b/transactions")}
                      ).status_code == 404
    post_form(fin, detail, action, {"amount": booking.amount + 1, "reason": "too much"})
    assert db.session.scalar(select(RefundRequest)) is None
    assert post_form(fin, detail, action, {"amount": 50_000, "reason": "customer complaint"}).status_code == 302
    row = db.session.scalar(select(RefundRequest))
    assert row.status == "requested" and db.session.scalar(select(Refund)) is None  # nothing moves yet

    assert fin.get("/portal/operator/refunds").status_code == 403
    queue = op.get("/portal/operator/refunds").get_data(as_text=True)
    assert booking.reference in queue
    stub.script(Reply(body={"code": 0, "message": "success", "data": {}}))
    approved = op.post(f"/portal/operator/refunds/{row.id}/approve",
                       data={"note": "", "csrf_token": csrf_token(op, "/portal/operator/refunds")})
    assert approved.status_code == 302
    db.session.expire_all()
    refund = db.session.scalar(select(Refund))
    assert refund.amount == 50_000 and refund.status == "PENDING"
    assert db.session.get(RefundRequest, row.id).refund_request_id == refund.request_id
    run_once()  # the refund job: the partner's refund endpoint answers code 0
    db.session.expire_all()
    assert db.session.scalar(select(Refund)).status == "SUCCESS"
    assert any(call.path.endswith("/refunds") for call in stub.received)
    listing = fin.get("/portal/p/wallet-a/refunds").get_data(as_text=True)
    assert refund.request_id in listing
    assert other.get("/portal/p/wallet-a/refunds").status_code == 404


def test_reports_list_and_download_only_the_partners_files(app, client, wallets):
    a, b = wallets
    paid(client, a)
    day = (utcnow() + timedelta(hours=7) - timedelta(days=3)).date()
    (mine,) = generate_day(a.partner, day)
    (theirs,) = generate_day(b.partner, day)
    finance = make_user(a.partner, "finance")
    browser = app.test_client()
    sign_in(browser, finance.email)
    page = browser.get("/portal/p/wallet-a/reports").get_data(as_text=True)
    assert mine.name in page and theirs.name not in page
    download = browser.get(f"/portal/p/wallet-a/reports/files/{mine.id}")
    assert download.status_code == 200 and download.headers["X-Content-SHA256"] == mine.sha256
    assert browser.get(f"/portal/p/wallet-a/reports/files/{theirs.id}").status_code == 404
