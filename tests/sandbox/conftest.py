"""Sandbox fixtures: a demo partner known to the sandbox, and a merchant that signs with the sandbox's protocol."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.credentials import upsert_credentials
from sandbox.exchange import HttpResult
from sandbox.protocol import hmac_auth
from tests.live import live_server, live_server_factory  # noqa: F401  (fixtures)
from webview.demo import run_seed
from webview.extensions import db

PARTNER = {
    "partner_code": "sbx-wallet", "client_id": "7f1d2c9e-0b4a-4c52-9d0e-3f1a2b3c4d5e",
    "client_secret": "sandbox-test-secret-0123456789abcdef0123456789abcdef", "api_key": "api-key-1",
    "access_code": "access-1", "merchant_public_key_pem": "", "profile": "hmac", "suite": "modern",
    "handoff": "deeplink",
}


@dataclass
class Merchant:
    """Calls the sandbox partner's APIs as the merchant would, signed with the partner's credentials."""

    client: object
    code: str
    client_id: str
    secret: str

    def post(self, path: str, body: dict | bytes, *, timestamp_ms: int | None = None, secret: str | None = None,
             headers: dict | None = None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        signed = hmac_auth.signed_headers(self.client_id, secret or self.secret, raw, timestamp_ms)
        return self.client.post(path, data=raw, content_type="application/json", headers={**signed, **(headers or {})})

    def get(self, target: str, *, timestamp_ms: int | None = None):
        signed = hmac_auth.signed_headers(self.client_id, self.secret, hmac_auth.request_target(target), timestamp_ms)
        return self.client.get(target, headers=signed)

    def create(self, reference: str = "261125-ABCD1234", amount: int = 1_250_000, **extra):
        body = {
            "reference_transaction_id": reference, "amount": amount, "currency": "VND",
            "description": "Flight HAN-SGN", "ipn_url": "http://127.0.0.1:5000/api/v1/payment/ipn",
            "return_url": f"http://127.0.0.1:5000/w/result?partner_code={self.code}",
            "expires_at": int(time.time() * 1000) + 900_000, "customer": {"identify_code": "user-42"}, **extra,
        }
        return self.post(f"/sandbox/partner/{self.code}/transactions", body)


@pytest.fixture
def sandbox_partner(app) -> dict:
    """A demo hmac partner (deep-link handoff) stored in the sandbox."""
    upsert_credentials([PARTNER])
    db.session.commit()
    return dict(PARTNER)


@pytest.fixture
def merchant(client, sandbox_partner) -> Merchant:
    return Merchant(client, sandbox_partner["partner_code"], sandbox_partner["client_id"],
                    sandbox_partner["client_secret"])


class FakeMerchant:
    """Stands in for the network: records what the sandbox sends and answers as told."""

    def __init__(self, answer=None):
        self.calls = []
        self.answer = answer or (lambda method, url, headers, body: HttpResult(404, b"", None, 1))

    def __call__(self, method, url, *, headers, body=None, timeout=None):
        self.calls.append((method, url, headers, body))
        return self.answer(method, url, headers, body)


@pytest.fixture
def fake_merchant(monkeypatch):
    fake = FakeMerchant()
    monkeypatch.setattr("sandbox.exchange.send", fake)
    return fake


@pytest.fixture(scope="session")
def envelope_key_pair():
    """(partner key, merchant key): made once per run, RSA 2048."""
    return (rsa.generate_private_key(public_exponent=65537, key_size=2048),
            rsa.generate_private_key(public_exponent=65537, key_size=2048))


def pem(key, private: bool) -> str:
    if private:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def store_envelope_partner(keys, suite: str = "modern", code: str = "sbx-travel") -> dict:
    """An envelope partner in the sandbox, with the given key pair."""
    partner_key, merchant_key = keys
    record = {"partner_code": code, "client_id": "c", "client_secret": "s", "api_key": "api-key-2",
              "access_code": "ACCESS-2", "profile": "envelope", "suite": suite, "handoff": "redirect",
              "partner_private_key_pem": pem(partner_key, True), "merchant_public_key_pem": pem(merchant_key, False)}
    upsert_credentials([record])
    db.session.commit()
    return record


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL for browser tests (they use the live server's absolute URLs); this also replaces
    pytest-playwright's fallback fixture, which pytest 9 deprecates."""
    return None


def paid_order(server, partner_code: str = "demo-redirect", identify_code: str = "paid-user") -> tuple[str, int]:
    """A held VIP booking of a seeded demo hmac partner, paid through the sandbox over HTTP: (reference, amount)."""
    import requests

    from tests.payments import factories
    from webview.partners.services import find_partner
    from webview.payments import services

    with server.app.app_context():
        booking = factories.hold_vip(find_partner(partner_code), identify_code=identify_code)
        reference, amount = booking.reference, booking.amount
        handoff = services.start_checkout(booking)
        db.session.commit()
    transaction_id = handoff.url.rsplit("/", 1)[-1]
    approved = requests.post(f"{server.url}/sandbox/api/transactions/{transaction_id}/approve", json={}, timeout=30)
    assert approved.json()["ipn"][0]["code"] == 0, approved.text
    return reference, amount


@pytest.fixture
def site(live_server_factory):  # noqa: F811  (the fixture imported above)
    """A live server with the demo partners seeded, and their credentials by partner code."""
    server = live_server_factory()
    with server.app.app_context():
        credentials = {entry["partner_code"]: entry for entry in run_seed()}
    return server, credentials
