"""The envelope partner's payment page: the sealed place-order redirect, then commit / query-trans with faults."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from sandbox.exchange import HttpResult
from sandbox.models import SandboxTransaction
from sandbox.protocol import envelope
from tests.sandbox.conftest import store_envelope_partner
from webview.extensions import db
from webview.messagelog.models import PartnerMessage

BOOKING = "261125-ENVL0001"
RETURN_URL = "http://127.0.0.1:5000/w/result?partner_code=sbx-travel&ticket=r1"


@pytest.fixture(params=envelope.SUITES)
def travel(request, app, envelope_key_pair):
    """An envelope partner (both suites) and the keys to play the merchant with."""
    record = store_envelope_partner(envelope_key_pair, request.param)
    return {"suite": request.param, "record": record, "partner_key": envelope_key_pair[0],
            "merchant_key": envelope_key_pair[1]}


def place_order_url(travel, *, amount: str = "1990000", access_code: str = "ACCESS-2", timestamp_ms=None,
                    booking: str = BOOKING) -> str:
    sealed = envelope.seal(envelope.PLACE_ORDER, travel["suite"], {
        "access_code": access_code, "booking_number": booking, "product_type": "AIR", "total_amount": amount},
        sender_private=travel["merchant_key"], receiver_public=travel["partner_key"].public_key(),
        timestamp_ms=timestamp_ms)
    return "/sandbox/partner/sbx-travel/pay?" + urlencode(sealed.as_body())


class EnvelopeMerchant:
    """Opens what the sandbox sends to commit / query-trans and answers sealed, as the merchant would."""

    def __init__(self, travel, error_code: str = "00"):
        self.travel, self.error_code, self.opened = travel, error_code, []

    def __call__(self, method, url, headers, body):
        travel, sent = self.travel, json.loads(body)
        spec = envelope.COMMIT_REQUEST if url.endswith("/commit") else envelope.QUERY_TRANS_REQUEST
        try:
            fields = envelope.open_sealed(spec, travel["suite"], sent["key"], sent["data"],
                                          receiver_private=travel["merchant_key"],
                                          sender_public=travel["partner_key"].public_key())
        except envelope.EnvelopeError as error:
            self.opened.append((url.rsplit("/", 1)[-1], error.error_code))
            return HttpResult(401, json.dumps({"error_code": "04"}).encode(), None, 3)
        self.opened.append((url.rsplit("/", 1)[-1], fields))
        code = self.error_code if spec is envelope.COMMIT_REQUEST else "09"
        reply = envelope.seal(envelope.TRANS_RESPONSE, travel["suite"], {
            "access_code": "ACCESS-2", "booking_number": fields["booking_number"], "error_code": code,
            "product_type": "AIR", "properties": "{}", "return_url": RETURN_URL, "total_amount": "1990000"},
            sender_private=travel["merchant_key"], receiver_public=travel["partner_key"].public_key())
        return HttpResult(200, json.dumps(reply.as_body()).encode(), None, 3)


def open_payment(client, travel) -> str:
    response = client.get(place_order_url(travel))
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_place_order_opens_a_wallet_payment_and_strips_the_envelope(client, travel):
    location = open_payment(client, travel)
    assert re.fullmatch(r"/sandbox/pay/SBX[0-9A-F]{12}", location)
    transaction = db.session.scalar(select(SandboxTransaction).filter_by(reference_transaction_id=BOOKING))
    assert (transaction.amount, transaction.status, transaction.partner_code) == (1_990_000, "PENDING", "sbx-travel")
    assert transaction.ipn_url == "http://127.0.0.1:5000/api/v1/partner/commit"
    page = client.get(location).get_data(as_text=True)
    assert BOOKING in page and 'data-amount="1990000"' in page and 'data-testid="sandbox-pin"' in page
    assert 'data-testid="sandbox-knob-wrong-amount"' not in page  # hmac-only knob hidden
    assert open_payment(client, travel) == location  # the same order again: the same payment
    logged = db.session.scalars(select(PartnerMessage).filter_by(kind="place-order")).all()
    assert logged[0].verdict.startswith("signature ok") and "ACCESS-2" not in logged[0].canonical
    assert "key=%5Bredacted%5D" in logged[0].url or "key=[redacted]" in logged[0].url


def test_refused_place_orders_show_why_and_open_nothing(client, travel):
    good = place_order_url(travel)
    tampered = good.replace("data=", "data=AAAA", 1)
    cases = {
        "signature": tampered,
        "malformed": "/sandbox/partner/sbx-travel/pay",
        "access_code": place_order_url(travel, access_code="SOMEONE-ELSE"),
    }
    if travel["suite"] == "modern":
        cases["stale"] = place_order_url(travel, timestamp_ms=int(time.time() * 1000) - 600_000)
    for reason, url in cases.items():
        response = client.get(url)
        assert response.status_code == 400, reason
        assert f'data-reason="{reason}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(SandboxTransaction)) is None
    assert client.get("/sandbox/partner/nobody/pay").status_code == 404
    client.get(good)
    response = client.get(place_order_url(travel, amount="5"))
    assert response.status_code == 400 and 'data-reason="amount"' in response.get_data(as_text=True)


def test_approve_commits_and_returns_through_the_merchants_return_url(client, travel, fake_merchant):
    merchant = EnvelopeMerchant(travel)
    fake_merchant.answer = merchant
    location = open_payment(client, travel)
    response = client.post(location, data={"csrf_token": csrf(client, location), "pin": "123456", "approve": "1"})
    assert response.status_code == 303 and response.headers["Location"] == RETURN_URL
    [(method, url, headers, _)] = fake_merchant.calls
    assert method == "POST"
    assert url == "http://127.0.0.1:5000/api/v1/partner/commit"
    assert headers["apikey"] == "api-key-2" and headers["x-ibe-req-name"] == "ACCESS-2"
    [(_, fields)] = merchant.opened
    transaction_id = location.rsplit("/", 1)[-1]
    assert (fields["booking_number"], fields["partner_trans_id"], fields["product_type"]) == \
        (BOOKING, transaction_id, "AIR")
    logged = db.session.scalar(select(PartnerMessage).filter_by(kind="commit"))
    assert logged.direction == "sandbox-outbound" and logged.status_code == 200
    assert "[redacted]" in logged.canonical and logged.reference == BOOKING
    closed = client.get(location).get_data(as_text=True)
    assert 'data-status="SUCCESS"' in closed and RETURN_URL.replace("&", "&amp;") in closed


def test_decline_commits_nothing_and_asks_query_trans_for_the_way_back(client, travel, fake_merchant):
    merchant = EnvelopeMerchant(travel)
    fake_merchant.answer = merchant
    location = open_payment(client, travel)
    response = client.post(location, data={"csrf_token": csrf(client, location), "decline": "1"})
    assert response.status_code == 303 and response.headers["Location"] == RETURN_URL
    assert [name for name, _ in merchant.opened] == ["query-trans"]


def test_commit_faults(client, travel, fake_merchant):
    merchant = EnvelopeMerchant(travel)
    fake_merchant.answer = merchant
    location = open_payment(client, travel)
    transaction_id = location.rsplit("/", 1)[-1]
    faults = {"duplicate": 2, "bad_signature": True}
    if travel["suite"] == "modern":
        faults["stale_timestamp"] = True
    answer = client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={"faults": faults})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert [sent["code"] for sent in body["ipn"]] == ["04", "04", "04"]
    assert [name for name, _ in merchant.opened] == ["commit"] * 3 + ["query-trans"]
    assert body["result_url"] == RETURN_URL


def test_drop_and_hmac_only_faults(client, travel, fake_merchant):
    merchant = EnvelopeMerchant(travel)
    fake_merchant.answer = merchant
    transaction_id = open_payment(client, travel).rsplit("/", 1)[-1]
    for faults in ({"wrong_amount": True}, {"reorder": True}):
        refused = client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={"faults": faults})
        assert refused.status_code == 400 and refused.get_json()["fields"] == ["faults"]
    if travel["suite"] == "legacy":
        refused = client.post(f"/sandbox/api/transactions/{transaction_id}/approve",
                              json={"faults": {"stale_timestamp": True}})
        assert refused.status_code == 400
    assert fake_merchant.calls == []
    dropped = client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={"faults": {"drop": True}})
    assert dropped.status_code == 200 and dropped.get_json()["ipn"] == []
    assert [name for name, _ in merchant.opened] == ["query-trans"]
    assert db.session.scalar(select(PartnerMessage).filter_by(kind="commit")).verdict == "not sent (drop fault)"


def test_delay_delivers_later_in_the_background(app, client, travel, fake_merchant):
    merchant = EnvelopeMerchant(travel)
    fake_merchant.answer = merchant
    transaction_id = open_payment(client, travel).rsplit("/", 1)[-1]
    answer = client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={"faults": {"delay_s": 1}})
    assert answer.get_json()["scheduled"] is True and answer.get_json()["ipn"] == []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [n for n, _ in merchant.opened].count("commit") < 1:
        time.sleep(0.1)
    assert [name for name, _ in merchant.opened] == ["query-trans", "commit"]
