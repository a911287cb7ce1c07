"""Factories for payments tests: partners, customers, held bookings (through the booking domain), signed calls."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from webview.booking.models import Booking
from webview.booking.services import hold_booking
from webview.catalog.generator import ensure_reference_data, generate_catalog, local_today
from webview.catalog.models import Fare, Flight
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import run_once
from webview.partners.models import Customer, Partner
from webview.partners.services import PartnerSpec, create_partner

TRAVELLER = {"full_name": "Nguyen Van An", "date_of_birth": "1990-05-17", "gender": "male",
             "document_number": "B1234567", "passenger_type": "adult"}


def sign(client_id: str, secret: str, timestamp: str, message: bytes) -> str:
    """DESIGN.md hmac signature, written independently of webview.signing."""
    payload = base64.urlsafe_b64encode(f"{timestamp}.{client_id}.".encode() + message).rstrip(b"=")
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


@dataclass
class SignedPartner:
    """An hmac partner as its back end sees it: code, client_id and secret; signs calls to the merchant."""

    partner: Partner
    code: str
    client_id: str
    secret: str

    def headers(self, message: bytes, timestamp_ms: int | None = None, secret: str | None = None) -> dict:
        timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        return {"X-Client-Id": self.client_id, "X-Timestamp": timestamp,
                "X-Signature": sign(self.client_id, secret or self.secret, timestamp, message)}

    def post(self, client, path: str, body: dict | bytes, *, timestamp_ms: int | None = None,
             secret: str | None = None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post(path, data=raw, content_type="application/json",
                           headers=self.headers(raw, timestamp_ms, secret))

    def get(self, client, target: str):
        return client.get(target, headers=self.headers(target.encode()))

    def ipn(self, client, booking: Booking | str, status: str = "SUCCESS", *, amount: int | None = None,
            transaction_id: str = "SBX0001", **kwargs):
        reference = booking if isinstance(booking, str) else booking.reference
        if amount is None:
            amount = booking.amount if isinstance(booking, Booking) else 1
        body = {"reference_transaction_id": reference, "transaction_amount": amount,
                "transaction_id": transaction_id, "status": status, "partner_banking_method": "WALLET"}
        return self.post(client, "/api/v1/payment/ipn", body, **kwargs)


def register_hmac_partner(base: str, *, code: str = "stub-wallet", handoff: str = "redirect"):
    """An active sandbox hmac partner whose partner-side URLs live under `base`; returns (partner, credentials)."""
    spec = PartnerSpec(
        code=code, name=f"{code} (test)", environment="sandbox", profile="hmac", handoff=handoff,
        admin_name="Ops", admin_email="ops@example.com",
        create_transaction_url=f"{base}/transactions", query_transaction_url=f"{base}/transactions/query",
        refund_url=f"{base}/refunds", payment_url=f"{base}/pay/",
        deeplink_template="sandboxpay://pay?transaction_id={transaction_id}&amount={amount}"
        if handoff == "deeplink" else None,
        bridge_function="window.SandboxBridge.openPayment" if handoff == "bridge" else None,
        return_hosts=("127.0.0.1",),
    )
    partner, issued = create_partner(spec)
    db.session.commit()
    return partner, issued


def hmac_partner(base: str = "http://127.0.0.1:5000/sandbox/partner/p", *, code: str = "wallet-one",
                 handoff: str = "redirect") -> SignedPartner:
    """An active sandbox hmac partner whose partner-side URLs live under `base`, with its signing credentials."""
    partner, issued = register_hmac_partner(base, code=code, handoff=handoff)
    return SignedPartner(partner, issued.partner_code, issued.client_id, issued.client_secret)


def customer_of(partner: Partner, identify_code: str = "user-42") -> Customer:
    """The partner's customer (created once)."""
    found = db.session.scalar(select(Customer).where(Customer.partner_id == partner.id,
                                                     Customer.identify_code == identify_code))
    if found is None:
        found = Customer(partner_id=partner.id, identify_code=identify_code, email="buyer@example.com")
        db.session.add(found)
        db.session.commit()
    return found


def hold_vip(partner: Partner, *, email: str = "buyer@example.com", name: str = "Nguyen Van An",
             plan: str = "monthly", identify_code: str = "user-42") -> Booking:
    """A held VIP booking (no inventory) of the partner's customer."""
    ensure_reference_data()
    db.session.commit()
    customer = customer_of(partner, identify_code)
    return hold_booking(partner_id=partner.id, customer_id=customer.id, launch_session_id=None,
                        offer_id=f"V:{plan}", travellers=[{**TRAVELLER, "full_name": name}],
                        contact={"name": name, "email": email, "phone": "0912345678"}, locale="vi")


def a_fare(min_seats: int = 1) -> Fare:
    """A fare departing tomorrow (GMT+7) with seats left, generating a small catalog when needed."""
    tomorrow = local_today() + timedelta(days=1)
    query = (select(Fare).join(Flight, Flight.id == Fare.flight_id)
             .where(Fare.seats_left >= min_seats, Flight.departs_at > utcnow() + timedelta(hours=12))
             .order_by(Fare.id).limit(1))
    fare = db.session.scalar(query)
    if fare is None:
        generate_catalog(days=2, start=tomorrow)
        db.session.commit()
        fare = db.session.scalar(query)
    assert fare is not None, "no fare in the generated catalog"
    return fare


def hold_flight(partner: Partner, fare: Fare | None = None, *, email: str = "buyer@example.com",
                name: str = "Nguyen Van An", identify_code: str = "user-42") -> Booking:
    """A held one-adult flight booking on `fare` (or any fare with seats)."""
    fare = fare or a_fare()
    customer = customer_of(partner, identify_code)
    return hold_booking(partner_id=partner.id, customer_id=customer.id, launch_session_id=None,
                        offer_id=f"F:{fare.id}", travellers=[{**TRAVELLER, "full_name": name}],
                        contact={"name": name, "email": email, "phone": "0912345678"}, locale="vi")


def reload(booking: Booking) -> Booking:
    """The booking as the database has it now."""
    db.session.rollback()
    return db.session.scalar(select(Booking).where(Booking.id == booking.id)
                             .execution_options(populate_existing=True))


def run_jobs() -> int:
    """Run every job due now (issuance, refunds, emails)."""
    return run_once()
