# ruff: noqa: F811  (pytest fixtures imported from tests.web.test_checkout are requested by parameter name)
"""The result screen asks a pending payment's partner with one short try; the poller keeps the long budget."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import update

from tests.payments.stub_partner import Reply
from tests.web.test_checkout import created, fast_http, make_shopper, queried, shopper, stub  # noqa: F401
from tests.web.test_result import age_handoff, paid_order, statuses
from webview.db import utcnow
from webview.extensions import db
from webview.payments.models import PaymentCheck
from webview.payments.poller import poll_pending_payments

LONG = {"PARTNER_CONNECT_TIMEOUT": 3.05, "PARTNER_READ_TIMEOUT": 10.0, "PARTNER_RETRIES": 2,
        "PARTNER_BACKOFF_SECONDS": 0.0}


@pytest.fixture
def partner_calls(monkeypatch) -> list[tuple[str, object]]:
    """(url, timeout) of every call the gateway makes, still sent for real."""
    calls: list[tuple[str, object]] = []
    send = requests.Session.request

    def recording(self, method, url, *args, **kwargs):
        calls.append((url, kwargs.get("timeout")))
        return send(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", recording)
    return calls


def queries(calls: list[tuple[str, object]]) -> list[object]:
    return [timeout for url, timeout in calls if "/transactions/query" in url]


@pytest.mark.parametrize("path", ["/w/result?reference={reference}", "/w/orders/{reference}/status.json"])
def test_the_result_screen_asks_a_slow_partner_once_and_briefly(app, shopper, stub, partner_calls, path):
    booking = paid_order(shopper, stub)
    age_handoff(booking)
    app.config.update(LONG)  # the partner budget every other path keeps: 3 tries of up to 13 s
    stub.script(Reply(body=queried("SUCCESS", booking.amount).body, delay_s=2.5))  # slower than the screen waits
    response = shopper.client.get(path.format(reference=booking.reference))
    assert response.status_code == 200
    if path.endswith("status.json"):
        assert response.get_json()["payment_status"] == "PENDING"
    else:
        assert statuses(response.get_data(as_text=True)) == ("BOOKED", "PENDING", "PENDING")
    (timeout,) = queries(partner_calls)  # one attempt, no retry
    connect, read = timeout
    assert connect + read <= 3.0


def test_the_screen_budget_never_exceeds_the_partner_timeouts(app, shopper, stub, partner_calls):
    booking = paid_order(shopper, stub)
    age_handoff(booking)
    app.config.update(LONG, PARTNER_CONNECT_TIMEOUT=0.5, PARTNER_READ_TIMEOUT=0.5)
    stub.script(Reply(status=503, body=b"busy"))
    shopper.client.get(f"/w/result?reference={booking.reference}")
    assert queries(partner_calls) == [(0.5, 0.5)]


def test_the_poller_keeps_the_long_budget(app, shopper, stub, partner_calls):
    booking = paid_order(shopper, stub)
    app.config.update(LONG)
    stub.script(Reply(status=503, body=b"busy"))
    db.session.execute(update(PaymentCheck).where(PaymentCheck.booking_id == booking.id).values(
        next_check_at=utcnow()))
    db.session.commit()
    assert poll_pending_payments() == 1
    assert queries(partner_calls) == [(3.05, 10.0)] * 3
