"""Sandbox and production credentials never cross (DESIGN "Partner portal and go-live"), in both directions: a
deployment serves the partner environments of `PARTNER_ENVIRONMENTS` (production: production only), and a partner of
any other environment in its database is refused exactly like an unknown one — signed launch, IPN, styled IPN,
envelope login, sessions, launch tokens, result links and the reconciliation jobs."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.payments.factories import hmac_partner, hold_vip, sign
from tests.reconciliation.conftest import local, past_day
from tests.styles.test_presets_api import momo_message, momo_post
from tests.unit.test_partners_production import SANDBOX_SPEC
from webview import ConfigError
from webview.config import SETTINGS_BY_NAME, load_config
from webview.extensions import db
from webview.launch.services import LaunchRequest, consume_launch_token, issue_launch_token, load_session
from webview.partners.models import ENVIRONMENTS, served_environments
from webview.partners.services import PartnerError, activate_partner, create_partner
from webview.payments.results import verify_result_link_access
from webview.reconciliation.jobs import deliver_due_files, generate_due_files, run_due_matching
from webview.reconciliation.settings import SettingsChange, configure
from webview.styles.presets import preset_document
from webview.styles.store import set_partner_style

LAUNCH = {"identify_code": "user-1", "identify_phone": "0912345678"}
STRONG = {"SECRET_KEY": "Wq3v8Zr1Kx0Lb5Nd7Tf2Yh4Jm6Pc9Sg1Ae3Ri5Uo7Ik",
          "MASTER_KEY": "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d0f",
          "PUBLIC_BASE_URL": "https://shop.example", "DATABASE_URL": "postgresql+psycopg://webview@db.example/w"}


def serve_only(app, environment: str) -> None:
    """The same database, now served by a deployment of one partner environment (its start-up checks: below)."""
    if environment == "production":
        app.config["APP_ENV"] = "production"
    app.config["PARTNER_ENVIRONMENTS"] = [environment]


def moved_to(signed, environment: str):
    """The partner as the other environment's row (a go-live twin is such a row: its own code and credentials)."""
    signed.partner.environment = environment
    db.session.commit()
    return signed


# --- the setting ------------------------------------------------------------------------------------------------

def test_the_setting_names_the_partner_environments(tmp_path, monkeypatch):
    monkeypatch.delenv("PARTNER_ENVIRONMENTS", raising=False)
    assert SETTINGS_BY_NAME["PARTNER_ENVIRONMENTS"].choices == ENVIRONMENTS
    assert load_config(tmp_path)["PARTNER_ENVIRONMENTS"] == ["sandbox", "production"]  # development: both (demo)
    assert load_config(tmp_path, {"PARTNER_ENVIRONMENTS": "Sandbox, sandbox"})["PARTNER_ENVIRONMENTS"] == ["sandbox"]
    with pytest.raises(ConfigError, match="PARTNER_ENVIRONMENTS must list some of sandbox, production"):
        load_config(tmp_path, {"PARTNER_ENVIRONMENTS": "sandbox,staging"})


def test_production_serves_production_only_and_refuses_to_start_otherwise(tmp_path, monkeypatch):
    monkeypatch.delenv("PARTNER_ENVIRONMENTS", raising=False)
    production = {"APP_ENV": "production", **STRONG}
    assert load_config(tmp_path, production)["PARTNER_ENVIRONMENTS"] == ["production"]
    assert load_config(tmp_path, {**production, "PARTNER_ENVIRONMENTS": "production"})["PARTNER_ENVIRONMENTS"] \
        == ["production"]
    for wrong in ("sandbox", "sandbox,production"):
        with pytest.raises(ConfigError, match="PARTNER_ENVIRONMENTS must be production in production"):
            load_config(tmp_path, {**production, "PARTNER_ENVIRONMENTS": wrong})


def test_served_environments_follow_the_setting_and_production_wins(app):
    assert served_environments() == ("sandbox", "production")
    app.config["PARTNER_ENVIRONMENTS"] = ["production", "sandbox"]
    assert served_environments() == ("sandbox", "production")
    serve_only(app, "sandbox")
    assert served_environments() == ("sandbox",)
    app.config.update(APP_ENV="production")  # however it got there, a production deployment never serves sandbox
    assert served_environments() == ("production",)


# --- a sandbox deployment refuses production partners ---------------------------------------------------------

def test_a_sandbox_deployment_refuses_a_production_partners_signed_launch_and_ipn(app, client):
    live = moved_to(hmac_partner(code="wallet-live"), "production")
    sandbox = hmac_partner(code="wallet-sbx")
    booking = hold_vip(live.partner)
    assert live.post(client, "/api/v1/webview-url", LAUNCH).get_json()["code"] == 0  # development serves both
    serve_only(app, "sandbox")
    refused = live.post(client, "/api/v1/webview-url", LAUNCH)
    unknown = dataclasses.replace(live, client_id="no-such-client").post(client, "/api/v1/webview-url", LAUNCH)
    assert (refused.status_code, refused.get_json()) == (unknown.status_code, unknown.get_json())
    assert refused.status_code == 401 and refused.get_json()["code"] == 7
    ipn = live.ipn(client, booking)
    assert ipn.status_code == 401 and ipn.get_json()["code"] == 7
    assert booking.payment_status == "PENDING"
    assert sandbox.post(client, "/api/v1/webview-url", LAUNCH).get_json()["code"] == 0  # its own partners work


def test_a_sandbox_deployment_refuses_a_production_partners_styled_ipn_as_unknown(app, client):
    signed = hmac_partner(code="momo-live")
    set_partner_style(signed.partner, preset_document("momo-like"), source="test", actor="tests")
    moved_to(signed, "production")
    booking = hold_vip(signed.partner)
    serve_only(app, "sandbox")
    refused = momo_post(client, signed, momo_message(signed, booking))
    unknown = client.post("/api/v1/partners/no-such-wallet/ipn", data=json.dumps(momo_message(signed, booking)),
                          content_type="application/json")
    assert refused.status_code == 401 and refused.get_json() == unknown.get_json() == \
        {"code": 7, "message": "unknown partner"}
    assert booking.payment_status == "PENDING"


def envelope_partner(code: str):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    partner, issued = create_partner(dataclasses.replace(SANDBOX_SPEC, code=code, profile="envelope", public_key=pem))
    db.session.commit()
    return partner, {"apikey": issued.api_key, "x-ibe-req-name": issued.access_code}


def envelope_login(client, headers: dict):
    body = json.dumps({"key": "AAAA", "data": "AAAA"})
    return client.post("/api/v1/partner/login", data=body, headers=headers, content_type="application/json")


def test_a_sandbox_deployment_refuses_a_production_envelope_login_as_unknown(app, client):
    partner, headers = envelope_partner("travel-live")
    partner.environment = "production"
    db.session.commit()
    assert envelope_login(client, headers).get_json().get("error_code") != "10"  # development knows it
    serve_only(app, "sandbox")
    refused = envelope_login(client, headers)
    unknown = envelope_login(client, {**headers, "x-ibe-req-name": "no-such-access-code"})
    assert refused.status_code == unknown.status_code == 401
    assert refused.get_json()["error_code"] == unknown.get_json()["error_code"] == "10"


def test_a_sandbox_deployment_ends_production_sessions_tokens_and_result_links(app):
    live = moved_to(hmac_partner(code="wallet-live"), "production")
    grant = issue_launch_token(live.partner, LaunchRequest(**LAUNCH), 300)
    db.session.commit()
    session = consume_launch_token(grant.token, 3600)
    second = issue_launch_token(live.partner, LaunchRequest(**LAUNCH), 300)
    booking = hold_vip(live.partner)
    booking.partner_transaction_id = "SBX0001"
    db.session.commit()
    timestamp = str(int(time.time() * 1000))
    link = (live.code, "SBX0001", timestamp, sign(live.client_id, live.secret, timestamp, b"wallet-live.SBX0001"))
    assert session is not None and load_session(session.id) is not None
    serve_only(app, "sandbox")
    assert load_session(session.id) is None
    assert consume_launch_token(second.token, 3600) is None
    assert verify_result_link_access(*link) is None
    live.partner.status = "suspended"
    with pytest.raises(PartnerError, match="serves sandbox partners only: use --environment sandbox"):
        activate_partner(live.partner)


def test_a_sandbox_deployment_runs_no_reconciliation_of_production_partners(app):
    signed = hmac_partner(code="wallet-live")
    configure(signed.partner, SettingsChange(transport="api", close_time="02:00",
                                             reconciliation_url="http://127.0.0.1:9/recon"))
    moved_to(signed, "production")
    closing = local(past_day(1) + timedelta(days=1), 2, 0)
    serve_only(app, "sandbox")
    assert generate_due_files(closing) == [] and run_due_matching(closing) == [] and deliver_due_files(closing) == []
    app.config["PARTNER_ENVIRONMENTS"] = ["sandbox", "production"]
    assert generate_due_files(closing) == [f"webview_wallet-live_{past_day(1):%Y%m%d}_1.csv"]


# --- and production refuses sandbox partners, the IPNs included ------------------------------------------------

def test_production_refuses_a_sandbox_partners_ipn_and_styled_ipn(app, client):
    wallet = hmac_partner(code="wallet-sbx")
    styled = hmac_partner(code="momo-sbx")
    set_partner_style(styled.partner, preset_document("momo-like"), source="test", actor="tests")
    db.session.commit()
    booking, styled_booking = hold_vip(wallet.partner), hold_vip(styled.partner, identify_code="user-7")
    serve_only(app, "production")
    ipn = wallet.ipn(client, booking)
    assert ipn.status_code == 401 and ipn.get_json()["code"] == 7
    refused = momo_post(client, styled, momo_message(styled, styled_booking))
    assert refused.status_code == 401 and refused.get_json() == {"code": 7, "message": "unknown partner"}
    assert booking.payment_status == styled_booking.payment_status == "PENDING"
