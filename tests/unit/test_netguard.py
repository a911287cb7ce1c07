"""Server-side request forgery through partner URLs (issue 9 finding 10): production partners may not register
loopback, private, link-local, multicast, reserved or metadata addresses, and every outbound partner call of a
production deployment checks the address the name resolves to when it connects (DNS rebinding)."""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from tests.payments.stub_partner import Reply, StubPartner
from webview.core.netguard import address_refusal, partner_session
from webview.db import utcnow
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.partners.services import PartnerError, PartnerSpec, create_partner
from webview.payments.gateway import HmacGateway, PartnerUnavailable, TransactionRequest

REFUSED_HOSTS = [
    "169.254.169.254",       # cloud metadata (link-local)
    "10.0.0.1", "172.16.5.4", "192.168.1.1",   # private
    "127.0.0.1", "127.8.0.1", "[::1]",         # loopback
    "100.100.100.200",       # shared address space (a metadata address of some clouds)
    "0.0.0.0", "[::]",       # unspecified
    "224.0.0.1", "[ff02::1]",  # multicast
    "240.0.0.1", "255.255.255.255",  # reserved, broadcast
    "[fe80::1]", "[fd00:ec2::254]",  # link-local, unique local (an IPv6 metadata address)
    "[::ffff:10.0.0.1]", "[::ffff:127.0.0.1]",  # IPv4-mapped
    "0x7f.1", "2130706433.example", "localhost", "api.localhost", "metadata.google.internal",
]
PRODUCTION = PartnerSpec(
    code="prod-wallet", name="Wallet", admin_name="Ops", admin_email="ops@wallet.example", environment="production",
    create_transaction_url="https://api.wallet.vn/tx", query_transaction_url="https://api.wallet.vn/q",
    refund_url="https://api.wallet.vn/r", payment_url="https://pay.wallet.vn/checkout", return_hosts=("wallet.vn",),
)


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_production_partners_cannot_register_internal_addresses(app, host):
    for field in ("create_transaction_url", "query_transaction_url", "refund_url"):
        spec = dataclasses.replace(PRODUCTION, **{field: f"https://{host}:9443/api"})
        if host == "2130706433.example":  # a public-looking name is fine at registration (checked at connect)
            create_partner(spec)
            db.session.rollback()
            continue
        with pytest.raises(PartnerError, match="public") as refused:
            create_partner(spec)
        assert "--" + field.replace("_", "-") in str(refused.value)
        db.session.rollback()


@pytest.mark.parametrize("host", ["169.254.169.254", "10.0.0.1", "127.0.0.1:9443", "[::1]"])
def test_the_cli_refuses_them_with_one_line(app, runner, host):
    result = runner.invoke(args=[
        "partners", "create", "--code", "prod-cli", "--name", "Prod", "--admin-name", "Ops",
        "--admin-email", "ops@prod.example", "--environment", "production",
        "--create-transaction-url", f"https://{host}/tx", "--query-transaction-url", "https://api.prod.vn/q",
        "--refund-url", "https://api.prod.vn/r", "--payment-url", "https://pay.prod.vn/p", "--json"])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "--create-transaction-url" in line and "public" in line


def test_sandbox_partners_keep_loopback_for_the_sandbox(app):
    sandbox = dataclasses.replace(PRODUCTION, environment="sandbox", code="sbx",
                                  create_transaction_url="http://127.0.0.1:5000/sandbox/partner/sbx/transactions",
                                  query_transaction_url="https://10.0.0.1/q", refund_url="https://[::1]:9443/r")
    partner, _ = create_partner(sandbox)
    assert partner.status == "active"


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "2001:4860:4860::8888", "1.1.1.1"])
def test_public_addresses_pass(address):
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::ffff:192.168.0.1", "::1",
                                     "224.0.0.251", "fd00:ec2::254", "2002:a00:1::1", "100.64.0.1"])
def test_internal_addresses_are_refused_with_a_reason(address):
    assert address_refusal(ipaddress.ip_address(address))


# --- connect time -------------------------------------------------------------------------------------------

@pytest.fixture
def rebinding(app, monkeypatch):
    """wallet.example resolves to a loopback stub partner (as a rebound DNS name would)."""
    stub = StubPartner()
    stub.script(Reply(body={"code": 0, "message": "success", "data": {"transaction_id": "SBX0001"}}))
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host == "wallet.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    app.config.update(PARTNER_CONNECT_TIMEOUT=1.0, PARTNER_READ_TIMEOUT=1.0, PARTNER_RETRIES=1,
                      PARTNER_BACKOFF_SECONDS=0.0)
    partner, _ = create_partner(dataclasses.replace(PRODUCTION, create_transaction_url="https://wallet.example/tx"))
    partner.status = "active"
    # a row whose name was public when it was registered (and plain http, so the stub can read a request)
    partner.create_transaction_url = f"http://wallet.example:{stub.server.server_port}/transactions"
    db.session.commit()
    yield partner, stub
    stub.stop()


def request_for() -> TransactionRequest:
    return TransactionRequest(reference="261122-7QK4M2XD", amount=1_250_000, description="Flight HAN-SGN",
                              expires_at=utcnow() + timedelta(minutes=20), identify_code="user-42", product="flight")


def test_development_calls_the_resolved_address(app, rebinding):
    partner, stub = rebinding
    assert HmacGateway(partner).create_transaction(request_for()).transaction_id == "SBX0001"
    assert len(stub.received) == 1  # the test can fail: without the guard the request arrives


def test_production_refuses_a_name_that_resolves_to_loopback_and_sends_nothing(app, rebinding, caplog):
    partner, stub = rebinding
    app.config["APP_ENV"] = "production"
    with pytest.raises(PartnerUnavailable):
        HmacGateway(partner).create_transaction(request_for())
    assert stub.received == []
    logged = db.session.scalars(select(PartnerMessage).where(PartnerMessage.partner_id == partner.id)).all()
    assert len(logged) == 2 and all(row.status_code is None for row in logged)  # a failed call, each try
    assert all("connection error" in row.verdict for row in logged)
    assert "wallet.example" in caplog.text and "127.0.0.1" in caplog.text and "refused" in caplog.text


def test_the_production_session_checks_every_connection(app, monkeypatch):
    app.config["APP_ENV"] = "production"
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))])  # one bad answer is enough
    session = partner_session()
    assert session.trust_env is False  # no proxy from the environment can take the call around the check
    with pytest.raises(requests.ConnectionError, match=r"10\.0\.0\.7"):
        session.get("https://mixed.example/", timeout=1)
