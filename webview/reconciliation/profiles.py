"""Where reconciliation differs by integration profile, one small function per difference.

* the `.sig` sidecar of our file: hmac partners get hex HMAC-SHA256 of the file bytes keyed with their newest
  client secret; envelope partners get SHA256withRSA (PKCS#1 v1.5) with the merchant key, standard base64;
* checking the `.sig` of the partner's file: the same recipes with the partner's secret or public key;
* authenticating `GET /api/v1/reconciliation`: hmac signature headers, or the envelope partner's headers;
* fetching the partner's file from its reconciliation URL: signed like query (hmac), or plain (envelope).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from flask import Response, request

from webview.api.auth import authenticate_hmac
from webview.api.envelope import authenticate_envelope_headers
from webview.api.replay import remember_own_signature
from webview.db import utcnow
from webview.partners.keys import merchant_private_key, partner_public_key
from webview.partners.models import Partner
from webview.partners.services import current_client_secret, partner_secrets
from webview.profiles import profile_of
from webview.signing.hmac import sign, signed_digest


class _HmacSigner:
    def __init__(self, secret: str) -> None:
        self.mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)

    def update(self, data: bytes) -> None:
        self.mac.update(data)

    def finish(self) -> str:
        return self.mac.hexdigest()


class _RsaSigner:
    def __init__(self, environment: str) -> None:
        self.key = merchant_private_key(environment)
        self.digest = hashlib.sha256()

    def update(self, data: bytes) -> None:
        self.digest.update(data)

    def finish(self) -> str:
        signature = self.key.sign(self.digest.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        return base64.b64encode(signature).decode("ascii")


def file_signer(partner: Partner) -> _HmacSigner | _RsaSigner:
    """An incremental signer of our file's bytes for this partner: `update(bytes)`, then `finish()` → .sig text."""
    if profile_of(partner).proves_with_rsa_keys:
        return _RsaSigner(partner.environment)
    return _HmacSigner(current_client_secret(partner))


class _HmacVerifier:
    def __init__(self, secrets: list[str]) -> None:
        self.macs = [hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256) for secret in secrets]

    def update(self, data: bytes) -> None:
        for mac in self.macs:
            mac.update(data)

    def verify(self, signature: str) -> bool:
        text = signature.strip().lower()
        return any(hmac.compare_digest(mac.hexdigest(), text) for mac in self.macs)


class _RsaVerifier:
    def __init__(self, partner: Partner) -> None:
        self.key = partner_public_key(partner)
        self.digest = hashlib.sha256()

    def update(self, data: bytes) -> None:
        self.digest.update(data)

    def verify(self, signature: str) -> bool:
        text = signature.strip()
        try:
            raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4),
                                   validate=True)
            self.key.verify(raw, self.digest.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        except (binascii.Error, ValueError, InvalidSignature):
            return False
        return True


def partner_file_verifier(partner: Partner) -> _HmacVerifier | _RsaVerifier:
    """An incremental checker of the partner's file `.sig`: `update(bytes)`, then `verify(sig_text)`.

    hmac: hex HMAC-SHA256 of the bytes with one of the partner's valid client secrets; envelope: SHA256withRSA
    with the partner's public key, base64 in either alphabet.
    """
    if profile_of(partner).proves_with_rsa_keys:
        return _RsaVerifier(partner)
    return _HmacVerifier(partner_secrets(partner, utcnow()))


def authenticate_api_partner() -> Partner | Response:
    """The partner calling `GET /api/v1/reconciliation`: hmac by its signature headers (over the request target),
    envelope by its `apikey` and `x-ibe-req-name` headers; a refused envelope call gets its plaintext answer."""
    if request.headers.get("x-ibe-req-name") and not request.headers.get("X-Client-Id"):
        return authenticate_envelope_headers()
    return authenticate_hmac()


def partner_fetch_headers(partner: Partner, target: str) -> dict[str, str]:
    """Headers of our GET of the partner's file at its reconciliation URL.

    hmac: signed like the query call (over the request target, newest secret, entered in the replay store);
    envelope: none (there is no merchant → partner credential; the file's own .sig proves it is theirs).
    """
    if not profile_of(partner).signs_merchant_calls:
        return {}
    client_id, timestamp = partner.client_id, str(int(time.time() * 1000))
    secret = current_client_secret(partner)
    remember_own_signature(client_id, int(timestamp), signed_digest(client_id, timestamp, None, target))
    return {"X-Client-Id": client_id, "X-Timestamp": timestamp,
            "X-Signature": sign(secret, client_id, timestamp, None, target)}
