"""Style documents, partner side: canonical strings (what is signed) and signatures."""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from sandbox.protocol.styles.wire import (
    CLIENT_SECRET,
    HASHES,
    MessageInvalid,
    StyleProblem,
    form_encode,
    percent_encode,
    render_text,
    value_text,
)

# --- canonical strings and signatures -----------------------------------------------------------------------

@dataclass
class Message:
    """One message as it travels: top-level fields (without the signature), headers, body bytes and the raw
    request target (path and query as sent)."""

    fields: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    target: bytes = b""

    def header(self, name: str) -> str:
        """A header's value as sent (names compared without case); empty when absent."""
        lowered = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == lowered), "")


def canonical_bytes(recipe: Mapping[str, Any], message: Message, variables: Mapping[str, Any],
                    signature_field: str | None = None) -> bytes:
    """The bytes that are signed (after `encode`), built by the recipe from the message."""
    kind = recipe.get("recipe")
    if kind == "sorted_pairs":
        raw = _sorted_pairs(recipe, message, variables, signature_field)
    elif kind == "ordered":
        raw = recipe.get("separator", "").encode("utf-8").join(
            _part(part, message, variables) for part in recipe.get("parts", []))
    elif kind == "raw_body":
        raw = message.body
    elif kind == "json_field":
        value = message.fields.get(recipe.get("field", ""))
        if not isinstance(value, str):
            raise MessageInvalid(f"{recipe.get('field')} is not a JSON string", [str(recipe.get("field"))])
        raw = value.encode("utf-8")
    else:
        raise StyleProblem(f"unknown canonical recipe {kind!r}")
    if recipe.get("encode", "none") == "base64url_nopad":
        return base64.urlsafe_b64encode(raw).rstrip(b"=")
    return raw


def _sorted_pairs(recipe: Mapping[str, Any], message: Message, variables: Mapping[str, Any],
                  signature_field: str | None) -> bytes:
    extra: Mapping[str, str] = recipe.get("extra") or {}
    chosen = recipe.get("fields", "all")
    if chosen == "all":
        prefix, exclude = recipe.get("prefix") or "", set(recipe.get("exclude") or ())
        names = [name for name in message.fields
                 if name != signature_field and name not in exclude and name.startswith(prefix)]
        names += [name for name in extra if name not in names]
    else:
        names = list(chosen)
    both = [name for name in extra if name in message.fields]
    if both:
        raise MessageInvalid(f"{both[0]} is both a field and an extra of the signed string", both[:1])
    pairs = []
    for name in names:
        if name in message.fields:
            text = value_text(message.fields[name])
        elif name in extra:
            text = render_text(extra[name], variables)
        else:
            text = ""
        if text or not recipe.get("skip_empty"):
            pairs.append((name, text))
    pairs.sort(key=lambda pair: pair[0])
    encoder = {"none": lambda text: text, "form": form_encode, "percent": percent_encode}[
        recipe.get("url_encode", "none")]
    return "&".join(f"{encoder(name)}={encoder(text)}" for name, text in pairs).encode("utf-8")


def _part(part: Mapping[str, Any], message: Message, variables: Mapping[str, Any]) -> bytes:
    if "field" in part:
        return value_text(message.fields.get(part["field"])).encode("utf-8")
    if "header" in part:
        return message.header(part["header"]).encode("utf-8")
    if "value" in part:
        return render_text(part["value"], variables).encode("utf-8")
    if part.get("raw_body"):
        return message.body
    if part.get("body_or_target"):
        return message.body if message.body else message.target
    raise StyleProblem(f"unknown canonical part {dict(part)!r}")


@dataclass(frozen=True)
class Keys:
    """What a party signs and verifies with: named secrets (client_secret, key2, …) and RSA keys."""

    secrets: Mapping[str, str] = field(default_factory=dict)
    private_key: RSAPrivateKey | None = None
    public_key: RSAPublicKey | None = None


def _secret(signature: Mapping[str, Any], keys: Keys) -> bytes:
    name = signature.get("secret", CLIENT_SECRET)
    if name not in keys.secrets:
        raise StyleProblem(f"no secret {name!r} is known for this style")
    return keys.secrets[name].encode("utf-8")


def sign_bytes(signature: Mapping[str, Any], signed: bytes, keys: Keys) -> str:
    """The signature value as it travels (hex lowercase, base64 padded, or base64url unpadded)."""
    algorithm = signature.get("algorithm")
    if algorithm in HASHES:
        raw = hmac.new(_secret(signature, keys), signed, HASHES[algorithm]).digest()
    elif algorithm == "RSA-SHA256":
        if keys.private_key is None:
            raise StyleProblem("RSA-SHA256 needs the partner's private key")
        raw = keys.private_key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise StyleProblem(f"unknown signature algorithm {algorithm!r}")
    encoding = signature.get("encoding", "hex")
    if encoding == "hex":
        return raw.hex()
    if encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    if encoding == "base64url":
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    raise StyleProblem(f"unknown signature encoding {encoding!r}")


def decode_signature(value: str, encoding: str) -> bytes | None:
    """The raw signature bytes of a received value (hex in either case; base64 in either alphabet, padded or
    not), or None when malformed."""
    try:
        if encoding == "hex":
            return bytes.fromhex(value) if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value) else None
        if not re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", value):
            return None
        standard = value.rstrip("=").replace("-", "+").replace("_", "/")
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (ValueError, binascii.Error):
        return None


def verify_bytes(signature: Mapping[str, Any], signed: bytes, given: str, keys: Keys) -> bool:
    """Whether a received signature value signs these bytes with one of the keys."""
    raw = decode_signature(given.strip(), signature.get("encoding", "hex"))
    if raw is None:
        return False
    algorithm = signature.get("algorithm")
    if algorithm in HASHES:
        expected = hmac.new(_secret(signature, keys), signed, HASHES[algorithm]).digest()
        return hmac.compare_digest(expected, raw)
    if algorithm == "RSA-SHA256" and keys.public_key is not None:
        try:
            keys.public_key.verify(raw, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True
    return False


def signature_field(signature: Mapping[str, Any] | None) -> str | None:
    """The top-level field the signature travels in (None for a header placement or no signature)."""
    return (signature or {}).get("placement", {}).get("field")
