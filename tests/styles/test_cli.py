"""`flask partners set-style CODE FILE|PRESET` and `flask partners show-style CODE`."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.payments.factories import hmac_partner
from webview.extensions import db
from webview.partners.services import PartnerSpec, create_partner, find_partner
from webview.styles.definition import StyleError
from webview.styles.presets import preset_document
from webview.styles.store import set_partner_style


def test_set_a_preset_then_a_yaml_file_then_show_versions(app, runner, tmp_path):
    hmac_partner(code="cli-wallet")
    result = runner.invoke(args=["partners", "set-style", "cli-wallet", "zalopay-like", "--json"])
    assert result.exit_code == 0, result.output
    stored = json.loads(result.output)
    assert (stored["version"], stored["name"], stored["profile"]) == (1, "zalopay-like", "styled")
    assert set(stored["issued_secrets"]) == {"key2"} and len(stored["issued_secrets"]["key2"]) >= 40

    document = preset_document("vnpay-like")
    document["name"] = "my-vnpay"
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    second = runner.invoke(args=["partners", "set-style", "cli-wallet", str(path), "--actor", "ops@merchant"])
    assert second.exit_code == 0, second.output
    assert "style my-vnpay stored as version 2 (file mine.yaml)" in second.output

    shown = runner.invoke(args=["partners", "show-style", "cli-wallet"])
    assert json.loads(shown.output)["name"] == "my-vnpay"
    older = runner.invoke(args=["partners", "show-style", "cli-wallet", "--version", "1"])
    assert json.loads(older.output)["name"] == "zalopay-like"
    versions = runner.invoke(args=["partners", "show-style", "cli-wallet", "--versions"]).output.splitlines()
    assert len(versions) == 2 and "ops@merchant" in versions[1] and "preset zalopay-like" in versions[0]


def test_refusals_are_one_line_and_store_nothing(app, runner, tmp_path):
    hmac_partner(code="cli-wallet")
    bad = tmp_path / "bad.json"
    document = preset_document("momo-like")
    document["status_in"]["methods"] = ["GET"]
    document["colour"] = "red"
    bad.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(args=["partners", "set-style", "cli-wallet", str(bad)])
    assert result.exit_code == 2
    assert "style not stored:" in result.output and "colour" in result.output and "GET carries no body" in result.output
    assert len(result.output.strip().splitlines()) == 1

    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed", encoding="utf-8")
    assert "not valid YAML" in runner.invoke(args=["partners", "set-style", "cli-wallet", str(broken)]).output
    missing = runner.invoke(args=["partners", "set-style", "cli-wallet", "no-such-preset"])
    assert missing.exit_code == 2 and "neither a preset (standard, momo-like" in missing.output
    assert runner.invoke(args=["partners", "set-style", "nobody", "standard"]).exit_code == 2
    none = runner.invoke(args=["partners", "show-style", "cli-wallet"])
    assert none.exit_code == 2 and "no style stored" in none.output


def rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_an_envelope_partner_cannot_take_a_style_and_rsa_needs_a_registered_key(app, runner):
    create_partner(PartnerSpec(
        code="travel-co", name="Travel Co", environment="sandbox", profile="envelope", suite="modern",
        handoff="redirect", public_key=rsa_pem(), admin_name="Ops", admin_email="ops@travel.example",
        payment_url="http://127.0.0.1:5000/sandbox/partner/travel-co/pay", return_hosts=("127.0.0.1",)))
    db.session.commit()
    refused = runner.invoke(args=["partners", "set-style", "travel-co", "standard"])
    assert refused.exit_code == 2 and "envelope partners cannot take a style" in refused.output

    hmac_partner(code="rsa-wallet")
    document = preset_document("momo-like")
    document["status_in"]["signature"] = {**document["status_in"]["signature"], "algorithm": "RSA-SHA256",
                                          "encoding": "base64"}
    document["status_in"]["signature"].pop("secret")
    with pytest.raises(StyleError, match="register its RSA public key first"):
        set_partner_style(find_partner("rsa-wallet"), document)
