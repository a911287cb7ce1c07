"""The message log never stores secrets and masks personal data."""

from __future__ import annotations

import json
from datetime import timedelta

from webview.db import utcnow
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.messagelog.services import (
    log_exchange,
    mask_email,
    mask_phone,
    purge_old_messages,
    redact_body,
    redact_headers,
    redact_url,
)


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
