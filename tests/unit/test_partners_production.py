"""A production deployment serves production partners only (issue 9 finding 9): it refuses to create sandbox
partners and refuses to serve any that exist, with the answer of an unknown partner in each profile."""

from __future__ import annotations

import dataclasses
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from tests.api.conftest import HmacPartner
from webview.extensions import db
from webview.launch.services import LaunchRequest, consume_launch_token, issue_launch_token, load_session
from webview.partners.models import Partner
from webview.partners.services import PartnerError, PartnerSpec, activate_partner, create_partner

SANDBOX_BASE = "http://127.0.0.1:5000/sandbox/partner/p"
SANDBOX_SPEC = PartnerSpec(
    code="sbx-wallet", name="Sandbox Wallet", admin_name="Ops", admin_email="ops@wallet.example",
    create_transaction_url=f"{SANDBOX_BASE}/transactions", query_transaction_url=f"{SANDBOX_BASE}/transactions/query",
    refund_url=f"{SANDBOX_BASE}/refunds", payment_url="http://127.0.0.1:5000/sandbox/pay/", return_hosts=("127.0.0.1",),
)
PRODUCTION_SPEC = dataclasses.replace(
    SANDBOX_SPEC, code="prod-wallet", environment="production", create_transaction_url="https://api.wallet.vn/tx",
    query_transaction_url="https://api.wallet.vn/q", refund_url="https://api.wallet.vn/r",
    payment_url="https://pay.wallet.vn/checkout", return_hosts=("wallet.vn",))
LAUNCH = {"identify_code": "user-1", "identify_phone": "0912345678"}


def partner_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Partner))


def go_production(app) -> None:
    """The same database, now served by a production deployment (its start-up checks are tested in test_config)."""
    app.config["APP_ENV"] = "production"


def test_production_refuses_to_create_a_sandbox_partner(app):
    go_production(app)
    with pytest.raises(PartnerError, match="production partners only"):
        create_partner(SANDBOX_SPEC)
    db.session.rollback()
    assert partner_count() == 0
    partner, _ = create_partner(PRODUCTION_SPEC)
    assert partner.environment == "production" and partner.status == "pending_activation"


def test_the_cli_refuses_a_sandbox_partner_in_production_with_one_line(app, runner):
    go_production(app)
    result = runner.invoke(args=[
        "partners", "create", "--code", "sbx-cli", "--name", "Sandbox CLI", "--admin-name", "Ops",
        "--admin-email", "ops@cli.example", "--create-transaction-url", f"{SANDBOX_BASE}/transactions",
        "--query-transaction-url", f"{SANDBOX_BASE}/transactions/query", "--refund-url", f"{SANDBOX_BASE}/refunds",
        "--payment-url", "http://127.0.0.1:5000/sandbox/pay/", "--json"])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "production partners only" in line and "--environment production" in line
    assert partner_count() == 0


def sandbox_hmac_partner() -> tuple[Partner, HmacPartner]:
    partner, issued = create_partner(SANDBOX_SPEC)
    db.session.commit()
    return partner, HmacPartner(issued.partner_code, issued.client_id, issued.client_secret, issued.api_key,
                                issued.access_code)


def test_an_existing_sandbox_hmac_partner_is_not_served_in_production(app, client):
    _, signer = sandbox_hmac_partner()
    served = signer.post(client, "/api/v1/webview-url", LAUNCH)
    assert served.status_code == 200 and served.get_json()["code"] == 0  # development serves it
    go_production(app)
    refused = signer.post(client, "/api/v1/webview-url", LAUNCH)
    assert refused.status_code == 401 and refused.get_json()["code"] == 7  # "authentication failed"


def test_an_existing_sandbox_envelope_partner_is_not_served_in_production(app, client):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    spec = dataclasses.replace(SANDBOX_SPEC, code="sbx-envelope", profile="envelope", public_key=pem)
    _, issued = create_partner(spec)
    db.session.commit()
    headers = {"apikey": issued.api_key, "x-ibe-req-name": issued.access_code}
    body = json.dumps({"key": "AAAA", "data": "AAAA"})
    known = client.post("/api/v1/partner/login", data=body, headers=headers, content_type="application/json")
    assert known.get_json().get("error_code") != "10"  # development knows it (and refuses the garbage sealed)
    go_production(app)
    refused = client.post("/api/v1/partner/login", data=body, headers=headers, content_type="application/json")
    assert refused.status_code == 401 and refused.get_json()["error_code"] == "10"  # "account not found"


def test_sessions_and_activation_of_a_sandbox_partner_end_in_production(app):
    partner, _ = sandbox_hmac_partner()
    grant = issue_launch_token(partner, LaunchRequest(**LAUNCH), 300)
    db.session.commit()
    live = consume_launch_token(grant.token, 3600)
    assert live is not None and load_session(live.id) is not None
    second = issue_launch_token(partner, LaunchRequest(**LAUNCH), 300)
    db.session.commit()
    go_production(app)
    assert load_session(live.id) is None
    assert consume_launch_token(second.token, 3600) is None
    partner.status = "suspended"
    with pytest.raises(PartnerError, match="production partners only"):
        activate_partner(partner)
