"""Money under concurrency on every database (SQLite included): parallel refunds and parallel payment statuses.

Each test runs its work in parallel threads of the real app, each with its own session and connection.
"""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select, update

from tests.api.test_commit import envelope_partner
from tests.payments.factories import hmac_partner, hold_vip, reload
from tests.payments.threads import in_threads
from webview.booking.models import Booking
from webview.extensions import db
from webview.jobs import Job
from webview.payments import services
from webview.payments.models import PaymentEvent, Refund
from webview.payments.refunds import REFUND_JOB, RefundError, create_refund
from webview.payments.services import ISSUE_JOB, apply_payment_status


def paid_booking(wallet, transaction_id: str = "SBX-PAR"):
    booking = hold_vip(wallet.partner, plan="yearly")
    apply_payment_status(wallet.partner, reference=booking.reference, status="SUCCESS", amount=booking.amount,
                         transaction_id=transaction_id, source="ipn")
    return reload(booking)


def test_parallel_refunds_never_exceed_the_payment(app):
    wallet = hmac_partner()
    booking = paid_booking(wallet)
    reference, amount, version = booking.reference, booking.amount, booking.version
    share = amount * 6 // 10  # 60 %: one fits, a second does not

    def refund(index: int) -> str:
        try:
            create_refund(reference, share, f"part {index}")
        except RefundError:
            return "refused"
        return "opened"

    results = in_threads(app, 6, refund)
    assert sorted(map(str, results)) == ["opened"] + ["refused"] * 5
    db.session.rollback()
    assert db.session.scalar(select(func.sum(Refund.amount))) == share
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == REFUND_JOB)) == 1
    assert reload(booking).version > version  # opening a refund changes the booking row


def test_many_small_parallel_refunds_stop_at_the_payment(app):
    wallet = hmac_partner()
    booking = paid_booking(wallet)
    reference, amount = booking.reference, booking.amount
    share = amount // 4 + 1  # three fit, the fourth does not

    def refund(index: int) -> str:
        try:
            create_refund(reference, share, f"part {index}")
        except RefundError:
            return "refused"
        return "opened"

    results = in_threads(app, 10, refund)
    assert results.count("opened") == 3 and results.count("refused") == 7, results
    db.session.rollback()
    assert db.session.scalar(select(func.sum(Refund.amount))) == 3 * share <= amount


def test_parallel_identical_ipns_are_all_answered_0(app):
    wallet = hmac_partner()
    booking = hold_vip(wallet.partner)
    reference, amount = booking.reference, booking.amount
    stamp = int(time.time() * 1000)

    def send(index: int) -> tuple[int, object]:
        response = wallet.ipn(app.test_client(), reference, amount=amount, transaction_id="SBX-IPN",
                              timestamp_ms=stamp + index)  # signed separately, so none is a replay
        return response.status_code, (response.get_json() or {}).get("code")

    results = in_threads(app, 30, send)
    assert results == [(200, 0)] * 30
    db.session.rollback()
    assert reload(booking).statuses == ("BOOKED", "SUCCESS", "PENDING")
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == ISSUE_JOB)) == 1


def test_parallel_identical_commits_are_all_answered_00(app):
    travel = envelope_partner(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    booking = hold_vip(travel.partner)
    reference = booking.reference

    def commit(index: int) -> tuple[int, str]:
        response = travel.commit(app.test_client(), reference, partner_trans_id="GTD-PAR")
        return response.status_code, travel.open(response).get("error_code", "")

    results = in_threads(app, 16, commit)
    assert results == [(200, "00")] * 16
    db.session.rollback()
    assert reload(booking).statuses == ("BOOKED", "SUCCESS", "PENDING")
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1


@pytest.fixture
def stale_first_read(app, monkeypatch):
    """The first row lock hands out a stale copy: another connection pays the booking right after the read.

    This is what a concurrent writer that slipped past the lock looks like; the answer must follow the rules
    on the fresh row, never a 500.
    """
    real_lock = services.lock_booking
    calls: list[str] = []

    def lock_then_lose_the_race(reference: str):
        calls.append(reference)
        if len(calls) > 1:
            return real_lock(reference)
        booking = db.session.scalar(select(Booking).where(Booking.reference == reference))
        with db.engine.begin() as other:
            other.execute(update(Booking).where(Booking.reference == reference).values(
                payment_status="SUCCESS", version=Booking.version + 1))
        return booking

    monkeypatch.setattr(services, "lock_booking", lock_then_lose_the_race)
    return calls


def test_an_ipn_that_loses_the_race_is_answered_by_the_rules(app, client, stale_first_read):
    wallet = hmac_partner()
    booking = hold_vip(wallet.partner)
    response = wallet.ipn(client, booking, transaction_id="SBX-STALE")
    assert (response.status_code, response.get_json()["code"]) == (200, 0)  # a repeat of SUCCESS
    assert len(stale_first_read) == 2
    assert reload(booking).payment_status == "SUCCESS"


def test_a_commit_that_loses_the_race_is_answered_by_the_rules(app, client, stale_first_read):
    travel = envelope_partner(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    booking = hold_vip(travel.partner)
    response = travel.commit(client, booking.reference, partner_trans_id="GTD-STALE")
    assert response.status_code == 200
    assert travel.open(response)["error_code"] in {"00", "08"}
    assert len(stale_first_read) == 2
