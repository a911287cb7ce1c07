#!/usr/bin/env python3
"""Partner sample (profile envelope): log a user in and print the decrypted redirect_url that opens the webview.

Needs `requests` and `cryptography`. Usage:
    python examples/envelope_login.py --base-url http://127.0.0.1:5000 --api-key KEY --access-code CODE \
        --partner-key partner_private.pem --merchant-key merchant_public.pem --suite modern --user-id user-42
    python examples/envelope_login.py --demo instance/demo-partners.json --partner demo-envelope

The message (docs/partners/envelope.md):
    signature data  access_code|user_id|layout|product            (modern: |timestamp appended)
    original data   access_code|user_id|layout|product|signature  (modern: |timestamp appended)
    body            {"key": RSA-wrapped fresh symmetric key, "data": original data encrypted with it}
    suite modern    RSA-OAEP-SHA256 wraps 32 bytes; data = nonce(12) + AES-256-GCM; signature RSA-PSS-SHA256 salt 32
    suite legacy    RSA PKCS#1 v1.5 wraps 24 bytes; data = 3DES-ECB-PKCS5; signature SHA256withRSA
    key and data are base64url without padding; the signature is standard base64.
The answer comes back the same way, signed by the merchant and encrypted to us:
    access_code|error_code|redirect_url|signature  (modern: |timestamp)
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time

import requests
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TIMEOUT = (3.05, 15)
WINDOW_MS = 300_000
OAEP = rsa_padding.OAEP(mgf=rsa_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
PSS = rsa_padding.PSS(mgf=rsa_padding.MGF1(hashes.SHA256()), salt_length=32)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    """Either base64 alphabet, padding optional."""
    text = text.strip().replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def seal(fields: list[str], signature_at: int, suite: str, own_private, their_public) -> dict:
    """Sign the fields with our key, put the signature at its place, encrypt everything to their key."""
    if suite == "modern":
        fields = [*fields, str(int(time.time() * 1000))]
    signature_data = "|".join(fields)
    if suite == "modern":
        signature = own_private.sign(signature_data.encode(), PSS, hashes.SHA256())
    else:
        signature = own_private.sign(signature_data.encode(), rsa_padding.PKCS1v15(), hashes.SHA256())
    original_fields = list(fields)
    original_fields.insert(signature_at, base64.b64encode(signature).decode("ascii"))
    original = "|".join(original_fields).encode("utf-8")
    if suite == "modern":
        key, nonce = os.urandom(32), os.urandom(12)
        wrapped = their_public.encrypt(key, OAEP)
        data = nonce + AESGCM(key).encrypt(nonce, original, None)
    else:
        key = os.urandom(24)
        wrapped = their_public.encrypt(key, rsa_padding.PKCS1v15())
        padder = padding.PKCS7(64).padder()
        encryptor = Cipher(TripleDES(key), modes.ECB()).encryptor()  # noqa: S305 (the legacy suite is ECB by contract)
        data = encryptor.update(padder.update(original) + padder.finalize()) + encryptor.finalize()
    return {"key": b64url(wrapped), "data": b64url(data)}


def open_reply(body: dict, signature_at: int, suite: str, own_private, their_public) -> list[str]:
    """Decrypt the merchant's answer and check its signature; returns the fields without the signature."""
    wrapped, data = unb64(body["key"]), unb64(body["data"])
    if suite == "modern":
        key = own_private.decrypt(wrapped, OAEP)
        original = AESGCM(key).decrypt(data[:12], data[12:], None)
    else:
        key = own_private.decrypt(wrapped, rsa_padding.PKCS1v15())
        decryptor = Cipher(TripleDES(key), modes.ECB()).decryptor()  # noqa: S305
        unpadder = padding.PKCS7(64).unpadder()
        original = unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
    fields = original.decode("utf-8").split("|")
    signature = unb64(fields.pop(signature_at))
    signature_data = "|".join(fields).encode()
    if suite == "modern":
        their_public.verify(signature, signature_data, PSS, hashes.SHA256())
        if abs(int(fields[-1]) - time.time() * 1000) > WINDOW_MS:
            raise ValueError("the answer's timestamp is outside the allowed window")
        fields = fields[:-1]
    else:
        their_public.verify(signature, signature_data, rsa_padding.PKCS1v15(), hashes.SHA256())
    return fields


def login(base_url: str, api_key: str, access_code: str, user_id: str, layout: str, product: str, suite: str,
          partner_private, merchant_public) -> tuple[str, str]:
    """POST /api/v1/partner/login; returns (error_code, redirect_url)."""
    body = seal([access_code, user_id, layout, product], 4, suite, partner_private, merchant_public)
    response = requests.post(base_url.rstrip("/") + "/api/v1/partner/login", json=body, timeout=TIMEOUT,
                             headers={"apikey": api_key, "x-ibe-req-name": access_code})
    answer = response.json()
    if "key" not in answer:  # an unknown partner gets a plaintext {"error_code": "10"}
        return str(answer.get("error_code", "99")), ""
    _access_code, error_code, redirect_url = open_reply(answer, 3, suite, partner_private, merchant_public)
    return error_code, redirect_url


def read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--api-key")
    parser.add_argument("--access-code")
    parser.add_argument("--partner-key", metavar="FILE", help="your RSA private key (PEM)")
    parser.add_argument("--merchant-key", metavar="FILE", help="the merchant's RSA public key (PEM)")
    parser.add_argument("--suite", choices=["modern", "legacy"])
    parser.add_argument("--demo", metavar="FILE", help="read credentials from instance/demo-partners.json")
    parser.add_argument("--partner", default="demo-envelope", help="partner code in the --demo file")
    parser.add_argument("--user-id", default="demo-user-1")
    parser.add_argument("--layout", default="dual", choices=["single", "dual"])
    parser.add_argument("--product", default="flight", choices=["flight", "hotel", "vip"])
    args = parser.parse_args(argv)

    entry: dict = {}
    if args.demo:
        with open(args.demo, encoding="utf-8") as handle:
            entry = next((item for item in json.load(handle) if item.get("partner_code") == args.partner), {})
        if not entry:
            parser.error(f"partner {args.partner!r} is not in {args.demo}")
    api_key = args.api_key or entry.get("api_key")
    access_code = args.access_code or entry.get("access_code")
    suite = args.suite or entry.get("suite") or "modern"
    partner_pem = read(args.partner_key) if args.partner_key else entry.get("partner_private_key_pem", "").encode()
    merchant_pem = read(args.merchant_key) if args.merchant_key else entry.get("merchant_public_key_pem", "").encode()
    if not (api_key and access_code and partner_pem and merchant_pem):
        parser.error("give --api-key --access-code --partner-key --merchant-key, or --demo FILE --partner CODE")
    partner_private = serialization.load_pem_private_key(partner_pem, password=None)
    merchant_public = serialization.load_pem_public_key(merchant_pem)

    try:
        error_code, redirect_url = login(args.base_url, api_key, access_code, args.user_id, args.layout,
                                         args.product, suite, partner_private, merchant_public)
    except requests.RequestException as error:
        print(f"cannot reach {args.base_url}: {error}", file=sys.stderr)
        return 1
    except (ValueError, KeyError, IndexError, InvalidSignature, InvalidTag) as error:
        print(f"the answer could not be opened or verified: {error}", file=sys.stderr)
        return 1
    if error_code != "00":
        print(f"refused: error_code {error_code}", file=sys.stderr)
        return 1
    print(redirect_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
