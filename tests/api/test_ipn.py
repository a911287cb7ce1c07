"""POST /api/v1/payment/ipn: DESIGN.md's check order and codes, idempotency, late SUCCESS, cost, logging."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from tests.payments.conftest import StatementCounter
from tests.payments.factories import a_fare, hmac_partner, hold_flight, hold_vip, reload, run_jobs
from webview.booking.services import expire_due_holds
from webview.catalog.models import Fare
from webview.db import utcnow
from webview.emails.models import SentEmail
from webview.extensions import db
from webview.jobs import Job
from webview.messagelog.models import PartnerMessage
from webview.payments.models import PaymentEvent


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def wallet(app):
    return hmac_partner()


def test_success_pays_issues_and_emails_once(client, wallet):
    booking = hold_vip(wallet.partner)
    response = wallet.ipn(client, booking, transaction_id="SBX-42")
    assert response.status_code == 200
    assert response.get_json() == {"code": 0, "message": "success", "data": {"transaction_id": "SBX-42"}}
    paid = reload(booking)
    assert paid.statuses == ("BOOKED", "SUCCESS", "PENDING")
    assert paid.partner_transaction_id == "SBX-42"
    assert count(Job, Job.kind == "payments.issue") == 1

    again = wallet.ipn(client, booking, transaction_id="SBX-42")
    assert again.get_json()["code"] == 0
    assert count(Job, Job.kind == "payments.issue") == 1
    assert count(PaymentEvent) == 1

    run_jobs()
    issued = reload(booking)
    assert issued.statuses == ("BOOKED", "SUCCESS", "SUCCESS")
    assert issued.pnr.startswith("VIP") and len(issued.tickets) == 1
    assert [e.kind for e in db.session.scalars(select(SentEmail).order_by(SentEmail.id))] == ["held", "issued"]


def test_pending_changes_nothing(client, wallet):
    booking = hold_vip(wallet.partner)
    assert wallet.ipn(client, booking, "PENDING").get_json()["code"] == 0
    assert reload(booking).statuses == ("BOOKED", "PENDING", "PENDING")
    assert count(PaymentEvent) == 0


def test_failure_releases_the_hold_and_queues_payment_failed(client, wallet):
    fare = a_fare()
    booking = hold_flight(wallet.partner, fare)
    seats_after_hold = db.session.get(Fare, fare.id).seats_left
    assert wallet.ipn(client, booking, "FAILURE").get_json()["code"] == 0
    failed = reload(booking)
    assert failed.statuses == ("BOOKED", "FAILED", "PENDING")
    assert not failed.inventory_held
    assert db.session.get(Fare, fare.id).seats_left == seats_after_hold + 1
    assert count(Job, Job.key == f"email:payment_failed:{booking.reference}") == 1
    assert wallet.ipn(client, booking, "FAILURE").get_json()["code"] == 0  # repeat
    assert db.session.get(Fare, fare.id).seats_left == seats_after_hold + 1


def test_failure_after_success_is_6_and_changes_nothing(client, wallet):
    booking = hold_vip(wallet.partner)
    wallet.ipn(client, booking)
    response = wallet.ipn(client, booking, "FAILURE")
    assert response.status_code == 200 and response.get_json()["code"] == 6
    assert reload(booking).payment_status == "SUCCESS"


def test_success_after_failure_re_holds_when_it_can(client, wallet):
    fare = a_fare()
    booking = hold_flight(wallet.partner, fare)
    wallet.ipn(client, booking, "FAILURE")
    seats = db.session.get(Fare, fare.id).seats_left
    assert wallet.ipn(client, booking, "SUCCESS").get_json()["code"] == 0
    paid = reload(booking)
    assert paid.statuses == ("BOOKED", "SUCCESS", "PENDING") and paid.inventory_held
    assert db.session.get(Fare, fare.id).seats_left == seats - 1
    assert db.session.scalar(select(PaymentEvent.outcome).order_by(PaymentEvent.id.desc()).limit(1)) == "re-held"


def test_late_success_after_expiry_re_holds(client, wallet):
    booking = hold_flight(wallet.partner)
    expire_due_holds(booking.hold_expires_at)
    assert reload(booking).booking_status == "EXPIRED"
    assert wallet.ipn(client, booking).get_json()["code"] == 0
    assert reload(booking).statuses == ("BOOKED", "SUCCESS", "PENDING")


def test_late_success_without_inventory_is_6_with_a_refund_record(client, wallet):
    fare = a_fare()
    booking = hold_flight(wallet.partner, fare)
    expire_due_holds(booking.hold_expires_at)
    db.session.execute(Fare.__table__.update().where(Fare.id == fare.id).values(seats_left=0))
    db.session.commit()
    response = wallet.ipn(client, booking)
    assert response.get_json()["code"] == 6
    assert reload(booking).statuses == ("EXPIRED", "PENDING", "PENDING")
    assert db.session.scalar(select(PaymentEvent.outcome)) == "refused-must-refund"
    assert count(Job, Job.kind == "payments.issue") == 0


def test_a_second_payment_for_a_paid_booking_is_6(client, wallet):
    booking = hold_vip(wallet.partner)
    wallet.ipn(client, booking, transaction_id="SBX-1")
    assert wallet.ipn(client, booking, transaction_id="SBX-2").get_json()["code"] == 6
    assert reload(booking).partner_transaction_id == "SBX-1"


def test_unknown_other_partners_and_wrong_amount(client, wallet):
    other = hmac_partner(code="wallet-two")
    booking = hold_vip(wallet.partner)
    assert wallet.ipn(client, "261122-UNKNOWN1", amount=1).get_json()["code"] == 3
    assert other.ipn(client, booking).get_json()["code"] == 4
    wrong = wallet.ipn(client, booking, amount=booking.amount + 1000)
    assert wrong.status_code == 200 and wrong.get_json()["code"] == 5
    assert reload(booking).statuses == ("BOOKED", "PENDING", "PENDING")
    assert count(PaymentEvent) == 0
    codes = db.session.scalars(select(PartnerMessage.result_code).where(PartnerMessage.kind == "payment-ipn")
                               .order_by(PartnerMessage.id)).all()
    assert codes == ["3", "4", "5"]


def test_authentication_failures_are_7(client, wallet):
    booking = hold_vip(wallet.partner)
    bad = wallet.post(client, "/api/v1/payment/ipn", {"reference_transaction_id": booking.reference},
                      secret="not-the-secret")
    assert bad.status_code == 401 and bad.get_json()["code"] == 7
    stale = wallet.ipn(client, booking, timestamp_ms=int(time.time() * 1000) - 301_000)
    assert stale.status_code == 401 and stale.get_json()["code"] == 7
    raw = (b'{"reference_transaction_id":"%s","transaction_amount":%d,"transaction_id":"T1","status":"SUCCESS"}'
           % (booking.reference.encode(), booking.amount))
    headers = wallet.headers(raw)
    first = client.post("/api/v1/payment/ipn", data=raw, headers=headers, content_type="application/json")
    replay = client.post("/api/v1/payment/ipn", data=raw, headers=headers, content_type="application/json")
    assert first.get_json()["code"] == 0
    assert replay.status_code == 401 and replay.get_json()["code"] == 7
    verdicts = db.session.scalars(select(PartnerMessage.verdict).where(PartnerMessage.kind == "payment-ipn")
                                  .order_by(PartnerMessage.id)).all()
    assert verdicts[0].startswith("refused") and verdicts[-1] == "refused: replay"


@pytest.mark.parametrize("body, fields", [
    ({"transaction_amount": 1, "transaction_id": "T", "status": "SUCCESS"}, ["reference_transaction_id"]),
    ({"reference_transaction_id": "261122-AAAA", "transaction_amount": "100", "transaction_id": "T",
      "status": "SUCCESS"}, ["transaction_amount"]),
    ({"reference_transaction_id": "261122-AAAA", "transaction_amount": 1, "transaction_id": "T",
      "status": "PAID"}, ["status"]),
    ({"reference_transaction_id": "261122-AAAA", "transaction_amount": -1, "transaction_id": "a|b",
      "status": "SUCCESS"}, ["transaction_amount", "transaction_id"]),
    ({"reference_transaction_id": "261122-AAAA", "transaction_amount": 1, "transaction_id": "T",
      "status": "SUCCESS", "extra": 1}, ["extra"]),
])
def test_schema_errors_are_1_with_fields(client, wallet, body, fields):
    response = wallet.post(client, "/api/v1/payment/ipn", body)
    assert response.status_code == 400
    assert response.get_json()["code"] == 1
    assert sorted(response.get_json()["data"]["fields"]) == fields


def test_malformed_and_oversized_bodies(client, wallet):
    garbage = wallet.post(client, "/api/v1/payment/ipn", b"{not json")
    assert garbage.status_code == 400 and garbage.get_json()["code"] == 1
    huge = wallet.post(client, "/api/v1/payment/ipn", b'{"a":"' + b"x" * 70_000 + b'"}')
    assert huge.status_code == 413 and huge.get_json()["code"] == 1


def test_applying_an_ipn_takes_a_constant_number_of_statements(client, wallet):
    counts = []
    for n in range(3):
        booking = hold_vip(wallet.partner, identify_code=f"user-{n}")
        for _ in range(n * 3):  # more history on the later bookings must not cost more
            hold_vip(wallet.partner, identify_code=f"user-{n}")
        reference, amount = booking.reference, booking.amount
        with StatementCounter(db.engine) as counter:
            assert wallet.ipn(client, reference, amount=amount, transaction_id=f"T{n}").get_json()["code"] == 0
        counts.append(counter.count)
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 25, counts


def test_ipn_is_logged_with_canonical_and_reference(client, wallet):
    booking = hold_vip(wallet.partner)
    wallet.ipn(client, booking)
    logged = db.session.scalar(select(PartnerMessage).where(PartnerMessage.kind == "payment-ipn"))
    assert logged.direction == "inbound" and logged.reference == booking.reference
    assert logged.canonical and logged.result_code == "0" and "paid" in logged.verdict
    assert logged.created_at <= utcnow()
