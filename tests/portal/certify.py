"""Helpers for the portal's second half: a sandbox partner on a scripted loopback server (its own endpoints), and
the whole certification run made of real exchanges (signed API calls through the test client, the merchant's
gateway calls to the partner, the signed result link, the reconciliation fetch)."""

from __future__ import annotations

import time
from datetime import timedelta

from tests.payments.factories import SignedPartner, hold_vip, sign
from tests.payments.stub_partner import Reply, StubPartner
from webview.booking.models import Booking
from webview.db import utcnow
from webview.extensions import db
from webview.payments.gateway import gateway_for
from webview.payments.refunds import create_refund
from webview.payments.results import verify_result_link_access
from webview.payments.services import start_checkout, transaction_request
from webview.reconciliation.files import generate_day

LAUNCH = {"identify_code": "cert-user", "identify_phone": "0912345678", "product": "vip", "locale": "en"}


def created(stub: StubPartner, transaction_id: str = "TX-1") -> Reply:
    return Reply(body={"code": 0, "data": {"transaction_id": transaction_id,
                                           "payment_url": f"{stub.url}/pay/{transaction_id}"}})


def certify(client, wallet: SignedPartner, stub: StubPartner) -> Booking:
    """Run every certification item of an hmac partner through real exchanges; returns the order used."""
    partner = wallet.partner
    assert wallet.post(client, "/api/v1/webview-url", LAUNCH, secret=wallet.secret + "x").status_code == 401
    assert wallet.post(client, "/api/v1/webview-url", LAUNCH).get_json()["code"] == 0
    booking = hold_vip(partner)
    tid = f"TX-C{booking.id}"
    stub.script(created(stub, tid))
    start_checkout(booking)
    stub.script(created(stub, tid))
    gateway_for(partner).create_transaction(transaction_request(booking, "user-42"))
    db.session.commit()
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": tid, "status": "PENDING",
                                                "amount": booking.amount}}))
    gateway_for(partner).query_transaction(booking.reference)
    db.session.commit()
    for _ in range(2):
        assert wallet.ipn(client, booking, transaction_id=tid).get_json()["code"] == 0
    stub.script(Reply(body={"code": 0, "message": "success", "data": {}}))
    refund = create_refund(booking.reference, booking.amount // 2, "certification", settle_now=True)
    gateway_for(partner).refund(reference=booking.reference, transaction_id=tid, amount=refund.amount,
                                reason="certification (repeat)", request_id=refund.request_id)
    db.session.commit()
    timestamp = str(int(time.time() * 1000))
    assert verify_result_link_access(wallet.code, tid, timestamp, sign(
        wallet.client_id, wallet.secret, timestamp, f"{wallet.code}.{tid}".encode())) is not None
    db.session.commit()
    day = (utcnow() + timedelta(hours=7) - timedelta(days=3)).date()
    generate_day(partner, day)
    assert wallet.get(client, f"/api/v1/reconciliation?date={day:%Y%m%d}").status_code == 200
    return booking
