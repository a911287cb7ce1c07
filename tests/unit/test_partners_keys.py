"""Partner public keys (PEM, PKCS#1, .NET XML; size rules; hostile input) and the merchant key pair."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import func, select

from webview.extensions import db
from webview.partners.keys import (
    KeyFormatError,
    merchant_key_pair,
    merchant_private_key,
    merchant_public_key_pem,
    merchant_public_key_xml,
    parse_public_key,
    pem_to_xml,
    public_key_pem,
    public_key_xml,
    xml_to_pem,
)
from webview.partners.models import MerchantKey
from webview.vault import open_sealed


@pytest.fixture(scope="module")
def key2048():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()


@pytest.fixture(scope="module")
def key1024():
    return rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505  (weak on purpose)


def spki(key) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def pkcs1(key) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)


def b64(number: int) -> str:
    return base64.b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).decode()


def xml(key, extra: str = "") -> str:
    numbers = key.public_numbers()
    return (f"<RSAKeyValue><Modulus>{b64(numbers.n)}</Modulus><Exponent>{b64(numbers.e)}</Exponent>{extra}"
            "</RSAKeyValue>")


def test_pem_spki_pkcs1_and_xml_give_the_same_key(key2048):
    for text in (spki(key2048), pkcs1(key2048).decode(), xml(key2048), "\n  " + xml(key2048) + "\n"):
        key, warnings = parse_public_key(text, "production")
        assert key.public_numbers() == key2048.public_numbers()
        assert warnings == []
    assert public_key_pem(key2048) == spki(key2048).decode()


def test_xml_with_whitespace_inside_base64_and_a_namespace(key2048):
    numbers = key2048.public_numbers()
    modulus = b64(numbers.n)
    wrapped = "\n".join(modulus[i : i + 64] for i in range(0, len(modulus), 64))
    text = (f'<?xml version="1.0" encoding="utf-8"?><RSAKeyValue xmlns="urn:x"><Modulus>{wrapped}</Modulus>'
            f"<Exponent>AQAB</Exponent></RSAKeyValue>")
    key, _ = parse_public_key(text.encode(), "sandbox")
    assert key.public_numbers() == numbers


def test_1024_bits_warns_in_sandbox_and_is_refused_in_production(key1024):
    key, warnings = parse_public_key(spki(key1024), "sandbox")
    assert key.key_size == 1024
    assert len(warnings) == 1 and "1024" in warnings[0]
    with pytest.raises(KeyFormatError, match="production"):
        parse_public_key(xml(key1024), "production")


def test_512_bits_refused_everywhere():
    modulus = secrets.randbits(512) | (1 << 511) | 1
    weak = rsa.RSAPublicNumbers(65537, modulus).public_key()
    for text in (spki(weak), xml(weak)):
        for environment in ("sandbox", "production"):
            with pytest.raises(KeyFormatError, match="too weak"):
                parse_public_key(text, environment)


def test_ec_key_refused():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(KeyFormatError, match="only RSA"):
        parse_public_key(spki(key), "sandbox")


def test_private_keys_are_refused():
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505  (weak on purpose)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    with pytest.raises(KeyFormatError, match="private key"):
        parse_public_key(pem, "sandbox")
    numbers = private.private_numbers()
    with pytest.raises(KeyFormatError, match="private key"):
        parse_public_key(xml(private.public_key(), f"<D>{b64(numbers.d)}</D>"), "sandbox")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        b"\xff\xfe\x00garbage",
        "hello",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "<RSAKeyValue><Modulus>not base64!</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
        "<RSAKeyValue><Exponent>AQAB</Exponent></RSAKeyValue>",
        "<RSAKeyValue><Modulus>AQAB</Modulus>",
        "<KeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></KeyValue>",
        "<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
    ],
)
def test_garbage_is_refused_with_a_key_format_error(text):
    with pytest.raises(KeyFormatError):
        parse_public_key(text, "sandbox")


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<RSAKeyValue><Modulus>&x;</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
        '<!DOCTYPE RSAKeyValue [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        "<RSAKeyValue><Modulus>&b;</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
        '<!doctype x SYSTEM "http://127.0.0.1:1/evil.dtd"><RSAKeyValue/>',
    ],
)
def test_xxe_and_entity_expansion_refused(text):
    with pytest.raises(KeyFormatError, match="DOCTYPE"):
        parse_public_key(text, "sandbox")


def test_unknown_environment_refused(key2048):
    with pytest.raises(KeyFormatError):
        parse_public_key(spki(key2048), "staging")


def test_merchant_key_pair_is_3072_sealed_and_stable(app):
    row = merchant_key_pair("sandbox")
    db.session.commit()
    assert row.bits == 3072
    assert "PRIVATE" not in row.private_key_sealed
    pem = open_sealed(app.config["MASTER_KEY"], row.private_key_sealed, "merchant-key")
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    private = merchant_private_key("sandbox")
    assert private.key_size == 3072
    assert public_key_pem(private) == merchant_public_key_pem("sandbox") == row.public_key_pem
    assert merchant_private_key("sandbox") is private  # loaded once
    assert merchant_key_pair("sandbox").id == row.id
    assert db.session.scalar(select(func.count()).select_from(MerchantKey).where(
        MerchantKey.environment == "sandbox")) == 1
    with pytest.raises(ValueError):
        merchant_key_pair("staging")


def test_environments_have_distinct_merchant_keys(app):
    assert merchant_public_key_pem("sandbox") != merchant_public_key_pem("production")
    db.session.commit()


# -- .NET XML <-> PEM (issue 14: Gotadi clients keep keys as .NET XML) ----------------------------------------

VECTOR_KEYS = json.loads((Path(__file__).resolve().parents[2] / "docs" / "partners" / "vectors.json")
                         .read_text(encoding="utf-8"))["keys"]


def test_pem_and_xml_round_trip_keep_the_numbers(key2048, key1024):
    for key in (key2048, key1024, rsa.generate_private_key(public_exponent=3, key_size=3072).public_key()):
        text = pem_to_xml(spki(key))
        assert text.startswith("<RSAKeyValue><Modulus>") and text.endswith("</Exponent></RSAKeyValue>")
        assert "\n" not in text and " " not in text
        parsed, _ = parse_public_key(text, "sandbox")  # what the partner key upload reads
        assert parsed.public_numbers() == key.public_numbers()
        pem = xml_to_pem(text)
        assert pem == spki(key).decode()
        assert serialization.load_pem_public_key(pem.encode()).public_numbers() == key.public_numbers()
        assert pem_to_xml(pkcs1(key)) == text == public_key_xml(key)
    assert pem_to_xml(spki(key2048)).count("<Exponent>AQAB</Exponent>") == 1


def test_xml_is_base64_of_the_minimal_big_endian_bytes(key2048):
    text = public_key_xml(key2048)
    modulus = base64.b64decode(text.split("<Modulus>")[1].split("</Modulus>")[0], validate=True)
    assert len(modulus) == 256 and modulus[0] >= 0x80  # no sign byte, as .NET's ToXmlString writes it
    assert int.from_bytes(modulus, "big") == key2048.public_numbers().n


def test_published_vectors_convert_both_ways():
    for who in ("partner", "merchant"):
        pem, published_xml = VECTOR_KEYS[f"{who}_public_key_pem"], VECTOR_KEYS[f"{who}_public_key_xml"]
        assert pem_to_xml(pem) == published_xml
        assert xml_to_pem(published_xml) == pem
    private = serialization.load_pem_private_key(VECTOR_KEYS["merchant_private_key_pem"].encode(), None)
    assert public_key_xml(private) == VECTOR_KEYS["merchant_public_key_xml"]


@pytest.mark.parametrize("convert, text, reason", [
    (xml_to_pem, "", "empty"),
    (xml_to_pem, "-----BEGIN PUBLIC KEY-----", "XML"),
    (xml_to_pem, "<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent><D>AQAB</D></RSAKeyValue>",
     "private"),
    (xml_to_pem, '<!DOCTYPE x [<!ENTITY a "b">]><RSAKeyValue/>', "DOCTYPE"),
    (xml_to_pem, "<RSAKeyValue><Modulus>@@</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>", "base64"),
    (pem_to_xml, "<RSAKeyValue/>", "PEM"),
    (pem_to_xml, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "cannot be read"),
    (pem_to_xml, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "private"),
])
def test_conversions_refuse_bad_input_with_one_line(convert, text, reason):
    with pytest.raises(KeyFormatError, match=reason):
        convert(text)


def test_pem_to_xml_refuses_a_non_rsa_key():
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(KeyFormatError, match="only RSA"):
        pem_to_xml(spki(key))


def test_merchant_key_xml_is_the_pem_key(app):
    for environment in ("sandbox", "production"):
        pem = merchant_public_key_pem(environment)
        text = merchant_public_key_xml(environment)
        assert xml_to_pem(text) == pem
        assert parse_public_key(text, "production")[0].key_size == 3072
    db.session.commit()


def test_flask_keys_show_prints_pem_by_default_and_xml_on_request(app, runner):
    pem = runner.invoke(args=["keys", "show", "--public"])
    assert pem.exit_code == 0 and pem.output.startswith("-----BEGIN PUBLIC KEY-----")
    explicit = runner.invoke(args=["keys", "show", "--public", "--format", "pem"])
    assert explicit.output == pem.output
    shown = runner.invoke(args=["keys", "show", "--public", "--format", "xml", "--environment", "production"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.strip() == merchant_public_key_xml("production")
    assert xml_to_pem(shown.output) == merchant_public_key_pem("production")
    assert xml_to_pem(runner.invoke(args=["keys", "show", "--public", "--format", "xml"]).output) == \
        pem.output.strip() + "\n"
    refused = runner.invoke(args=["keys", "show", "--public", "--format", "der"])
    assert refused.exit_code == 2 and "--format must be one of pem, xml" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert runner.invoke(args=["keys", "show", "--format", "xml"]).exit_code == 2  # --public is required
