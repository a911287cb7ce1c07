"""The operator panel: look up, refund (partial, then the rest), cancel; bad input refused with nothing done."""

from __future__ import annotations

import re

import requests

from tests.sandbox.conftest import paid_order
from webview.demo import run_seed


def token(html: str, prefix: str) -> str:
    return re.search(rf'id="{prefix}-csrf_token" name="{prefix}-csrf_token" type="hidden" value="([^"]+)"',
                     html).group(1)


def test_bad_input_is_refused(client):
    page = client.get("/sandbox/operator/").get_data(as_text=True)
    assert 'data-testid="operator-refund-form"' in page
    refused = client.post("/sandbox/operator/refund", data={"refund-csrf_token": token(page, "refund"),
                                                             "refund-reference": "261125-X", "refund-amount": "-5",
                                                             "refund-reason": "x"})
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    no_reason = client.post("/sandbox/operator/cancel", data={"cancel-csrf_token": token(page, "cancel"),
                                                               "cancel-reference": "261125-X", "cancel-reason": ""})
    assert no_reason.status_code == 400
    assert client.post("/sandbox/operator/refund", data={"refund-reference": "x"}).status_code == 400  # no CSRF


def test_refund_partial_then_full_then_cancel(live_server_factory):
    server = live_server_factory()
    with server.app.app_context():
        run_seed()
    reference, amount = paid_order(server, identify_code="panel-user")
    browser = requests.Session()
    page = browser.get(f"{server.url}/sandbox/operator/?reference={reference}", timeout=10).text
    assert 'data-payment-status="SUCCESS"' in page

    partial = browser.post(f"{server.url}/sandbox/operator/refund", timeout=30, data={
        "refund-csrf_token": token(page, "refund"), "refund-reference": reference, "refund-amount": "2000",
        "refund-reason": "partial from the panel"})
    assert partial.status_code == 200 and 'data-payment-status="PARTIALLY_REFUNDED"' in partial.text
    assert 'data-testid="sandbox-flash"' in partial.text

    rest = browser.post(f"{server.url}/sandbox/operator/refund", timeout=30, data={
        "refund-csrf_token": token(partial.text, "refund"), "refund-reference": reference, "refund-amount": "",
        "refund-reason": "the rest"})
    assert 'data-payment-status="REFUNDED"' in rest.text and f'data-refunded-amount="{amount}"' in rest.text

    again = browser.post(f"{server.url}/sandbox/operator/refund", timeout=30, data={
        "refund-csrf_token": token(rest.text, "refund"), "refund-reference": reference, "refund-amount": "1",
        "refund-reason": "too much"})
    assert again.status_code == 409 and 'data-testid="operator-error"' in again.text

    unknown = browser.post(f"{server.url}/sandbox/operator/cancel", timeout=30, data={
        "cancel-csrf_token": token(rest.text, "cancel"), "cancel-reference": "261125-NOPE0000",
        "cancel-reason": "test"})
    assert unknown.status_code == 409 and "261125-NOPE0000" in unknown.text


def test_cancel_a_paid_booking_refunds_it_in_full(live_server_factory):
    server = live_server_factory()
    with server.app.app_context():
        run_seed()
    reference, amount = paid_order(server, identify_code="cancel-user")
    browser = requests.Session()
    page = browser.get(f"{server.url}/sandbox/operator/?reference={reference}", timeout=10).text
    cancelled = browser.post(f"{server.url}/sandbox/operator/cancel", timeout=30, data={
        "cancel-csrf_token": token(page, "cancel"), "cancel-reference": reference, "cancel-reason": "operator test"})
    assert cancelled.status_code == 200, cancelled.text
    assert 'data-booking-status="CANCELLED"' in cancelled.text and 'data-payment-status="REFUNDED"' in cancelled.text
    assert f'data-refunded-amount="{amount}"' in cancelled.text
