"""`flask partners ...` and `flask keys show`, through the CLI runner."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import func, select

from webview.db import utcnow
from webview.extensions import db
from webview.launch.models import LaunchSession
from webview.launch.services import LaunchRequest, issue_launch_token
from webview.partners.models import Partner
from webview.partners.services import find_partner, partner_secrets

BASE = "http://127.0.0.1:5000/sandbox/partner/cli-wallet"
FLAGS = [
    "--code", "cli-wallet", "--name", "CLI Wallet", "--admin-name", "Ops", "--admin-email", "ops@cli.example",
    "--admin-phone", "0912345678", "--create-transaction-url", f"{BASE}/transactions",
    "--query-transaction-url", f"{BASE}/transactions/query", "--refund-url", f"{BASE}/refunds",
    "--payment-url", "http://127.0.0.1:5000/sandbox/pay/", "--return-host", "127.0.0.1",
]
KEYS = {"partner_code", "client_id", "client_secret", "api_key", "access_code", "merchant_public_key_pem"}


def pem_file(tmp_path, bits: int = 2048, name: str = "key.pem"):
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    path = tmp_path / name
    path.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def partners() -> int:
    return db.session.scalar(select(func.count()).select_from(Partner))


def create(runner, *args: str):
    return runner.invoke(args=["partners", "create", *args])


def test_create_json_prints_exactly_the_credentials_once(runner):
    result = create(runner, *FLAGS, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    issued = json.loads(lines[0])
    assert set(issued) == KEYS
    row = db.session.scalar(select(Partner))
    assert row.code == "cli-wallet" and row.status == "active"
    stored = " ".join(str(getattr(row, column.key)) for column in Partner.__table__.columns)
    assert issued["client_secret"] not in stored and issued["api_key"] not in stored
    assert partner_secrets(row, utcnow()) == [issued["client_secret"]]


def test_create_without_json_prints_a_summary_with_a_shown_once_warning(runner):
    result = create(runner, *FLAGS)
    assert result.exit_code == 0, result.output
    assert "shown once" in result.stdout and "client_secret" in result.stdout
    assert "BEGIN PUBLIC KEY" in result.stdout


def test_help_says_how_partners_start(runner):
    result = runner.invoke(args=["partners", "create", "--help"])
    assert "pending_activation" in result.output and "active" in result.output


@pytest.mark.parametrize(
    "extra",
    [
        ["--environment", "staging"],
        ["--profile", "soap"],
        ["--handoff", "popup"],
        ["--bogus-flag"],
        ["--payment-url", "javascript:alert(1)"],
        ["--refund-url", "http://wallet.example/refunds"],
        ["--handoff", "bridge", "--bridge-function", "alert(1)"],
        ["--handoff", "deeplink", "--deeplink-template", "sandboxpay://pay"],
        ["--return-host", "not a host"],
        ["--profile", "envelope"],
        ["--public-key", "/nonexistent/key.pem"],
        ["--theme", "/nonexistent/theme.json"],
        ["--from", "/nonexistent/partner.toml"],
        ["--suite", "legacy"],
    ],
)
def test_bad_flags_exit_2_with_one_line_and_write_nothing(runner, extra):
    result = create(runner, *FLAGS, *extra, "--json")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert partners() == 0


def test_weak_malformed_and_ec_keys_exit_2(runner, tmp_path):
    weak = pem_file(tmp_path, 1024)
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    ec_path = tmp_path / "ec.pem"
    ec_path.write_bytes(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    prod = ["--environment", "production", "--profile", "envelope", "--payment-url", "https://pay.x.vn/p",
            "--create-transaction-url", "https://x.vn/t", "--query-transaction-url", "https://x.vn/q",
            "--refund-url", "https://x.vn/r"]
    for key in (weak, bad, ec_path):
        result = create(runner, *FLAGS, *prod, "--public-key", str(key), "--json")
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.output
    assert partners() == 0


def test_theme_file_is_validated(runner, tmp_path):
    theme = tmp_path / "theme.json"
    theme.write_text(json.dumps({"button_color": "#ffff00", "button_text_color": "#ffffff"}))
    result = create(runner, *FLAGS, "--theme", str(theme), "--json")
    assert result.exit_code == 2 and "theme.button_text_color" in result.stderr
    theme.write_text(json.dumps({"button_color": "#1b5e20", "radius": 4}))
    result = create(runner, *FLAGS, "--theme", str(theme), "--font-stack", "serif", "--json")
    assert result.exit_code == 0, result.output
    partner = find_partner("cli-wallet")
    assert partner.theme["button_color"] == "#1b5e20" and partner.font_stack == "serif"


def test_envelope_with_1024_key_in_sandbox_warns_on_stderr_only(runner, tmp_path):
    key = pem_file(tmp_path, 1024)
    result = create(runner, "--code", "env-one", "--name", "Env", "--admin-name", "Ops", "--admin-email",
                    "ops@env.example", "--profile", "envelope", "--payment-url",
                    "http://127.0.0.1:5000/sandbox/partner/env-one/pay", "--public-key", str(key), "--json")
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == KEYS
    assert "1024" in result.stderr


def test_from_toml_and_json_files_with_flags_overriding(runner, tmp_path):
    pem_file(tmp_path, 2048, "partner.pem")
    (tmp_path / "theme.json").write_text('{"button_color": "#6a1b9a"}')
    toml = tmp_path / "partner.toml"
    toml.write_text(
        'code = "toml-travel"\nname = "From TOML"\nprofile = "envelope"\nsuite = "modern"\n'
        'admin_name = "Ops"\nadmin_email = "ops@travel.example"\npublic_key = "partner.pem"\n'
        'payment_url = "http://127.0.0.1:5000/sandbox/partner/toml-travel/pay"\n'
        'return_host = ["127.0.0.1", "localhost"]\ntheme = "theme.json"\n'
    )
    result = create(runner, "--from", str(toml), "--name", "Overridden", "--json")
    assert result.exit_code == 0, result.output
    partner = find_partner("toml-travel")
    assert partner.name == "Overridden" and partner.profile == "envelope" and partner.public_key_bits == 2048
    assert partner.return_hosts == ["127.0.0.1", "localhost"] and partner.theme == {"button_color": "#6a1b9a"}

    spec = dict(zip(FLAGS[0::2], FLAGS[1::2], strict=True))
    data = {flag[2:].replace("-", "_"): value for flag, value in spec.items()}
    data.update(code="json-wallet", handoff="bridge", bridge_function="window.SandboxBridge.openPayment")
    path = tmp_path / "partner.json"
    path.write_text(json.dumps(data))
    result = create(runner, "--from", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert find_partner("json-wallet").bridge_function == "window.SandboxBridge.openPayment"

    path.write_text(json.dumps({**data, "code": "other", "colour": "red"}))
    result = create(runner, "--from", str(path), "--json")
    assert result.exit_code == 2 and "colour" in result.stderr
    path.write_text("{not json")
    assert create(runner, "--from", str(path)).exit_code == 2
    assert find_partner("other") is None


def test_unreadable_file_exits_2(runner, tmp_path):
    result = create(runner, *FLAGS, "--public-key", str(tmp_path))  # a directory cannot be read as a key
    assert result.exit_code == 2 and "cannot read" in result.stderr
    assert partners() == 0


def test_list_and_show_never_print_secrets(runner):
    issued = json.loads(create(runner, *FLAGS, "--json").stdout)
    partner = find_partner("cli-wallet")
    listed = runner.invoke(args=["partners", "list"])
    shown = runner.invoke(args=["partners", "show", "cli-wallet"])
    assert listed.exit_code == 0 and "cli-wallet" in listed.output
    assert shown.exit_code == 0 and issued["client_id"] in shown.output and "127.0.0.1" in shown.output
    for output in (listed.output, shown.output):
        for secret in (issued["client_secret"], issued["api_key"], issued["access_code"], partner.api_key_hash,
                       partner.client_secret_sealed):
            assert secret not in output
    missing = runner.invoke(args=["partners", "show", "nope"])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1


def test_rotate_secret_keeps_both_valid_for_the_grace_period(runner, app):
    issued = json.loads(create(runner, *FLAGS, "--json").stdout)
    result = runner.invoke(args=["partners", "rotate-secret", "cli-wallet"])
    assert result.exit_code == 0, result.output
    new = next(word for line in result.stdout.splitlines() if "New client_secret" in line
               for word in line.split()[-1:])
    assert "shown once" in result.stdout
    partner = find_partner("cli-wallet")
    db.session.refresh(partner)
    now = utcnow()
    assert partner_secrets(partner, now) == [new, issued["client_secret"]]
    grace = app.config["SECRET_ROTATION_GRACE_SECONDS"]
    assert partner_secrets(partner, now + timedelta(seconds=grace + 5)) == [new]


def test_set_key(runner, tmp_path):
    create(runner, *FLAGS, "--json")
    result = runner.invoke(args=["partners", "set-key", "cli-wallet", str(pem_file(tmp_path))])
    assert result.exit_code == 0, result.output
    partner = find_partner("cli-wallet")
    db.session.refresh(partner)
    assert partner.public_key_bits == 2048
    garbage = tmp_path / "garbage.xml"
    garbage.write_text('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><RSAKeyValue>&e;</RSAKeyValue>')
    refused = runner.invoke(args=["partners", "set-key", "cli-wallet", str(garbage)])
    assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert runner.invoke(args=["partners", "set-key", "cli-wallet", str(tmp_path / "none")]).exit_code == 2


def test_suspend_ends_sessions_and_activate(runner):
    create(runner, *FLAGS, "--json")
    partner = find_partner("cli-wallet")
    grant = issue_launch_token(partner, LaunchRequest(identify_code="u1", identify_phone="0912345678"), 300)
    db.session.add(LaunchSession(id="sess-1", partner_id=partner.id, customer_id=grant.customer_id,
                                 expires_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    result = runner.invoke(args=["partners", "suspend", "cli-wallet"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert find_partner("cli-wallet").status == "suspended"
    live = select(func.count()).select_from(LaunchSession).where(LaunchSession.ended_at.is_(None))
    assert db.session.scalar(live) == 0
    assert runner.invoke(args=["partners", "activate", "cli-wallet"]).exit_code == 0
    db.session.expire_all()
    assert find_partner("cli-wallet").status == "active"
    assert runner.invoke(args=["partners", "suspend", "ghost"]).exit_code == 2


def test_keys_show_public(runner):
    result = runner.invoke(args=["keys", "show", "--public"])
    assert result.exit_code == 0 and result.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    again = runner.invoke(args=["keys", "show", "--public", "--environment", "sandbox"])
    assert again.stdout == result.stdout
    prod = runner.invoke(args=["keys", "show", "--public", "--environment", "production"])
    assert prod.exit_code == 0 and prod.stdout != result.stdout
    assert "PRIVATE" not in result.stdout + prod.stdout
    assert runner.invoke(args=["keys", "show"]).exit_code == 2
    assert runner.invoke(args=["keys", "show", "--public", "--environment", "qa"]).exit_code == 2
