"""Issue 9, finding 11: the inspector shows what the log keeps: the signed input decoded with personal data
masked, and its sha256; never a signature value or the raw (base64) signed string."""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import select

from webview.extensions import db
from webview.messagelog.models import PartnerMessage


def test_the_detail_page_and_export_show_the_masked_signed_input_and_its_digest(client, merchant):
    response = merchant.create(customer={"identify_code": "user-42", "email": "an.nguyen@example.com"})
    assert response.status_code == 200, response.get_data()
    row = db.session.scalars(select(PartnerMessage).order_by(PartnerMessage.id.desc())).first()
    timestamp = row.canonical.split(".", 1)[0]
    detail = client.get(f"/sandbox/messages/{row.id}").get_data(as_text=True)
    shown = re.search(r'data-testid="message-canonical">([^<]*)<', detail).group(1)
    assert shown.startswith(f"{timestamp}.{merchant.client_id}.{{") and "a***@example.com" in shown
    assert "an.nguyen@example.com" not in detail
    digest = re.search(r'data-testid="message-canonical-sha256">([0-9a-f]{64})<', detail).group(1)
    assert digest == row.canonical_sha256
    (exported,) = [item for item in client.get("/sandbox/messages/export.json").get_json() if item["id"] == row.id]
    assert exported["canonical_sha256"] == digest and exported["request_headers"]["X-Signature"] == "[redacted]"
    assert "an.nguyen@example.com" not in json.dumps(exported)
    assert digest != hashlib.sha256(b"").hexdigest()
