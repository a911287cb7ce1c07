"""SANDBOX_ENABLED off: every /sandbox URL is a 404 (and the sandbox's CLI group is absent)."""

from __future__ import annotations

import pytest

SANDBOX_URLS = [
    ("GET", "/sandbox/"), ("POST", "/sandbox/"), ("GET", "/sandbox/static/sandbox.css"),
    ("GET", "/sandbox/static/shell.js"), ("GET", "/sandbox/app/pay?transaction_id=SBX1"),
    ("GET", "/sandbox/pay/SBX0123456789AB"), ("GET", "/sandbox/partner/demo-envelope/pay?key=a&data=b"),
    ("POST", "/sandbox/partner/demo-redirect/transactions"),
    ("GET", "/sandbox/partner/demo-redirect/transactions/query"),
    ("POST", "/sandbox/partner/demo-redirect/refunds"), ("POST", "/sandbox/api/launch"),
    ("GET", "/sandbox/api/transactions?reference_transaction_id=x"), ("POST", "/sandbox/api/transactions/SBX1/approve"),
    ("POST", "/sandbox/api/refunds"), ("GET", "/sandbox/api/messages?reference_transaction_id=x"),
    ("GET", "/sandbox/api/mail"), ("GET", "/sandbox/mail/"), ("GET", "/sandbox/messages/"),
    ("GET", "/sandbox/messages/export.json"), ("GET", "/sandbox/operator/"), ("POST", "/sandbox/operator/refund"),
    ("GET", "/sandbox/cases/"), ("GET", "/sandbox/anything/else"),
]


@pytest.fixture
def disabled_client(make_app):
    return make_app(SANDBOX_ENABLED=False).test_client()


@pytest.mark.parametrize(("method", "url"), SANDBOX_URLS)
def test_every_sandbox_url_is_404_when_disabled(disabled_client, method, url):
    assert disabled_client.open(url, method=method, json={}).status_code == 404


def test_the_same_urls_exist_when_enabled(client):
    assert client.get("/sandbox/").status_code == 200
    assert client.get("/sandbox/cases/").status_code == 200
    assert client.get("/sandbox/messages/").status_code == 200
    assert client.get("/sandbox/operator/").status_code == 200


def test_no_sandbox_cli_when_disabled(make_app):
    assert "sandbox" not in make_app(SANDBOX_ENABLED=False).cli.commands
    assert "sandbox" in make_app().cli.commands
