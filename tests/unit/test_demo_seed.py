"""`flask demo seed`: the demo partners, the 0600 credentials file, idempotence and registered steps."""

from __future__ import annotations

import json
import stat
import time

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

import webview.demo.services as seed_services
from webview.db import utcnow
from webview.demo import register_seed_step, run_seed
from webview.extensions import db
from webview.partners.keys import merchant_public_key_pem, public_key_pem
from webview.partners.models import Partner
from webview.partners.services import find_partner, partner_secrets
from webview.themes import effective_theme
from webview.vault import api_key_matches

CODES = ["demo-redirect", "demo-deeplink", "demo-bridge", "demo-envelope", "demo-legacy"]
KEYS = {"partner_code", "client_id", "client_secret", "api_key", "access_code", "merchant_public_key_pem",
        "profile", "suite", "handoff"}
BASE = "http://127.0.0.1:5000"


@pytest.fixture
def steps(monkeypatch):
    """Run the seed with only the steps a test registers (other features' steps are theirs to test)."""
    registered: list = []
    monkeypatch.setattr(seed_services, "_steps", registered)
    return registered


@pytest.fixture
def creds_file(app):
    path = seed_services.credentials_path()
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def load(path) -> list[dict]:
    return json.loads(path.read_text())


def private_key(record: dict):
    return serialization.load_pem_private_key(record["partner_private_key_pem"].encode(), password=None)


def check_credentials_work(record: dict) -> Partner:
    partner = find_partner(record["partner_code"])
    assert partner.client_id == record["client_id"] and partner.access_code == record["access_code"]
    assert partner_secrets(partner, utcnow())[0] == record["client_secret"]
    assert api_key_matches(record["api_key"], partner.api_key_hash)
    assert record["merchant_public_key_pem"] == merchant_public_key_pem("sandbox")
    return partner


def test_seed_creates_the_demo_partners_and_a_private_file(app, steps, creds_file):
    started = time.perf_counter()
    records = run_seed()
    assert time.perf_counter() - started < 3
    assert [record["partner_code"] for record in records] == CODES
    assert load(creds_file) == records
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    themes = set()
    for record in records:
        envelope = record["profile"] == "envelope"
        assert set(record) == KEYS | ({"partner_private_key_pem"} if envelope else set())
        partner = check_credentials_work(record)
        assert partner.environment == "sandbox" and partner.status == "active"
        assert partner.return_hosts == ["127.0.0.1"]
        assert effective_theme(partner.theme, None)[1] == []
        themes.add(json.dumps(partner.theme, sort_keys=True))
        if envelope:
            assert public_key_pem(private_key(record)) == partner.public_key_pem
            assert partner.payment_url == f"{BASE}/sandbox/partner/{partner.code}/pay"
        else:
            assert partner.create_transaction_url == f"{BASE}/sandbox/partner/{partner.code}/transactions"
            assert partner.query_transaction_url == f"{BASE}/sandbox/partner/{partner.code}/transactions/query"
            assert partner.refund_url == f"{BASE}/sandbox/partner/{partner.code}/refunds"
            assert partner.payment_hosts == ["127.0.0.1"]
    assert len(themes) == len(CODES)
    by_code = {record["partner_code"]: record for record in records}
    assert by_code["demo-legacy"]["suite"] == "legacy" and by_code["demo-envelope"]["suite"] == "modern"
    assert [by_code[code]["handoff"] for code in CODES[:3]] == ["redirect", "deeplink", "bridge"]
    deeplink = find_partner("demo-deeplink")
    assert deeplink.deeplink_template == "sandboxpay://pay?transaction_id={transaction_id}&amount={amount}"
    assert find_partner("demo-bridge").bridge_function == "window.SandboxBridge.openPayment"


def test_seed_is_idempotent(app, steps, creds_file):
    first = run_seed()
    second = run_seed()
    assert first == second == load(creds_file)
    assert db.session.scalar(select(func.count()).select_from(Partner)) == len(CODES)


def test_lost_file_entry_reissues_credentials(app, steps, creds_file):
    first = run_seed()
    kept = [record for record in first if record["partner_code"] not in {"demo-redirect", "demo-envelope"}]
    creds_file.write_text(json.dumps(kept))
    second = {record["partner_code"]: record for record in run_seed()}
    old = {record["partner_code"]: record for record in first}
    for code in ("demo-redirect", "demo-envelope"):
        assert second[code]["client_secret"] != old[code]["client_secret"]
        assert second[code]["api_key"] != old[code]["api_key"]
        assert second[code]["client_id"] == old[code]["client_id"]
        partner = check_credentials_work(second[code])
        assert partner_secrets(partner, utcnow()) == [second[code]["client_secret"]]  # the lost one is gone
    assert public_key_pem(private_key(second["demo-envelope"])) == find_partner("demo-envelope").public_key_pem
    assert second["demo-bridge"] == old["demo-bridge"]


def test_reset_database_with_an_old_file_recreates_partners(app, steps, creds_file):
    run_seed()
    db.session.execute(Partner.__table__.delete())
    db.session.commit()
    records = run_seed()
    for record in records:
        check_credentials_work(record)
    assert load(creds_file) == records


def test_suspended_demo_partner_is_reactivated(app, steps, creds_file):
    run_seed()
    find_partner("demo-bridge").status = "suspended"
    db.session.commit()
    run_seed()
    assert find_partner("demo-bridge").status == "active"


def test_steps_run_in_order_with_the_credentials(app, steps, creds_file):
    calls = []
    register_seed_step("first", lambda records: calls.append(("first", len(records))))
    register_seed_step("second", lambda records: calls.append(("second", records[0]["partner_code"])))
    register_seed_step("first", lambda records: calls.append(("first-again", len(records))))  # replaces in place
    run_seed()
    assert calls == [("first-again", len(CODES)), ("second", "demo-redirect")]


def test_failing_step_is_reported(app, steps, creds_file):
    def broken(records):
        raise RuntimeError("boom")

    register_seed_step("broken", broken)
    with pytest.raises(seed_services.DemoSeedError, match="broken"):
        run_seed()
    assert db.session.scalar(select(func.count()).select_from(Partner)) == len(CODES)  # partners committed first


def test_cli_seed_and_disabled_sandbox(make_app, steps):
    app = make_app()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        assert "demo-envelope" in result.stdout and "demo-partners.json" in result.stdout
        seed_services.credentials_path().unlink(missing_ok=True)
    off = make_app(SANDBOX_ENABLED=False)
    with off.app_context():
        result = off.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 2 and "SANDBOX_ENABLED" in result.stderr
