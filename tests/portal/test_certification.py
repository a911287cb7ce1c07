"""The certification checklist turns green from what the merchant observed the partner's own integration do:
real signed API calls through the test client (launch, refusal, IPN twice, reconciliation fetch), the merchant's
real gateway calls to a scripted partner on loopback (create twice, query, refund twice) and the signed result link.
"""

from __future__ import annotations

import pytest

from tests.payments.factories import SignedPartner, hmac_partner, hold_vip
from tests.payments.stub_partner import Reply, StubPartner
from tests.portal.certify import LAUNCH, certify, created
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.partners.services import PartnerSpec, create_partner
from webview.payments.gateway import gateway_for
from webview.payments.services import start_checkout, transaction_request
from webview.portal.certification import (
    GREEN,
    GREY,
    RED,
    CertificationError,
    evaluate_checklist,
    evidence_message,
)


@pytest.fixture
def stub():
    """A scripted partner HTTP server on loopback (the partner's own endpoints)."""
    server = StubPartner()
    yield server
    server.stop()


@pytest.fixture
def fast_partner_http(app):
    app.config.update(PARTNER_CONNECT_TIMEOUT=1.0, PARTNER_READ_TIMEOUT=2.0, PARTNER_RETRIES=1,
                      PARTNER_BACKOFF_SECONDS=0.0)
    return app


@pytest.fixture
def wallet(app, stub, fast_partner_http) -> SignedPartner:
    return hmac_partner(stub.url, code="own-wallet")


def statuses(checklist) -> dict[str, str]:
    return {item.item_id: item.status for item in checklist.items}


def test_a_new_partner_starts_grey_and_cannot_request_go_live(wallet):
    checklist = evaluate_checklist(wallet.partner)
    assert set(statuses(checklist).values()) == {GREY}
    assert not checklist.required_green and "launch" in checklist.missing


def test_the_whole_checklist_turns_green_from_observed_exchanges(client, wallet, stub):
    partner = wallet.partner
    # a launch signed with a wrong secret is refused: refusals red until a correct one follows
    refused = wallet.post(client, "/api/v1/webview-url", LAUNCH, secret=wallet.secret + "x")
    assert refused.status_code == 401
    found = statuses(evaluate_checklist(partner))
    assert found["launch"] == RED and found["refusals"] == RED
    assert wallet.post(client, "/api/v1/webview-url", LAUNCH).get_json()["code"] == 0
    checklist = evaluate_checklist(partner)
    assert statuses(checklist)["launch"] == GREEN and statuses(checklist)["refusals"] == GREEN
    assert checklist.item("refusals").evidence_message_id == db.session.scalar(
        db.select(PartnerMessage.id).where(PartnerMessage.status_code == 401))

    # the merchant's create call, then the same call repeated: the same transaction both times
    booking = hold_vip(partner)
    stub.script(created(stub))
    start_checkout(booking)
    assert statuses(evaluate_checklist(partner))["create"] == GREEN
    assert statuses(evaluate_checklist(partner))["create-repeat"] == GREY
    stub.script(created(stub))
    gateway_for(partner).create_transaction(transaction_request(booking, "user-42"))
    db.session.commit()
    checklist = evaluate_checklist(partner)
    assert checklist.item("create-repeat").status == GREEN
    assert evidence_message(partner, checklist.item("create-repeat").evidence_message_id).kind == \
        "create-transaction"

    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "TX-1", "status": "PENDING",
                                                "amount": booking.amount}}))
    gateway_for(partner).query_transaction(booking.reference)
    db.session.commit()

    # the partner's IPN, and the same IPN again
    assert wallet.ipn(client, booking, transaction_id="TX-1").get_json()["code"] == 0
    assert statuses(evaluate_checklist(partner))["duplicate-status"] == GREY
    assert wallet.ipn(client, booking, transaction_id="TX-1").get_json()["code"] == 0

    # the refund and its repeat, the result link, the reconciliation fetch: the rest of the run
    last = certify(client, wallet, stub)

    checklist = evaluate_checklist(partner)
    assert statuses(checklist) == {item: GREEN for item in statuses(checklist)}, checklist.as_dict()
    assert checklist.required_green and checklist.missing == []
    assert checklist.item("result-link").evidence_reference == last.reference
    for item in checklist.items:
        if item.evidence_message_id is not None:
            assert evidence_message(partner, item.evidence_message_id) is not None, item


def test_a_repeated_create_answering_another_transaction_is_red(wallet, stub):
    booking = hold_vip(wallet.partner)
    stub.script(created(stub, "TX-1"))
    start_checkout(booking)
    stub.script(created(stub, "TX-2"))
    gateway_for(wallet.partner).create_transaction(transaction_request(booking, "user-42"))
    db.session.commit()
    item = evaluate_checklist(wallet.partner).item("create-repeat")
    assert item.status == RED and "TX-1" in item.detail and "TX-2" in item.detail


def test_evidence_and_items_never_cross_partners(client, wallet, stub):
    other = hmac_partner(stub.url, code="other-wallet")
    assert other.post(client, "/api/v1/webview-url", LAUNCH).get_json()["code"] == 0
    assert statuses(evaluate_checklist(wallet.partner))["launch"] == GREY
    theirs = evaluate_checklist(other.partner).item("launch").evidence_message_id
    assert evidence_message(other.partner, theirs) is not None
    assert evidence_message(wallet.partner, theirs) is None


def test_envelope_items_that_do_not_apply_are_not_required(app):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    partner, _ = create_partner(PartnerSpec(
        code="travel-co", name="Travel Co", profile="envelope", public_key=pem, admin_name="Ops",
        admin_email="ops@travel.example", payment_url="http://127.0.0.1:5000/pay", return_hosts=("127.0.0.1",)))
    db.session.commit()
    checklist = evaluate_checklist(partner)
    skipped = {item.item_id for item in checklist.items if not item.applies}
    assert skipped == {"create", "create-repeat", "query", "refund", "refund-repeat"}
    assert all(not item.required for item in checklist.items if not item.applies)


def test_a_production_partner_is_not_certified_here(app):
    partner, _ = create_partner(PartnerSpec(
        code="prod-wallet", name="Prod", environment="production", admin_name="Ops", admin_email="ops@w.example",
        create_transaction_url="https://api.wallet.vn/tx", query_transaction_url="https://api.wallet.vn/q",
        refund_url="https://api.wallet.vn/r", payment_url="https://pay.wallet.vn/checkout"))
    with pytest.raises(CertificationError, match="sandbox environment"):
        evaluate_checklist(partner)
