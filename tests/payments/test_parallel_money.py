"""Money under concurrency on every database (SQLite included): parallel refunds and parallel payment statuses.

Each test runs its work in parallel threads of the real app, each with its own session and connection.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tests.payments.factories import hmac_partner, hold_vip, reload
from tests.payments.threads import in_threads
from webview.extensions import db
from webview.jobs import Job
from webview.payments.models import Refund
from webview.payments.refunds import REFUND_JOB, RefundError, create_refund
from webview.payments.services import apply_payment_status


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
