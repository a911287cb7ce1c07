"""Reconciliation fixtures: an hmac and an envelope partner, paid bookings and refunds placed on chosen days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import update

from tests.payments.factories import hmac_partner, hold_vip
from webview.booking.models import Booking
from webview.db import utcnow
from webview.extensions import db
from webview.partners.services import PartnerSpec, create_partner
from webview.payments.models import PaymentEvent, Refund
from webview.payments.refunds import create_refund
from webview.payments.services import apply_commit, apply_payment_status

GMT7 = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A GMT+7 wall-clock time on `day`, aware."""
    return datetime.combine(day, time(hour, minute), GMT7)


def past_day(days_ago: int = 3) -> date:
    return (utcnow().astimezone(GMT7) - timedelta(days=days_ago)).date()


@pytest.fixture(scope="module")
def partner_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def wallet(app):
    """An active sandbox hmac partner (wallet-one) with its signing credentials."""
    return hmac_partner()


@pytest.fixture
def travel(app, partner_key):
    """An active sandbox envelope partner (travel-co); returns (partner, issued credentials)."""
    pem = partner_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    partner, issued = create_partner(PartnerSpec(
        code="travel-co", name="Travel Co", environment="sandbox", profile="envelope", handoff="redirect",
        public_key=pem, admin_name="Ops", admin_email="ops@travel.example",
        payment_url="http://127.0.0.1:5000/sandbox/partner/travel-co/pay", return_hosts=("127.0.0.1",)))
    db.session.commit()
    return partner, issued


def paid_booking(partner, at: datetime, *, transaction_id: str = "SBX-1", identify_code: str = "user-42") -> Booking:
    """A VIP booking paid (IPN for hmac, commit for envelope), its payment event moved to `at`."""
    booking = hold_vip(partner, identify_code=identify_code)
    reference, booking_id = booking.reference, booking.id
    if partner.profile == "envelope":
        code, _ = apply_commit(partner, booking_number=reference, partner_trans_id=transaction_id,
                               product_type="VIP")
        assert code == "00"
    else:
        outcome = apply_payment_status(partner, reference=reference, status="SUCCESS", amount=booking.amount,
                                       transaction_id=transaction_id, source="ipn")
        assert outcome.code == 0, outcome.note
    db.session.execute(update(PaymentEvent).where(PaymentEvent.booking_id == booking_id).values(created_at=at))
    db.session.commit()
    return db.session.get(Booking, booking_id)


def refunded(booking: Booking, amount: int, at: datetime, *, request_id: str | None = None) -> Refund:
    """A completed refund of `amount` on `booking`, completed at `at` (envelope: a manual refund; hmac: recorded
    as the partner's SUCCESS directly)."""
    if booking.partner_id and booking.partner_transaction_id and _is_envelope(booking):
        refund = create_refund(booking.reference, amount, "test refund")
    else:
        refund = Refund(booking_id=booking.id, request_id=request_id or f"RF-{booking.reference}-{amount}",
                        amount=amount, reason="test", status="SUCCESS", completed_at=at)
        db.session.add(refund)
        booking.refunded_amount += amount
        booking.payment_status = "PARTIALLY_REFUNDED" if booking.refunded_amount < booking.amount else "REFUNDED"
    db.session.flush()
    refund.completed_at = at
    db.session.commit()
    return refund


def _is_envelope(booking: Booking) -> bool:
    from webview.partners.models import Partner

    return db.session.get(Partner, booking.partner_id).profile == "envelope"


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL for browser tests here (overrides pytest-base-url's fallback fixture, which pytest 9
    deprecates)."""
    return None
