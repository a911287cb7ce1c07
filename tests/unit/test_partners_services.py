"""Partner registry services: onboarding rules, secrets, suspension and the checkout-handoff checks."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from webview.db import utcnow
from webview.extensions import db
from webview.launch.models import LaunchSession, LaunchToken
from webview.launch.services import LaunchRequest, issue_launch_token
from webview.partners.models import Partner
from webview.partners.services import (
    PartnerError,
    PartnerSpec,
    activate_partner,
    build_deeplink,
    check_payment_url,
    create_partner,
    current_client_secret,
    find_partner,
    find_partner_by_access_code,
    find_partner_by_client_id,
    is_return_host_allowed,
    partner_secrets,
    rotate_secret,
    set_public_key,
    suspend_partner,
)
from webview.vault import api_key_matches

BASE = "http://127.0.0.1:5000/sandbox/partner/p"
HMAC = PartnerSpec(
    code="wallet", name="Wallet", admin_name="Ops", admin_email="ops@wallet.example", admin_phone="0912345678",
    create_transaction_url=f"{BASE}/transactions", query_transaction_url=f"{BASE}/transactions/query",
    refund_url=f"{BASE}/refunds", payment_url="http://127.0.0.1:5000/sandbox/pay/", return_hosts=("127.0.0.1",),
)


@pytest.fixture(scope="module")
def public_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def partner_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Partner))


def test_create_issues_credentials_and_stores_secrets_safely(app):
    partner, issued = create_partner(HMAC)
    db.session.commit()
    assert set(issued.to_json()) == {"partner_code", "client_id", "client_secret", "api_key", "access_code",
                                     "merchant_public_key_pem"}
    assert len(issued.client_id) == 36 and issued.client_id.count("-") == 4
    assert len(issued.client_secret) >= 64  # 48 random bytes
    assert issued.client_secret not in partner.client_secret_sealed
    assert issued.api_key not in partner.api_key_hash and api_key_matches(issued.api_key, partner.api_key_hash)
    assert partner.status == "active" and partner.payment_hosts == ["127.0.0.1"]
    assert find_partner("wallet") is partner
    assert find_partner_by_client_id(issued.client_id) is partner
    assert find_partner_by_access_code(issued.access_code) is partner
    assert find_partner_by_client_id("") is None and find_partner_by_access_code("x" * 500) is None
    assert partner_secrets(partner, utcnow()) == [issued.client_secret]


def test_production_partner_starts_pending(app, public_pem):
    spec = dataclasses.replace(
        HMAC, environment="production", create_transaction_url="https://api.wallet.vn/tx",
        query_transaction_url="https://api.wallet.vn/q", refund_url="https://api.wallet.vn/r",
        payment_url="https://pay.wallet.vn/checkout", return_hosts=("wallet.vn",),
    )
    partner, _ = create_partner(spec)
    assert partner.status == "pending_activation"
    activate_partner(partner)
    assert partner.status == "active"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "Bad_Code"}, "--code"),
        ({"code": "x"}, "--code"),
        ({"name": " "}, "--name"),
        ({"environment": "prod"}, "--environment"),
        ({"profile": "soap"}, "--profile"),
        ({"handoff": "popup"}, "--handoff"),
        ({"suite": "legacy"}, "envelope profile only"),
        ({"admin_email": "nobody"}, "--admin-email"),
        ({"refund_url": None}, "--refund-url is required"),
        ({"refund_url": "ftp://127.0.0.1/r"}, "--refund-url"),
        ({"refund_url": "http://wallet.vn/r"}, "127.0.0.1 or localhost"),
        ({"refund_url": "http://user:pw@127.0.0.1/r"}, "credentials"),
        ({"payment_url": None}, "--payment-url is required"),
        ({"payment_url": "javascript:alert(1)"}, "--payment-url"),
        ({"handoff": "deeplink", "deeplink_template": "sandboxpay://pay"}, "{transaction_id}"),
        ({"handoff": "deeplink", "deeplink_template": "javascript:go({transaction_id})"}, "custom scheme"),
        ({"handoff": "deeplink", "deeplink_template": "x://p?t={transaction_id}&u={user}"}, "only"),
        ({"handoff": "deeplink", "deeplink_template": "http://wallet.vn/{transaction_id}"}, "https"),
        ({"handoff": "bridge", "bridge_function": "alert(1)"}, "dotted identifier"),
        ({"handoff": "bridge", "bridge_function": "window..x"}, "dotted identifier"),
        ({"handoff": "bridge"}, "dotted identifier"),
        ({"bridge_function": "window.A.b"}, "bridge handoff only"),
        ({"return_hosts": ("bad host!",)}, "--return-host"),
        ({"theme": {"button_color": "blue"}}, "theme.button_color"),
        ({"theme": {"text_color": "#eeeeee"}}, "theme.text_color"),
        ({"font_stack": "papyrus"}, "--font-stack"),
        ({"logo_url": "javascript:alert(1)"}, "--logo-url"),
        ({"public_key": "garbage"}, "--public-key"),
    ],
)
def test_bad_specs_are_refused_and_nothing_is_written(app, changes, message):
    with pytest.raises(PartnerError, match=message.replace("{", r"\{").replace("(", r"\(")):
        create_partner(dataclasses.replace(HMAC, **changes))
    assert partner_count() == 0


def test_production_rules(app, public_pem):
    prod = dataclasses.replace(
        HMAC, environment="production", profile="envelope", suite="legacy", public_key=public_pem,
        create_transaction_url=None, query_transaction_url=None, refund_url=None,
        payment_url="https://pay.travel.vn/pay",
    )
    with pytest.raises(PartnerError, match="legacy"):
        create_partner(prod)
    with pytest.raises(PartnerError, match="https"):
        create_partner(dataclasses.replace(prod, suite="modern", payment_url="http://127.0.0.1/pay"))
    partner, _ = create_partner(dataclasses.replace(prod, allow_legacy=True))
    assert partner.suite == "legacy" and partner.allow_legacy_in_production


def test_envelope_needs_a_public_key_and_the_redirect_handoff(app, public_pem):
    envelope = dataclasses.replace(HMAC, profile="envelope", create_transaction_url=None,
                                   query_transaction_url=None, refund_url=None)
    with pytest.raises(PartnerError, match="--public-key is required"):
        create_partner(envelope)
    with pytest.raises(PartnerError, match="redirect"):
        create_partner(dataclasses.replace(envelope, handoff="bridge", public_key=public_pem))
    partner, issued = create_partner(dataclasses.replace(envelope, public_key=public_pem))
    assert partner.public_key_bits == 2048 and "BEGIN PUBLIC KEY" in partner.public_key_pem
    assert "BEGIN PUBLIC KEY" in issued.merchant_public_key_pem


def test_duplicate_code_refused(app):
    create_partner(HMAC)
    with pytest.raises(PartnerError, match="already taken"):
        create_partner(HMAC)


def test_rotation_keeps_both_secrets_for_the_grace_period(app):
    partner, issued = create_partner(HMAC)
    new = rotate_secret(partner, 3600)
    db.session.commit()
    now = utcnow()
    assert new != issued.client_secret
    assert partner_secrets(partner, now) == [new, issued.client_secret]
    assert current_client_secret(partner) == new
    assert partner_secrets(partner, now + timedelta(seconds=3601)) == [new]
    with pytest.raises(PartnerError):
        rotate_secret(partner, -1)


def test_set_public_key_warns_for_1024_in_sandbox(app):
    partner, _ = create_partner(HMAC)
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505  (weak on purpose)
    pem = weak.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    warnings = set_public_key(partner, pem)
    assert partner.public_key_bits == 1024 and warnings
    with pytest.raises(PartnerError):
        set_public_key(partner, b"nonsense")
    assert partner.public_key_bits == 1024


def test_suspend_ends_sessions_and_spends_tokens(app):
    partner, _ = create_partner(HMAC)
    grant = issue_launch_token(partner, LaunchRequest(identify_code="u1", identify_phone="0912345678"), 300)
    db.session.add(LaunchSession(id="s1", partner_id=partner.id, customer_id=grant.customer_id,
                                 expires_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    suspend_partner(partner)
    db.session.commit()
    assert partner.status == "suspended"
    live = select(func.count()).select_from(LaunchSession).where(LaunchSession.ended_at.is_(None))
    assert db.session.scalar(live) == 0
    assert db.session.scalar(select(LaunchToken.used_at)) is not None
    activate_partner(partner)
    assert partner.status == "active"


def test_handoff_checks(app):
    redirect, _ = create_partner(HMAC)
    assert check_payment_url(redirect, "http://127.0.0.1:5000/sandbox/pay/T1")
    assert not check_payment_url(redirect, "http://evil.example/sandbox/pay/T1")
    assert not check_payment_url(redirect, "javascript:alert(1)")
    assert not check_payment_url(redirect, "sandboxpay://pay?transaction_id=1")
    assert not check_payment_url(redirect, "http://127.0.0.1:5000/pay\" onload=\"x")
    assert is_return_host_allowed(redirect, "http://127.0.0.1:5000/w/result")
    assert not is_return_host_allowed(redirect, "http://localhost:5000/w/result")
    assert not is_return_host_allowed(redirect, "not a url")

    deeplink, _ = create_partner(dataclasses.replace(
        HMAC, code="pinkpay", handoff="deeplink", payment_url=None,
        deeplink_template="sandboxpay://pay?transaction_id={transaction_id}&amount={amount}"))
    assert deeplink.deeplink_schemes == ["sandboxpay"] and deeplink.payment_hosts == []
    link = build_deeplink(deeplink, "T 1&x=2", 150000)
    assert link == "sandboxpay://pay?transaction_id=T%201%26x%3D2&amount=150000"
    assert check_payment_url(deeplink, link)
    assert not check_payment_url(deeplink, "otherpay://pay?transaction_id=1")
    with pytest.raises(PartnerError):
        build_deeplink(deeplink, "T1", -5)
    with pytest.raises(PartnerError):
        build_deeplink(redirect, "T1", 5)

    applink, _ = create_partner(dataclasses.replace(
        HMAC, code="applink", handoff="deeplink", payment_url=None,
        deeplink_template="https://app.wallet.vn/pay/{transaction_id}"))
    assert applink.payment_hosts == ["app.wallet.vn"]
    assert build_deeplink(applink, "T1", 1) == "https://app.wallet.vn/pay/T1"


def test_issued_credentials_never_start_with_a_dash(monkeypatch):
    """Partners pass them as command-line values: a leading '-' reads as an option (seen: a sample refused one)."""
    from webview.partners import services

    draws = iter(["-abc", "--x", "ok-value"])
    monkeypatch.setattr(services.secrets, "token_urlsafe", lambda nbytes: next(draws))
    assert services.new_credential(16) == "ok-value"
    monkeypatch.undo()
    assert not any(services.new_client_secret().startswith("-") for _ in range(500))
