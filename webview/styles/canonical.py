"""Canonical strings, templates and signatures of integration styles (docs/partners/styles.md, byte for byte).

Pure functions: no Flask, no database. A `Message` is what one side of a call sees (headers, top-level fields,
body bytes, request target); `canonical_bytes` builds what its signature covers, `sign_bytes` and
`verify_signature` do the cryptography with the keys the caller hands in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from webview.styles.definition import Canonical, Signature

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z_]+)\}")
_FORM_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_PERCENT_SAFE = _FORM_SAFE | frozenset(b"~")
_HEX = re.compile(r"[0-9a-fA-F]+")
_B64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


class NotText(ValueError):
    """A value that has no text form in a style (a number with a fraction or an exponent)."""


def value_text(value: Any) -> str:
    """The text of a value (styles.md "Text of a value")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise NotText(f"{type(value).__name__} value has no text form")


def form_encode(text: str) -> str:
    """`form` encoding: keep A-Z a-z 0-9 - _ ., space as '+', every other UTF-8 byte as %XX (PHP urlencode)."""
    out = []
    for byte in text.encode("utf-8"):
        if byte in _FORM_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def percent_encode(text: str) -> str:
    """`percent` encoding (RFC 3986): keep A-Z a-z 0-9 - _ . ~, every other UTF-8 byte as %XX."""
    return "".join(chr(byte) if byte in _PERCENT_SAFE else f"%{byte:02X}" for byte in text.encode("utf-8"))


ENCODERS = {"none": lambda text: text, "form": form_encode, "percent": percent_encode}


def render_text(template: str, variables: Mapping[str, Any]) -> str:
    """A template with every `{name}` written as text; `{{`/`}}` are literal braces."""

    def one(match: re.Match) -> str:
        whole = match.group(0)
        if whole == "{{":
            return "{"
        if whole == "}}":
            return "}"
        return value_text(variables.get(match.group(1), ""))

    return PLACEHOLDER.sub(one, template)


def render_value(template: Any, variables: Mapping[str, Any]) -> Any:
    """A JSON template rendered: a string that is exactly one placeholder keeps the variable's type."""
    if isinstance(template, str):
        match = re.fullmatch(r"\{([a-z_]+)\}", template)
        if match:
            return variables.get(match.group(1), "")
        return render_text(template, variables)
    if isinstance(template, dict):
        return {key: render_value(value, variables) for key, value in template.items()}
    if isinstance(template, list):
        return [render_value(item, variables) for item in template]
    return template


def compact_json(value: Any) -> bytes:
    """Compact JSON (',' and ':' without spaces, keys in order, non-ASCII as itself), UTF-8."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def form_body(pairs: Sequence[tuple[str, Any]]) -> str:
    """name=value pairs, each `form` encoded, joined by '&' (form bodies, query strings, redirects)."""
    return "&".join(f"{form_encode(name)}={form_encode(value_text(value))}" for name, value in pairs)


@dataclass
class Message:
    """One message as its canonical string sees it."""

    headers: Mapping[str, str] = field(default_factory=dict)  # names compared case-insensitively
    fields: dict[str, Any] = field(default_factory=dict)  # top-level fields, in order
    body: bytes = b""
    target: str = ""  # the raw request target (path and query as sent)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


class CanonicalProblem(ValueError):
    """A message whose canonical string cannot be built (e.g. an `extra` name the message also carries)."""


def canonical_bytes(recipe: Canonical, message: Message, variables: Mapping[str, Any],
                    signature_field: str | None) -> bytes:
    """The bytes a recipe builds from a message, before `encode` (the replay digest is of these)."""
    if recipe.recipe == "raw_body":
        return message.body
    if recipe.recipe == "json_field":
        value = message.fields.get(recipe.field or "")
        if not isinstance(value, str):
            raise CanonicalProblem(f"{recipe.field} is not a JSON string")
        return value.encode("utf-8")
    if recipe.recipe == "ordered":
        return recipe.separator.encode("utf-8").join(_part_bytes(part, message, variables) for part in recipe.parts)
    return _sorted_pairs(recipe, message, variables, signature_field).encode("utf-8")


def _part_bytes(part, message: Message, variables: Mapping[str, Any]) -> bytes:
    if part.field is not None:
        return value_text(message.fields.get(part.field)).encode("utf-8")
    if part.header is not None:
        return (message.header(part.header) or "").encode("utf-8")
    if part.value is not None:
        return render_text(part.value, variables).encode("utf-8")
    if part.raw_body:
        return message.body
    return message.body if message.body else message.target.encode("utf-8")


def _sorted_pairs(recipe: Canonical, message: Message, variables: Mapping[str, Any],
                  signature_field: str | None) -> str:
    clash = sorted(set(recipe.extra) & set(message.fields))
    if clash:
        raise CanonicalProblem(f"{', '.join(clash)} may not be sent: it is signed from our records")
    if recipe.fields == "all":
        names = [name for name in message.fields
                 if name != signature_field and name not in recipe.exclude and name.startswith(recipe.prefix)]
        names += [name for name in recipe.extra if name not in names]
    else:
        names = [name for name in recipe.fields if name != signature_field]
    values = []
    for name in names:
        if name in message.fields:
            text = value_text(message.fields[name])
        elif name in recipe.extra:
            text = render_text(recipe.extra[name], variables)
        else:
            text = ""
        if recipe.skip_empty and text == "":
            continue
        values.append((name, text))
    encode = ENCODERS[recipe.url_encode]
    values.sort(key=lambda pair: pair[0])
    return "&".join(f"{encode(name)}={encode(text)}" for name, text in values)


def encoded_canonical(recipe: Canonical, raw: bytes) -> bytes:
    """The bytes actually signed: the canonical bytes, or the ASCII of their base64url without padding."""
    if recipe.encode == "base64url_nopad":
        return base64.urlsafe_b64encode(raw).rstrip(b"=")
    return raw


def canonical_for_log(recipe: Canonical, raw: bytes) -> str:
    """What the message log shows of a canonical string (the signed text, as UTF-8)."""
    return encoded_canonical(recipe, raw).decode("utf-8", "replace")


def replay_digest(raw: bytes) -> str:
    """sha256 hex of the canonical bytes before `encode` (for `standard`, the hmac replay key)."""
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Keys:
    """The keys one signature may use: HMAC secrets (sign with the first, verify with any), or RSA keys."""

    secrets: tuple[str, ...] = ()
    public_key: rsa.RSAPublicKey | None = None  # verifies the partner's RSA signatures
    private_key: rsa.RSAPrivateKey | None = None  # signs our calls


class MissingKey(LookupError):
    """The key a signature needs is not available (no secret issued, no public key registered)."""


def _digest(algorithm: str):
    return hashlib.sha512 if algorithm == "HMAC-SHA512" else hashlib.sha256


def _encode_signature(raw: bytes, encoding: str) -> str:
    if encoding == "hex":
        return raw.hex()
    if encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_signature(text: str, encoding: str) -> bytes | None:
    """The raw signature bytes of a presented value, or None when it is not well formed."""
    text = text.strip()
    try:
        if encoding == "hex":
            return bytes.fromhex(text) if _HEX.fullmatch(text) and len(text) % 2 == 0 else None
        if not _B64.fullmatch(text):
            return None
        standard = text.replace("-", "+").replace("_", "/").rstrip("=")
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (ValueError, binascii.Error):
        return None


def sign_bytes(signature: Signature, signed: bytes, keys: Keys) -> str:
    """The signature value to send for these signed bytes (HMAC with the newest secret, or RSA with our key)."""
    if signature.algorithm == "RSA-SHA256":
        if keys.private_key is None:
            raise MissingKey("no private key to sign with")
        raw = keys.private_key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        if not keys.secrets:
            raise MissingKey(f"no secret {signature.secret!r}")
        raw = hmac.new(keys.secrets[0].encode("utf-8"), signed, _digest(signature.algorithm)).digest()
    return _encode_signature(raw, signature.encoding)


def verify_signature(signature: Signature, signed: bytes, presented: str, keys: Keys) -> bool:
    """Whether a presented signature is well formed and matches (every HMAC secret is compared, no early exit)."""
    raw = _decode_signature(presented, signature.encoding)
    if signature.algorithm == "RSA-SHA256":
        if keys.public_key is None:
            raise MissingKey("no public key registered")
        if raw is None:
            return False
        try:
            keys.public_key.verify(raw, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True
    if not keys.secrets:
        raise MissingKey(f"no secret {signature.secret!r}")
    size = _digest(signature.algorithm)().digest_size
    candidate = raw if raw is not None and len(raw) == size else b"\x00" * size
    matched = False
    for secret in keys.secrets:
        expected = hmac.new(secret.encode("utf-8"), signed, _digest(signature.algorithm)).digest()
        matched |= hmac.compare_digest(expected, candidate)
    return matched and raw is not None and len(raw) == size
