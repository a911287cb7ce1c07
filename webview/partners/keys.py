"""RSA keys: partners' public keys (PEM or .NET XML) and the merchant's own key pair per environment."""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from xml.etree import ElementTree

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webview.extensions import db
from webview.partners.models import ENVIRONMENTS, MerchantKey, Partner
from webview.vault import open_sealed, seal

MERCHANT_KEY_BITS = 3072
MERCHANT_KEY_PURPOSE = "merchant-key"
MIN_KEY_BITS = 1024
PRODUCTION_MIN_KEY_BITS = 2048
MAX_KEY_TEXT = 20_000  # a 16384-bit key in XML is far below this
MAX_KEY_BITS = 16384

# Anything that could make the XML parser fetch, expand or define something is refused before parsing.
XML_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)|<\?xml-stylesheet|SYSTEM\s|PUBLIC\s", re.I)
XML_PRIVATE_PARTS = ("D", "P", "Q", "DP", "DQ", "InverseQ")


class KeyFormatError(ValueError):
    """A key was malformed, of the wrong type or too weak; the message is one line for the operator."""


def _decode_text(text: str | bytes) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise KeyFormatError("key file is not text (PEM or XML expected)") from error
    text = text.strip()
    if not text:
        raise KeyFormatError("key is empty")
    if len(text) > MAX_KEY_TEXT:
        raise KeyFormatError("key text is too long")
    return text


def _xml_integer(value: str | None, name: str) -> int:
    if not value or not value.strip():
        raise KeyFormatError(f"XML key has no <{name}>")
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise KeyFormatError(f"XML key <{name}> is not base64") from error
    if not raw:
        raise KeyFormatError(f"XML key <{name}> is empty")
    return int.from_bytes(raw, "big")


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml_key(text: str) -> RSAPublicKey:
    """A .NET <RSAKeyValue>, parsed with the stdlib after refusing DTDs and entities."""
    if XML_FORBIDDEN.search(text):
        raise KeyFormatError("XML key must not contain a DOCTYPE, entities or external references")
    try:
        root = ElementTree.fromstring(text)  # noqa: S314  (no DTD/entities can reach the parser: checked above)
    except ElementTree.ParseError as error:
        raise KeyFormatError("XML key is not well-formed") from error
    if _local_name(root.tag) != "RSAKeyValue":
        raise KeyFormatError("XML key must be an <RSAKeyValue> element")
    parts = {_local_name(child.tag): child.text for child in root}
    if any(name in parts for name in XML_PRIVATE_PARTS):
        raise KeyFormatError("this XML holds a private key; send the public key only (Modulus and Exponent)")
    modulus = _xml_integer(parts.get("Modulus"), "Modulus")
    exponent = _xml_integer(parts.get("Exponent"), "Exponent")
    try:
        return rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except ValueError as error:
        raise KeyFormatError(f"XML key is not a valid RSA public key ({error})") from error


def _parse_pem_key(text: str) -> object:
    if "PRIVATE KEY" in text.split("\n", 1)[0]:
        raise KeyFormatError("this is a private key; send the public key only")
    data = text.encode("ascii", "replace")
    try:
        if "BEGIN CERTIFICATE" in text:
            return x509.load_pem_x509_certificate(data).public_key()
        return serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm, TypeError) as error:
        raise KeyFormatError("PEM key cannot be read (expected PUBLIC KEY or RSA PUBLIC KEY)") from error


def parse_public_key(text: str | bytes, environment: str) -> tuple[RSAPublicKey, list[str]]:
    """Read a partner's RSA public key (PEM SPKI, PKCS#1 or .NET XML); enforce the size rules of the environment."""
    if environment not in ENVIRONMENTS:
        raise KeyFormatError(f"unknown environment {environment!r}")
    text = _decode_text(text)
    if text.startswith("-----BEGIN"):
        key = _parse_pem_key(text)
    elif text.startswith("<"):
        key = _parse_xml_key(text)
    else:
        raise KeyFormatError("key must be PEM (-----BEGIN PUBLIC KEY-----) or .NET XML (<RSAKeyValue>)")
    if not isinstance(key, RSAPublicKey):
        raise KeyFormatError(f"only RSA keys are accepted (got {type(key).__name__.lstrip('_')})")
    bits = key.key_size
    warnings: list[str] = []
    if bits < MIN_KEY_BITS:
        raise KeyFormatError(f"RSA key of {bits} bits is too weak (at least {MIN_KEY_BITS} bits)")
    if bits > MAX_KEY_BITS:
        raise KeyFormatError(f"RSA key of {bits} bits is larger than supported ({MAX_KEY_BITS} bits)")
    if bits < PRODUCTION_MIN_KEY_BITS:
        if environment == "production":
            raise KeyFormatError(
                f"RSA key of {bits} bits is refused in production (at least {PRODUCTION_MIN_KEY_BITS} bits)"
            )
        warnings.append(f"RSA key of {bits} bits accepted in sandbox only; production needs 2048 bits or more")
    return key, warnings


def public_key_pem(key: RSAPublicKey | RSAPrivateKey) -> str:
    """The SubjectPublicKeyInfo PEM of a key (of the public half for a private key)."""
    public = key.public_key() if isinstance(key, RSAPrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _xml_base64(value: int) -> str:
    """A positive integer as .NET writes it in <RSAKeyValue>: standard base64 of its minimal big-endian bytes."""
    return base64.b64encode(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")).decode("ascii")


def public_key_xml(key: RSAPublicKey | RSAPrivateKey) -> str:
    """The public half of an RSA key as .NET XML (`RSA.ToXmlString(false)`): one line,
    `<RSAKeyValue><Modulus>…</Modulus><Exponent>…</Exponent></RSAKeyValue>`."""
    public = key.public_key() if isinstance(key, RSAPrivateKey) else key
    if not isinstance(public, RSAPublicKey):
        raise KeyFormatError("only RSA keys have an XML form")
    numbers = public.public_numbers()
    return (f"<RSAKeyValue><Modulus>{_xml_base64(numbers.n)}</Modulus>"
            f"<Exponent>{_xml_base64(numbers.e)}</Exponent></RSAKeyValue>")


def pem_to_xml(text: str | bytes) -> str:
    """An RSA public key PEM (SubjectPublicKeyInfo, PKCS#1 or a certificate) as .NET XML; KeyFormatError else.

    A format conversion only: the size rules of an environment are `parse_public_key`'s."""
    text = _decode_text(text)
    if not text.startswith("-----BEGIN"):
        raise KeyFormatError("key must be PEM (-----BEGIN PUBLIC KEY-----)")
    key = _parse_pem_key(text)
    if not isinstance(key, RSAPublicKey):
        raise KeyFormatError(f"only RSA keys are accepted (got {type(key).__name__.lstrip('_')})")
    return public_key_xml(key)


def xml_to_pem(text: str | bytes) -> str:
    """A .NET XML <RSAKeyValue> public key as SubjectPublicKeyInfo PEM; KeyFormatError for anything else
    (private parts, DTDs, bad base64, not RSA). A format conversion only, like `pem_to_xml`."""
    text = _decode_text(text)
    if not text.startswith("<"):
        raise KeyFormatError("key must be .NET XML (<RSAKeyValue>)")
    key = _parse_xml_key(text)
    if key.key_size > MAX_KEY_BITS:
        raise KeyFormatError(f"RSA key of {key.key_size} bits is larger than supported ({MAX_KEY_BITS} bits)")
    return public_key_pem(key)


def private_key_pem(key: RSAPrivateKey) -> str:
    """The unencrypted PKCS#8 PEM of a private key (only ever stored sealed or handed to its owner)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _check_environment(environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r} (one of {', '.join(ENVIRONMENTS)})")


def merchant_key_pair(environment: str) -> MerchantKey:
    """The merchant's key pair for an environment, created (3072 bits, private part sealed) on first use.

    Creation happens in a savepoint of the caller's transaction; when another node created the row at the
    same time, its key wins and is returned. The caller commits.
    """
    _check_environment(environment)
    query = select(MerchantKey).where(MerchantKey.environment == environment)
    existing = db.session.scalar(query)
    if existing is not None:
        return existing
    private = rsa.generate_private_key(public_exponent=65537, key_size=MERCHANT_KEY_BITS)
    row = MerchantKey(
        environment=environment,
        public_key_pem=public_key_pem(private),
        private_key_sealed=seal(current_app.config["MASTER_KEY"], private_key_pem(private), MERCHANT_KEY_PURPOSE),
        bits=MERCHANT_KEY_BITS,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        winner = db.session.scalar(query)
        if winner is None:
            raise
        return winner
    return row


@lru_cache(maxsize=16)
def _load_private_key(environment: str, master_key: str, sealed: str) -> RSAPrivateKey:
    pem = open_sealed(master_key, sealed, MERCHANT_KEY_PURPOSE)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise KeyFormatError("stored merchant key is not an RSA private key")
    return key


def merchant_private_key(environment: str) -> RSAPrivateKey:
    """The merchant's private key for an environment (loaded once per environment and MASTER_KEY)."""
    row = merchant_key_pair(environment)
    return _load_private_key(environment, current_app.config["MASTER_KEY"], row.private_key_sealed)


def merchant_public_key_pem(environment: str) -> str:
    """The merchant's public key PEM for an environment, as handed to partners."""
    return merchant_key_pair(environment).public_key_pem


def merchant_public_key_xml(environment: str) -> str:
    """The merchant's public key for an environment as .NET XML (for partners whose stack keeps XML keys)."""
    return public_key_xml(serialization.load_pem_public_key(merchant_public_key_pem(environment).encode("ascii")))


@lru_cache(maxsize=256)
def _load_public_key(pem: str) -> RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, RSAPublicKey):
        raise KeyFormatError("stored partner key is not an RSA public key")
    return key


def partner_public_key(partner: Partner) -> RSAPublicKey:
    """The partner's registered RSA public key; KeyFormatError when it has none."""
    if not partner.public_key_pem:
        raise KeyFormatError(f"partner {partner.code} has no public key")
    return _load_public_key(partner.public_key_pem)
