"""The pending-payment poller: asks hmac partners about payments still PENDING, so a lost IPN still ends right.

Each booking with a partner transaction has a `payment_check` row; the periodic job asks the partner when it
is due, with backoff 5 s, 10 s, 20 s … 100 s, then every 5 minutes, until a little after the hold expires
(a payment made in the hold's last second is still found, and the late-SUCCESS rule decides).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select, update

from webview.booking.models import Booking
from webview.booking.states import PaymentStatus
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import periodic
from webview.payments.models import PaymentCheck
from webview.payments.services import sync_payment_status

log = logging.getLogger(__name__)

POLL_EVERY_S = 5
BATCH = 50
FIRST_DELAY_S = 5
CAP_DELAY_S = 100
LATE_DELAY_S = 300
LATE_AFTER_ATTEMPTS = 12  # 5+10+20+40+80+100·7 s ≈ 14 minutes of fast polling
GRACE_AFTER_EXPIRY = timedelta(minutes=5)


def next_delay(attempts: int) -> int:
    """Seconds until the next check after `attempts` checks: 5 → 100 (doubling), then 300."""
    if attempts >= LATE_AFTER_ATTEMPTS:
        return LATE_DELAY_S
    return min(FIRST_DELAY_S * 2 ** attempts, CAP_DELAY_S)


def poll_pending_payments(limit: int = BATCH) -> int:
    """Check every due pending payment once; returns how many were asked. Commits."""
    now = utcnow()
    due = db.session.execute(
        select(PaymentCheck.booking_id, PaymentCheck.attempts)
        .where(PaymentCheck.next_check_at <= now)
        .order_by(PaymentCheck.next_check_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    asked = 0
    for booking_id, attempts in due:
        booking = db.session.get(Booking, booking_id)
        expired_long_ago = booking is not None and booking.hold_expires_at is not None \
            and booking.hold_expires_at + GRACE_AFTER_EXPIRY < now
        if booking is None or booking.payment_status != PaymentStatus.PENDING or expired_long_ago:
            db.session.execute(delete(PaymentCheck).where(PaymentCheck.booking_id == booking_id))
            db.session.commit()
            continue
        try:
            sync_payment_status(booking, min_interval_s=0)
        except Exception:  # one partner's trouble must not stop the others
            db.session.rollback()
            log.exception("payment check of booking %s failed", booking_id)
        asked += 1
        db.session.execute(
            update(PaymentCheck).where(PaymentCheck.booking_id == booking_id)
            .values(attempts=attempts + 1, next_check_at=utcnow() + timedelta(seconds=next_delay(attempts + 1)))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return asked


@periodic("payments.poll_pending", every_seconds=POLL_EVERY_S)
def poll_pending_job() -> None:
    """Periodic entry point (one run per 5 s period across all workers)."""
    poll_pending_payments()
