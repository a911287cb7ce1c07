"""Sandbox fixtures: a demo partner known to the sandbox, and a merchant that signs with the sandbox's protocol."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest

from sandbox.credentials import upsert_credentials
from sandbox.protocol import hmac_auth
from tests.live import live_server, live_server_factory  # noqa: F401  (fixtures)
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
