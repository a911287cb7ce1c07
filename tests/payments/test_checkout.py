"""start_checkout against a scripted partner, the status sync and poller, and result-link verification."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.payments.factories import hmac_partner, hold_vip, reload, sign
from tests.payments.stub_partner import Reply
from webview.db import utcnow
from webview.extensions import db
from webview.payments.gateway import PartnerUnavailable
from webview.payments.models import PaymentCheck, UsedResultLink
from webview.payments.poller import next_delay, poll_pending_payments
from webview.payments.results import verify_result_link_access
from webview.payments.services import CheckoutError, start_checkout, sync_payment_status


def created(stub, transaction_id: str = "SBX0001") -> Reply:
    return Reply(body={"code": 0, "data": {"transaction_id": transaction_id,
                                           "payment_url": f"{stub.url}/pay/{transaction_id}"}})


def queried(status: str, amount: int, transaction_id: str = "SBX0001") -> Reply:
    return Reply(body={"code": 0, "data": {"transaction_id": transaction_id, "status": status, "amount": amount}})


@pytest.fixture
def wallet(app, stub, fast_partner_http):
    return hmac_partner(stub.url)


def test_checkout_creates_the_partner_transaction_once(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(created(stub))
    first = start_checkout(booking)
    second = start_checkout(reload(booking))
    assert first == second
    assert (first.method, first.url, first.transaction_id) == ("redirect", f"{stub.url}/pay/SBX0001", "SBX0001")
    assert first.amount == booking.amount and first.hold_expires_at == booking.hold_expires_at
    assert len(stub.received) == 1
    assert reload(booking).partner_transaction_id == "SBX0001"
    assert db.session.get(PaymentCheck, booking.id) is not None


@pytest.mark.parametrize("failure", [Reply(status=500, body=b"oops"), Reply(delay_s=1.5), Reply(body=b"<html>")])
def test_partner_trouble_keeps_the_hold_and_reuses_the_key(app, wallet, stub, failure):
    booking = hold_vip(wallet.partner)
    stub.script(failure)
    with pytest.raises(PartnerUnavailable):
        start_checkout(booking)
    assert reload(booking).statuses == ("BOOKED", "PENDING", "PENDING")
    assert reload(booking).partner_transaction_id is None
    stub.script(created(stub))
    assert start_checkout(reload(booking)).transaction_id == "SBX0001"
    references = {call.json()["reference_transaction_id"] for call in stub.received}
    assert references == {booking.reference}


def test_expired_or_settled_bookings_cannot_start(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    booking.hold_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(CheckoutError) as raised:
        start_checkout(booking)
    assert raised.value.reason == "expired" and stub.received == []
    other = hold_vip(wallet.partner, identify_code="user-2")
    other.payment_status = "FAILED"
    db.session.commit()
    with pytest.raises(CheckoutError) as raised:
        start_checkout(other)
    assert raised.value.reason == "not_payable"


@pytest.mark.parametrize("handoff, expected", [("deeplink", "deeplink"), ("bridge", "bridge")])
def test_deeplink_and_bridge_handoffs(app, stub, fast_partner_http, handoff, expected):
    partner = hmac_partner(stub.url, code=f"wallet-{handoff}", handoff=handoff)
    booking = hold_vip(partner.partner)
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "SBX7",
                                                "deeplink": "sandboxpay://pay?transaction_id=SBX7&amount=1"}}))
    result = start_checkout(booking)
    assert result.method == expected
    if handoff == "deeplink":
        assert result.deeplink == "sandboxpay://pay?transaction_id=SBX7&amount=1"
    else:
        assert result.bridge_function == "window.SandboxBridge.openPayment"


def test_sync_applies_the_partners_answer_and_is_rate_limited(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(created(stub))
    start_checkout(booking)
    stub.script(queried("PENDING", booking.amount))
    assert sync_payment_status(reload(booking)).payment_status == "PENDING"
    stub.script(queried("SUCCESS", booking.amount))
    assert sync_payment_status(reload(booking)).payment_status == "PENDING"  # within the interval: not asked
    assert len([c for c in stub.received if c.method == "GET"]) == 1
    assert sync_payment_status(reload(booking), min_interval_s=0).payment_status == "SUCCESS"


def test_sync_ignores_a_wrong_amount(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(created(stub))
    start_checkout(booking)
    stub.script(queried("SUCCESS", booking.amount + 1))
    assert sync_payment_status(reload(booking)).payment_status == "PENDING"


def test_poller_backoff_and_lost_ipn(app, wallet, stub):
    assert [next_delay(n) for n in range(1, 8)] == [10, 20, 40, 80, 100, 100, 100]
    assert next_delay(12) == 300
    booking = hold_vip(wallet.partner)
    stub.script(created(stub))
    start_checkout(booking)
    assert poll_pending_payments() == 0  # first check is 5 s away
    db.session.execute(PaymentCheck.__table__.update().values(next_check_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    stub.script(queried("PENDING", booking.amount))
    assert poll_pending_payments() == 1
    check = db.session.get(PaymentCheck, booking.id, populate_existing=True)
    assert check.attempts == 1 and check.next_check_at > utcnow() + timedelta(seconds=8)
    db.session.execute(PaymentCheck.__table__.update().values(next_check_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    stub.script(queried("SUCCESS", booking.amount))
    assert poll_pending_payments() == 1
    assert reload(booking).payment_status == "SUCCESS"
    db.session.execute(PaymentCheck.__table__.update().values(next_check_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert poll_pending_payments() == 0  # paid: the check is dropped
    assert db.session.scalar(select(func.count()).select_from(PaymentCheck)) == 0


def result_link(wallet, transaction_id: str, timestamp_ms: int | None = None, secret: str | None = None):
    timestamp = str(timestamp_ms or int(time.time() * 1000))
    payload = f"{wallet.code}.{transaction_id}".encode()
    return wallet.code, transaction_id, timestamp, sign(wallet.client_id, secret or wallet.secret, timestamp, payload)


def test_result_link_is_verified_and_single_use(app, wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(created(stub))
    start_checkout(booking)
    link = result_link(wallet, "SBX0001")
    assert verify_result_link_access(*link).reference == booking.reference
    assert verify_result_link_access(*link) is None  # reused
    assert db.session.scalar(select(func.count()).select_from(UsedResultLink)) == 1
    assert verify_result_link_access(*result_link(wallet, "SBX0001", secret="wrong")) is None
    stale = result_link(wallet, "SBX0001", timestamp_ms=int(time.time() * 1000) - 301_000)
    assert verify_result_link_access(*stale) is None
    code, tid, timestamp, sig = result_link(wallet, "SBX0001")
    assert verify_result_link_access(code, "SBX0002", timestamp, sig) is None  # tampered
    assert verify_result_link_access("nobody", tid, timestamp, sig) is None
    assert verify_result_link_access(*result_link(wallet, "SBX-UNKNOWN")) is None
    assert verify_result_link_access(code, tid, "", sig) is None
