"""Partner fixtures made through the public onboarding CLI, and a signing client written from DESIGN.md."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import pytest


def partner_sign(client_id: str, secret: str, timestamp: str, message: bytes) -> str:
    """DESIGN.md hmac profile, written independently of webview.signing."""
    payload = base64.urlsafe_b64encode(f"{timestamp}.{client_id}.".encode() + message).rstrip(b"=")
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


@dataclass
class HmacPartner:
    """A registered hmac partner and its plaintext credentials (as printed once by the CLI)."""

    code: str
    client_id: str
    client_secret: str
    api_key: str
    access_code: str

    def headers(self, message: bytes, timestamp_ms: int | None = None, secret: str | None = None) -> dict:
        timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        return {
            "X-Client-Id": self.client_id,
            "X-Timestamp": timestamp,
            "X-Signature": partner_sign(self.client_id, secret or self.client_secret, timestamp, message),
        }

    def post(self, client, path: str, body: dict | bytes, **kwargs):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {**self.headers(raw, kwargs.pop("timestamp_ms", None)), **kwargs.pop("headers", {})}
        return client.post(path, data=raw, headers=headers, content_type="application/json", **kwargs)

    def get(self, client, target: str, **kwargs):
        headers = {**self.headers(target.encode(), kwargs.pop("timestamp_ms", None)), **kwargs.pop("headers", {})}
        return client.get(target, headers=headers, **kwargs)


def create_partner_via_cli(runner, *args: str) -> dict:
    """Run `flask partners create ... --json` and return what it printed."""
    result = runner.invoke(args=["partners", "create", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def hmac_partner(app, runner) -> HmacPartner:
    """An active sandbox hmac partner with redirect handoff."""
    issued = create_partner_via_cli(
        runner,
        "--code", "wallet-one", "--name", "Wallet One", "--environment", "sandbox", "--profile", "hmac",
        "--handoff", "redirect", "--admin-name", "Ops", "--admin-email", "ops@wallet.example",
        "--admin-phone", "0912345678",
        "--create-transaction-url", "http://127.0.0.1:5000/sandbox/partner/wallet-one/transactions",
        "--query-transaction-url", "http://127.0.0.1:5000/sandbox/partner/wallet-one/transactions/query",
        "--refund-url", "http://127.0.0.1:5000/sandbox/partner/wallet-one/refunds",
        "--payment-url", "http://127.0.0.1:5000/sandbox/pay/", "--return-host", "127.0.0.1",
    )
    return HmacPartner(issued["partner_code"], issued["client_id"], issued["client_secret"], issued["api_key"],
                       issued["access_code"])
