"""GET /api/v1/transaction: the order's status for the partner that owns it."""

from __future__ import annotations

import pytest

from tests.payments.factories import hmac_partner, hold_vip, run_jobs


@pytest.fixture
def wallet(app):
    return hmac_partner()


def target(reference: str) -> str:
    return f"/api/v1/transaction?reference_transaction_id={reference}"


def test_pending_then_success(client, wallet):
    booking = hold_vip(wallet.partner)
    reference, amount = booking.reference, booking.amount
    response = wallet.get(client, target(reference))
    assert response.status_code == 200
    assert response.get_json() == {"code": 0, "message": "success", "data": {
        "reference_transaction_id": reference, "partner_transaction_id": None, "status": "PENDING",
        "amount": amount, "booking_status": "BOOKED", "payment_status": "PENDING", "issue_status": "PENDING",
        "refunded_amount": 0}}
    wallet.ipn(client, reference, amount=amount, transaction_id="SBX-9")
    run_jobs()
    data = wallet.get(client, target(reference)).get_json()["data"]
    assert (data["status"], data["partner_transaction_id"], data["issue_status"]) == ("SUCCESS", "SBX-9", "SUCCESS")


def test_failure_is_reported_as_failure(client, wallet):
    booking = hold_vip(wallet.partner)
    wallet.ipn(client, booking, "FAILURE")
    assert wallet.get(client, target(booking.reference)).get_json()["data"]["status"] == "FAILURE"


def test_unknown_and_other_partners(client, wallet):
    other = hmac_partner(code="wallet-two")
    booking = hold_vip(wallet.partner)
    assert wallet.get(client, target("261122-NOPE1234")).get_json()["code"] == 3
    assert other.get(client, target(booking.reference)).get_json() == {
        "code": 4, "message": "transaction does not belong to this partner"}


@pytest.mark.parametrize("path", ["/api/v1/transaction", "/api/v1/transaction?reference_transaction_id=",
                                  "/api/v1/transaction?reference_transaction_id=" + "A" * 41,
                                  "/api/v1/transaction?reference_transaction_id=a%7Cb",
                                  "/api/v1/transaction?reference_transaction_id=A&x=1"])
def test_bad_queries_are_1(client, wallet, path):
    response = wallet.get(client, path)
    assert response.status_code == 400
    assert response.get_json()["data"]["fields"] == ["reference_transaction_id"]


def test_the_signature_covers_the_query(client, wallet):
    booking = hold_vip(wallet.partner)
    headers = wallet.headers(target("261122-OTHER123").encode())
    response = client.get(target(booking.reference), headers=headers)
    assert response.status_code == 401 and response.get_json()["code"] == 7
