"""Secrets at rest: AES-256-GCM under a key derived from MASTER_KEY, and one-way hashes for API keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"v1"


class VaultError(ValueError):
    """A sealed value could not be opened (wrong master key or tampered data)."""


def _derive(master_key: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"webview-vault", info=purpose).derive(
        master_key.encode("utf-8")
    )


def seal(master_key: str, plaintext: str | bytes, purpose: str = "secret") -> str:
    """Encrypt a secret for storage; returns printable text."""
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    nonce = os.urandom(12)
    aad = VERSION + b":" + purpose.encode()
    sealed = AESGCM(_derive(master_key, purpose.encode())).encrypt(nonce, data, aad)
    return VERSION.decode() + "." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def open_sealed(master_key: str, token: str, purpose: str = "secret") -> bytes:
    """Decrypt a value made by seal()."""
    try:
        version, body = token.split(".", 1)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if version.encode() != VERSION or len(raw) < 28:
            raise VaultError("unknown sealed value format")
        aad = VERSION + b":" + purpose.encode()
        return AESGCM(_derive(master_key, purpose.encode())).decrypt(raw[:12], raw[12:], aad)
    except (ValueError, InvalidTag) as error:
        raise VaultError("sealed value cannot be opened with this MASTER_KEY") from error


def hash_api_key(api_key: str) -> str:
    """A one-way digest of a high-entropy API key (sha256; the key itself is never stored)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def api_key_matches(api_key: str, stored_hash: str) -> bool:
    """Constant-time check of an API key against its stored digest."""
    return hmac.compare_digest(hash_api_key(api_key), stored_hash)
