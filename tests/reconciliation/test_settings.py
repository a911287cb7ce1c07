"""`flask partners set-recon`: every setting stored, every bad input refused whole (exit 2, one line)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from webview.extensions import db
from webview.reconciliation.models import ReconciliationSettings
from webview.reconciliation.templates import STANDARD, TemplateError, parse_template


@pytest.fixture
def files(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    key_text = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                     serialization.NoEncryption()).decode()
    host = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    paths = {
        "key": tmp_path / "id_ed25519", "known_hosts": tmp_path / "known_hosts",
        "template": tmp_path / "template.json", "bad_json": tmp_path / "bad.json",
        "not_a_key": tmp_path / "not_a_key",
    }
    paths["key"].write_text(key_text)
    paths["known_hosts"].write_text(f"[127.0.0.1]:2222 {host}\n")
    paths["template"].write_text(json.dumps({
        "name": "wallet-v1", "delimiter": ";", "grouping": ".", "date_format": "%d/%m/%Y %H:%M:%S",
        "columns": [{"field": "reference_transaction_id", "header": "Order"},
                    {"field": "record_type", "header": "Type"}, {"field": "amount", "header": "Amount"},
                    {"field": "status", "header": "Status"}, {"field": "refund_request_id", "header": "Refund"},
                    {"field": "occurred_at", "header": "Time"}]}))
    paths["bad_json"].write_text("{not json")
    paths["not_a_key"].write_text("hello\n")
    return {name: str(path) for name, path in paths.items()} | {"key_text": key_text}


def settings_row(partner_id: int) -> ReconciliationSettings | None:
    db.session.rollback()
    return db.session.scalar(select(ReconciliationSettings).where(ReconciliationSettings.partner_id == partner_id)
                             .execution_options(populate_existing=True))


def test_set_recon_stores_everything_and_seals_the_key(runner, wallet, files):
    result = runner.invoke(args=[
        "partners", "set-recon", wallet.code, "--transport", "both", "--time", "03:30",
        "--template", files["template"], "--sftp-host", "127.0.0.1", "--sftp-port", "2222", "--sftp-user", "webview",
        "--sftp-key", files["key"], "--sftp-known-hosts", files["known_hosts"],
        "--reconciliation-url", "http://127.0.0.1:5000/sandbox/partner/wallet-one/reconciliation",
        "--finance-email", "finance@wallet.example"])
    assert result.exit_code == 0, result.output
    assert "transport both" in result.output and "template wallet-v1" in result.output
    row = settings_row(wallet.partner.id)
    assert (row.transport, row.close_time, row.sftp_host, row.sftp_port, row.sftp_user) == (
        "both", "03:30", "127.0.0.1", 2222, "webview")
    assert row.template["name"] == "wallet-v1" and row.template["delimiter"] == ";"
    assert row.reconciliation_url.endswith("/wallet-one/reconciliation")
    assert row.finance_emails == ["finance@wallet.example"]
    assert "OPENSSH" not in row.sftp_key_sealed and files["key_text"][40:80] not in row.sftp_key_sealed
    from webview.reconciliation.settings import sftp_private_key

    assert sftp_private_key(row).get_name() == "ssh-ed25519"

    again = runner.invoke(args=["partners", "set-recon", wallet.code, "--time", "01:00", "--template", "standard"])
    assert again.exit_code == 0, again.output
    row = settings_row(wallet.partner.id)
    assert (row.transport, row.close_time, row.template) == ("both", "01:00", STANDARD.as_json())


BAD = [
    (["--transport", "ftp"], "--transport must be one of"),
    (["--time", "24:00"], "--time must be HH:MM"),
    (["--time", "2:00"], "--time must be HH:MM"),
    (["--template", "nonexistent"], "neither a known template"),
    (["--template", "{bad_json}"], "not valid JSON"),
    (["--sftp-key", "{not_a_key}"], "--sftp-key: not an unencrypted"),
    (["--sftp-key", "/no/such/file"], "cannot read"),
    (["--sftp-known-hosts", "{not_a_key}"], "--sftp-known-hosts: line 1"),
    (["--sftp-host", "bad host!"], "not a valid hostname"),
    (["--sftp-port", "70000"], "--sftp-port must be 1 to 65535"),
    (["--sftp-user", "a b"], "--sftp-user must be"),
    (["--reconciliation-url", "ftp://x.example/recon"], "--reconciliation-url must be an absolute http(s) URL"),
    (["--reconciliation-url", "http://10.1.2.3/recon"], "may use http only for 127.0.0.1"),
    (["--finance-email", "not-an-address"], "--finance-email"),
    (["--transport", "sftp", "--sftp-host", "127.0.0.1"], "transport sftp needs --sftp-user, --sftp-key"),
    (["--bogus", "1"], "No such option"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_refused_whole_in_one_line(runner, wallet, files, args, message):
    first = runner.invoke(args=["partners", "set-recon", wallet.code, "--transport", "api", "--time", "04:00"])
    assert first.exit_code == 0, first.output
    args = [arg.format(**files) for arg in args]
    result = runner.invoke(args=["partners", "set-recon", wallet.code, "--time", "05:00", *args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output
    row = settings_row(wallet.partner.id)
    assert (row.transport, row.close_time) == ("api", "04:00")  # nothing half-written


def test_unknown_partner_is_one_line(runner, app):
    result = runner.invoke(args=["partners", "set-recon", "nobody", "--transport", "api"])
    assert result.exit_code == 2 and "no partner with code 'nobody'" in result.output


TEMPLATE_PROBLEMS = [
    ({"name": "x", "columns": []}, "columns must be a non-empty list"),
    ({"name": "x", "columns": [{"field": "amount"}]}, "required field(s) missing"),
    ({"name": "x", "columns": [{"field": "price"}]}, "unknown field 'price'"),
    ({**STANDARD.as_json(), "delimiter": "x"}, "delimiter must be one of"),
    ({**STANDARD.as_json(), "grouping": ","}, "grouping must differ"),
    ({**STANDARD.as_json(), "date_format": "%H:%M"}, "with %Y, %m and %d"),
    ({**STANDARD.as_json(), "colour": "red"}, "unknown template key(s): colour"),
    ({**STANDARD.as_json(), "decimals": 3}, "decimals must be 0 or 2"),
    ({**STANDARD.as_json(), "columns": [*STANDARD.as_json()["columns"], {"field": "amount", "header": "x"}]},
     "a field appears twice"),
]


@pytest.mark.parametrize(("data", "message"), TEMPLATE_PROBLEMS)
def test_template_validation(data, message):
    with pytest.raises(TemplateError, match=None) as caught:
        parse_template(data)
    assert message in str(caught.value)


def test_amount_formats_round_trip_and_grouping_is_refused_where_not_agreed():
    grouped = parse_template({**STANDARD.as_json(), "name": "g", "delimiter": ";", "grouping": ".",
                              "decimal": ",", "decimals": 2})
    assert grouped.format_amount(1500000) == "1.500.000,00"
    assert grouped.parse_amount("1.500.000,00") == 1500000
    assert STANDARD.parse_amount("1500000") == 1500000
    with pytest.raises(ValueError, match="grouping separators"):
        STANDARD.parse_amount("1,500,000")
    with pytest.raises(ValueError):
        grouped.parse_amount("15.00.000,00")


def test_template_preview_prints_a_real_day_in_the_template(runner, wallet, files):
    from tests.reconciliation.conftest import local, paid_booking, past_day

    day = past_day()
    booking = paid_booking(wallet.partner, local(day, 8, 15))
    result = runner.invoke(args=["recon", "preview", "--partner", wallet.code, "--date", f"{day:%Y%m%d}",
                                 "--template", files["template"]])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Order;Type;Amount;Status;Refund;Time"
    assert lines[1].startswith(f"{booking.reference};PAYMENT;{booking.amount:,}".replace(",", "."))
    assert lines[1].endswith(f"{day:%d/%m/%Y} 08:15:00")
    bad = runner.invoke(args=["recon", "preview", "--partner", wallet.code, "--date", "2026-01-01"])
    assert bad.exit_code == 2 and "--date '2026-01-01': date must be YYYYMMDD" in bad.output
