"""The `standard` preset is today's hmac profile byte for byte: our create, query and refund calls to a standard
styled partner are the very bytes the hmac gateway sends (method, URL, headers, body), and the answers are read the
same way."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.payments.factories import hmac_partner
from webview.payments.gateway import CallBudget, HmacGateway, TransactionRequest
from webview.styles.gateway import StyledGateway
from webview.styles.presets import preset

FIXED = datetime(2026, 11, 30, 7, 30, 5, 123000, tzinfo=UTC)


class Recorder:
    """Answers like a partner and keeps every request exactly as it would go on the wire."""

    def __init__(self, answer: dict) -> None:
        self.answer = answer
        self.sent: list[tuple] = []

    def request(self, method, url, data=None, headers=None, timeout=None, allow_redirects=False):
        self.sent.append((method, url, tuple(headers.items()), data))
        return type("Response", (), {"status_code": 200, "content": json.dumps(self.answer).encode()})()


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("time.time", lambda: FIXED.timestamp())
    monkeypatch.setattr("webview.styles.gateway.datetime", FrozenDatetime)
    monkeypatch.setattr("webview.payments.gateway.outbound_request_id", lambda: "req-fixed")


def both(partner, answer: dict):
    hmac_side, styled_side = Recorder(answer), Recorder(answer)
    budget = CallBudget(1, 1, 0)
    return (HmacGateway(partner, http=hmac_side, budget=budget), hmac_side,
            StyledGateway(partner, http=styled_side, budget=budget, style=preset("standard")), styled_side)


def test_create_query_and_refund_are_byte_identical_to_the_hmac_profile(app, frozen):
    partner = hmac_partner("http://127.0.0.1:5000/sandbox/partner/id", code="ident").partner
    request = TransactionRequest(reference="261130-7QK4M2XD", amount=150000, description="Vé máy bay HAN → SGN",
                                 expires_at=FIXED + timedelta(minutes=20), identify_code="user-42", product="vip")
    hmac_gw, hmac_wire, styled_gw, styled_wire = both(
        partner, {"code": 0, "message": "success", "data": {"transaction_id": "T-1", "status": "SUCCESS",
                                                            "amount": 150000}})
    created = hmac_gw.create_transaction(request), styled_gw.create_transaction(request)
    queried = hmac_gw.query_transaction(request.reference), styled_gw.query_transaction(request.reference)
    refunded = [gateway.refund(reference=request.reference, transaction_id="T-1", amount=50000, reason="đổi ý",
                               request_id="R-1") for gateway in (hmac_gw, styled_gw)]
    assert len(hmac_wire.sent) == 3
    assert styled_wire.sent == hmac_wire.sent  # method, URL, every header in order, body bytes
    assert created[0].transaction_id == created[1].transaction_id == "T-1"
    assert (queried[0].status, queried[0].amount) == (queried[1].status, queried[1].amount) == ("SUCCESS", 150000)
    assert refunded[0] == refunded[1]


@pytest.mark.parametrize("answer", [
    {"code": 3, "message": "not found"},
    {"code": 6, "message": "closed"},
])
def test_refusals_and_not_found_read_the_same(app, frozen, answer):
    partner = hmac_partner("http://127.0.0.1:5000/sandbox/partner/id", code="ident").partner
    hmac_gw, _, styled_gw, _ = both(partner, answer)
    outcomes = []
    for gateway in (hmac_gw, styled_gw):
        try:
            outcomes.append(("answer", gateway.query_transaction("261130-7QK4M2XD")))
        except Exception as error:
            outcomes.append(("error", type(error).__name__, getattr(error, "code", None)))
    assert outcomes[0] == outcomes[1]
    refunds = [gateway.refund(reference="261130-7QK4M2XD", transaction_id="T", amount=1, reason="r",
                              request_id="R") for gateway in (hmac_gw, styled_gw)]
    assert refunds[0].state == refunds[1].state and refunds[0].code == refunds[1].code
