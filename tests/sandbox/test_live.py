"""The sandbox over real HTTP: the merchant side calling its partner API, its IPNs, and the launch test API."""

from __future__ import annotations

import json
import time

import pytest
import requests
from sqlalchemy import select

from sandbox.protocol import hmac_auth
from webview.demo import run_seed
from webview.extensions import db
from webview.messagelog.models import PartnerMessage


@pytest.fixture
def seeded(live_server_factory):
    """A live app with the demo seed applied (the sandbox knows the demo partners' credentials)."""
    server = live_server_factory()
    with server.app.app_context():
        credentials = {entry["partner_code"]: entry for entry in run_seed()}
    return server, credentials


def test_partner_api_and_ipn_over_http(seeded):
    server, credentials = seeded
    partner = credentials["demo-deeplink"]
    body = json.dumps({
        "reference_transaction_id": "261125-LIVE0001", "amount": 990_000, "currency": "VND",
        "description": "VIP yearly", "ipn_url": f"{server.url}/api/v1/payment/ipn",
        "return_url": f"{server.url}/w/result?partner_code=demo-deeplink",
        "expires_at": int(time.time() * 1000) + 600_000, "customer": {"identify_code": "live-user"},
    }).encode()
    headers = {"Content-Type": "application/json",
               **hmac_auth.signed_headers(partner["client_id"], partner["client_secret"], body)}
    created = requests.post(f"{server.url}/sandbox/partner/demo-deeplink/transactions", data=body, headers=headers,
                            timeout=10)
    assert created.status_code == 200, created.text
    transaction_id = created.json()["data"]["transaction_id"]
    assert created.json()["data"]["deeplink"].startswith("sandboxpay://pay?transaction_id=")
    replay_other_partner = requests.post(f"{server.url}/sandbox/partner/demo-redirect/transactions", data=body,
                                         headers=headers, timeout=10)
    assert replay_other_partner.status_code == 401

    approved = requests.post(f"{server.url}/sandbox/api/transactions/{transaction_id}/approve", json={}, timeout=30)
    assert approved.status_code == 200 and approved.json()["status"] == "SUCCESS"
    [ipn] = approved.json()["ipn"]
    assert ipn["http_status"] == 200  # the merchant applied it
    with server.app.app_context():
        kinds = [(m.direction, m.kind) for m in db.session.scalars(
            select(PartnerMessage).where(PartnerMessage.partner_code == "demo-deeplink").order_by(PartnerMessage.id))]
    assert ("sandbox-inbound", "create") in kinds and ("sandbox-outbound", "ipn") in kinds


@pytest.mark.parametrize("partner_code", ["demo-redirect", "demo-deeplink", "demo-bridge", "demo-envelope",
                                          "demo-legacy"])
def test_launch_test_api_opens_the_webview(seeded, partner_code):
    server, _ = seeded
    response = requests.post(f"{server.url}/sandbox/api/launch", timeout=30, json={
        "partner_code": partner_code, "identify_code": "live-user", "identify_phone": "0912345678",
        "product": "hotel", "locale": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["url_open"].startswith(f"{server.url}/w/launch?token=")
    if partner_code.startswith("demo-env") or partner_code == "demo-legacy":
        assert body["url_checkout_result"] is None
    else:
        assert body["url_checkout_result"] == f"{server.url}/w/result?partner_code={partner_code}"
    assert requests.get(body["url_open"], allow_redirects=False, timeout=10).status_code in (302, 303)


def test_launch_test_api_passes_refusals_through(seeded):
    server, _ = seeded
    response = requests.post(f"{server.url}/sandbox/api/launch", timeout=30, json={
        "partner_code": "demo-redirect", "identify_code": "live-user", "identify_phone": "0912345678",
        "theme": {"button_color": "red"}})
    assert response.status_code == 400 and response.json()["code"] == 1
