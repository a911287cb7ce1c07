"""Styled partners for the styles tests, and a partner side written from docs/partners/styles.md alone.

The partner-side helpers here build canonical strings and signatures by hand (string formatting, hashlib, hmac),
not with `webview.styles`, so a bug in the engine cannot be cancelled out by the same bug in the test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote, quote_plus

from tests.payments.factories import SignedPartner, hmac_partner
from webview.extensions import db
from webview.styles.presets import preset_document
from webview.styles.store import set_partner_style


def styled_partner(style: str | dict, *, code: str = "styled-wallet",
                   base: str = "http://127.0.0.1:5000/sandbox/partner/styled") -> tuple[SignedPartner, dict[str, str]]:
    """An active sandbox partner moved to a style (a preset name or a document); (partner, issued secrets)."""
    signed = hmac_partner(base, code=code)
    document = preset_document(style) if isinstance(style, str) else style
    stored = set_partner_style(signed.partner, document, source="test", actor="tests")
    db.session.commit()
    return signed, stored.issued_secrets


def hex_hmac(secret: str, message: str | bytes, digest=hashlib.sha256) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), data, digest).hexdigest()


def b64_hmac(secret: str, message: str | bytes, digest=hashlib.sha512) -> str:
    data = message.encode() if isinstance(message, str) else message
    return base64.b64encode(hmac.new(secret.encode(), data, digest).digest()).decode()


def php_urlencode(text: str) -> str:
    """PHP urlencode: quote_plus, but '~' encoded too (styles.md `form`)."""
    return quote_plus(text, safe="").replace("~", "%7E")


def rfc3986(text: str) -> str:
    return quote(text, safe="~")
