"""Issue 9, finding 11: the message log keeps what the inspector needs (the signed input decoded with personal
data masked, and its sha256), never the raw canonical string, and no signature value in any direction."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re

import pytest
from sqlalchemy import select

from sandbox.protocol import hmac_auth as partner_side
from tests.payments.factories import hmac_partner
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.messagelog.services import log_exchange

PHONE, EMAIL, NAME = "0987654321", "an.nguyen@example.com", "Nguyen Van An"
LAUNCH = {"identify_code": "user-9", "identify_phone": PHONE, "identify_fullname": NAME, "email": EMAIL}
PERSONAL = (PHONE, EMAIL, NAME, "an.nguyen")


def decodings(text: str) -> list[str]:
    """Every base64 (either alphabet) run in the text, decoded: how the finding read phones out of the log."""
    found = []
    for run in re.findall(r"[A-Za-z0-9_\-+/]{16,}", text):
        for candidate in (run, run[1:], run[2:], run[3:]):
            try:
                raw = base64.urlsafe_b64decode(candidate.replace("+", "-").replace("/", "_")
                                               + "=" * (-len(candidate) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw.decode("utf-8", "replace"))
    return found


def row_text(row: PartnerMessage) -> str:
    return json.dumps([row.url, row.request_headers, row.request_body, row.response_body, row.canonical,
                       row.canonical_sha256, row.verdict], ensure_ascii=False)


def assert_private(row: PartnerMessage, *signatures: str) -> None:
    text = row_text(row)
    for value in PERSONAL:
        assert value not in text
        assert not [decoded for decoded in decodings(text) if value in decoded], value
    for signature in signatures:
        assert signature not in text


@pytest.fixture
def wallet(app):
    return hmac_partner()


def test_an_inbound_call_is_logged_decoded_masked_and_digested(client, wallet):
    raw = json.dumps(LAUNCH).encode()
    headers = wallet.headers(raw)
    assert client.post("/api/v1/webview-url", data=raw, headers=headers,
                       content_type="application/json").get_json()["code"] == 0
    row = db.session.scalars(select(PartnerMessage).order_by(PartnerMessage.id.desc())).first()
    assert_private(row, headers["X-Signature"])
    payload = f"{headers['X-Timestamp']}.{wallet.client_id}.".encode() + raw
    assert row.canonical_sha256 == hashlib.sha256(payload).hexdigest()
    assert row.canonical.startswith(f"{headers['X-Timestamp']}.{wallet.client_id}.{{")
    assert "098*****21" in row.canonical and "a***@example.com" in row.canonical
    assert row.request_headers["X-Signature"] == "[redacted]"


def test_a_get_is_logged_with_its_target(client, wallet):
    target = "/api/v1/transaction?reference_transaction_id=261122-NOPE1234"
    headers = wallet.headers(target.encode())
    client.get(target, headers=headers)
    row = db.session.scalars(select(PartnerMessage).order_by(PartnerMessage.id.desc())).first()
    assert row.canonical == f"{headers['X-Timestamp']}.{wallet.client_id}.{target}"
    assert headers["X-Signature"] not in row_text(row)


@pytest.mark.parametrize("direction", ["inbound", "outbound", "sandbox-inbound", "sandbox-outbound"])
def test_every_direction_drops_signatures_and_raw_canonicals(app, direction):
    body = json.dumps({"customer": {"identify_code": "u", "phone": PHONE, "email": EMAIL},
                       "signature": "c2lnbmF0dXJl", "sig": "abc123"}).encode()
    signature = partner_side.sign("client-1", "secret-1", "1700000000000", body)
    canonical = partner_side.signing_input("1700000000000", "client-1", body).decode()
    row = log_exchange(direction=direction, method="POST", url="http://x.example/p?sig=abc123&signature=zz9",
                       request_headers={"X-Signature": signature, "x-signature": signature, "X-Client-Id": "c"},
                       request_body=body, response_body=body, canonical=canonical)
    db.session.commit()
    assert_private(row, signature, "abc123", "zz9", "c2lnbmF0dXJl")
    assert row.canonical_sha256 == hashlib.sha256(b"1700000000000.client-1." + body).hexdigest()


def test_an_envelope_signature_data_is_kept_as_given(app):
    row = log_exchange(direction="inbound", method="POST", url="http://x/api/v1/partner/login",
                       canonical="[redacted]|user-7|dual|flight|1700000000000")
    db.session.commit()
    assert row.canonical == "[redacted]|user-7|dual|flight|1700000000000"
    assert row.canonical_sha256 == hashlib.sha256(row.canonical.encode()).hexdigest()
