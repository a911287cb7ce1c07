"""The message log never stores secrets and masks personal data."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tests.payments.factories import hold_vip
from tests.styles.conftest import styled_partner
from tests.styles.test_custom_wallet import ACME, AcmeServer, acme_ipn
from webview.db import utcnow
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.messagelog.services import (
    FORM_MIMETYPE,
    log_exchange,
    mask_email,
    mask_phone,
    purge_old_messages,
    redact_body,
    redact_headers,
    redact_url,
)
from webview.payments.services import start_checkout


def test_body_secrets_redacted_and_personal_data_masked():
    body = json.dumps(
        {
            "identify_code": "u-1",
            "identify_phone": "0912345678",
            "identify_fullname": "Nguyễn Văn An",
            "email": "an@example.vn",
            "client_secret": "s3cr3t",
            "nested": {"api_key": "k", "document_number": "B1234567"},
            "travellers": [{"full_name": "TRAN THI B"}],
        }
    ).encode()
    shown = json.loads(redact_body(body))
    assert shown["identify_code"] == "u-1"
    assert shown["identify_phone"] == "091*****78"
    assert shown["identify_fullname"] == "N*** V*** A***"
    assert shown["email"] == "a***@example.vn"
    assert shown["client_secret"] == "[redacted]"
    assert shown["nested"] == {"api_key": "[redacted]", "document_number": "*****567"}
    assert shown["travellers"] == [{"full_name": "T*** T*** B***"}]


def test_non_json_body_is_summarised_not_stored():
    assert redact_body(b"card=4111111111111111") == "[non-JSON body, 21 chars]"
    assert redact_body(b"") == ""


def test_headers_and_urls_hide_credentials():
    headers = redact_headers({"apikey": "AAA", "x-ibe-req-name": "code", "X-Signature": "abc", "Cookie": "c=1",
                              "Accept": "*/*"})
    assert headers == {"apikey": "[redacted]", "x-ibe-req-name": "[redacted]", "X-Signature": "[redacted]",
                       "Cookie": "[redacted]"}  # signature values are never kept (issue 9, finding 11)
    assert "secrettok" not in redact_url("https://h/w/launch?token=secrettok&x=1")
    assert "x=1" in redact_url("https://h/w/launch?token=tok&x=1")


def test_masks_short_values():
    assert mask_phone("123") == "***"
    assert mask_email("nobody") == "***"


def test_log_exchange_and_retention(app):
    message = log_exchange(direction="inbound", method="post", url="http://x/api?sig=abc", kind="ipn",
                           canonical="a.b.c secret=zzz", request_body=b'{"client_secret":"x"}')
    db.session.commit()
    stored = db.session.get(PartnerMessage, message.id)
    assert stored.method == "POST"
    assert "abc" not in stored.url
    assert "zzz" not in stored.canonical
    assert json.loads(stored.request_body)["client_secret"] == "[redacted]"
    stored.created_at = utcnow() - timedelta(days=91)
    db.session.commit()
    assert purge_old_messages(90) == 1


# --- form bodies and query strings (gaps 3): their fields, masked exactly like JSON fields -----------------------

PERSONAL = {"identify_phone": "0912345678", "fullname": "Nguyễn Văn An", "email": "an@example.vn",
            "client_secret": "s3cr3t", "order": "261130-ABCD1234", "note": "ví tiền ~ ok & done", "empty": ""}


def test_a_form_body_is_logged_as_its_fields_masked_like_json():
    form = urlencode(PERSONAL).encode()
    shown = redact_body(form, f"{FORM_MIMETYPE}; charset=utf-8")
    assert json.loads(shown) == json.loads(redact_body(json.dumps(PERSONAL).encode()))
    assert json.loads(shown)["identify_phone"] == "091*****78" and json.loads(shown)["client_secret"] == "[redacted]"
    assert json.loads(shown)["note"] == "ví tiền ~ ok & done"  # decoded, not percent-encoded
    assert json.loads(redact_body(b"a=1&a=2&phone=0912345678", FORM_MIMETYPE)) == {"a": ["1", "2"],
                                                                                 "phone": "091*****78"}
    # not a form after all (or not said to be one): summarised, never stored raw
    assert redact_body(b"card=4111111111111111") == "[non-JSON body, 21 chars]"
    assert redact_body(b"just some text", FORM_MIMETYPE) == "[non-JSON body, 14 chars]"
    assert redact_body(b"a=%FF\xff", FORM_MIMETYPE).startswith("[non-JSON body")


def test_a_query_string_call_is_logged_with_its_fields_and_its_url_masked(app):
    query = urlencode({**PERSONAL, "sig": "abcdef", "token": "tok-123"})
    message = log_exchange(direction="inbound", method="get", url=f"http://x/api/v1/partners/p/ipn?{query}",
                           kind="styled-ipn", request_body=b"", canonical="order=261130-ABCD1234&state=paid")
    db.session.commit()
    stored = db.session.get(PartnerMessage, message.id)
    fields = json.loads(stored.request_body)
    assert fields["identify_phone"] == "091*****78" and fields["fullname"] == "N*** V*** A***"
    assert fields["client_secret"] == fields["sig"] == fields["token"] == "[redacted]"
    assert fields["order"] == "261130-ABCD1234"
    for raw in ("0912345678", "an@example.vn", "s3cr3t", "abcdef", "tok-123", "Nguy"):
        assert raw not in stored.url and raw not in stored.request_body
    assert stored.canonical == "order=261130-ABCD1234&state=paid"  # the canonical string is kept as signed
    bodyless = log_exchange(direction="inbound", method="post", url=f"http://x/api?{query}", request_body=b"")
    reduced = log_exchange(direction="inbound", method="get", url=f"http://x/api?{query}")  # no body given
    assert bodyless.request_body == reduced.request_body == ""


@pytest.fixture
def form_wallet(app, monkeypatch):
    """The invented form-body wallet of tests/styles/test_custom_wallet.py, its server answering our calls."""
    signed, _ = styled_partner(ACME, code="acme")
    monkeypatch.setattr("webview.payments.gateway.partner_session", lambda: AcmeServer(signed.secret))
    return signed


def test_a_styled_form_ipn_and_our_form_call_are_logged_as_fields(client, form_wallet):
    signed = form_wallet
    booking = hold_vip(signed.partner)
    start_checkout(booking)  # our create: a form body
    answer = acme_ipn(client, signed, booking, extra={"payer_phone": "0912345678", "email": "an@example.vn"})
    assert answer.status_code == 200
    inbound = db.session.scalars(select(PartnerMessage).where(PartnerMessage.kind == "styled-ipn")).one()
    fields = json.loads(inbound.request_body)
    assert fields["order"] == booking.reference and fields["state"] == "paid"
    assert fields["note"] == "ví tiền ~ ok & done" and fields["email"] == "a***@example.vn"
    assert "order=" in inbound.canonical and "state=paid" in inbound.canonical
    outbound = db.session.scalars(select(PartnerMessage).where(PartnerMessage.direction == "outbound")).first()
    sent = json.loads(outbound.request_body)
    assert sent["order"] == booking.reference and sent["total"] == str(booking.amount)
