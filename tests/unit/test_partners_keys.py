"""Partner public keys (PEM, PKCS#1, .NET XML; size rules; hostile input) and the merchant key pair."""

from __future__ import annotations

import base64
import secrets

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
    parse_public_key,
    public_key_pem,
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
