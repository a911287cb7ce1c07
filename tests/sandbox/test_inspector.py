"""The message inspector: list and filters, one exchange in full, resend, JSON export."""

from __future__ import annotations

import json
import re

from sandbox.exchange import HttpResult


def ipns(fake) -> list[dict]:
    return [json.loads(body) for _, url, _, body in fake.calls if url.endswith("/payment/ipn")]


def test_inspector_lists_filters_shows_and_resends(client, merchant, fake_merchant):
    fake_merchant.answer = lambda *args: HttpResult(200, b'{"code":0,"message":"success"}', None, 5)
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    client.post(f"/sandbox/api/transactions/{transaction_id}/approve", json={"faults": {"bad_signature": True}})
    merchant.create("261125-OTHER001")

    page = client.get("/sandbox/messages/?reference=261125-ABCD1234").get_data(as_text=True)
    assert page.count('data-testid="message-row"') == 2 and "fault: bad signature" in page
    everything = client.get("/sandbox/messages/").get_data(as_text=True)
    assert everything.count('data-testid="message-row"') == 3
    assert client.get("/sandbox/messages/?partner_code=nobody").get_data(as_text=True).count("message-row") == 0

    ipn_id = int(re.findall(r'/sandbox/messages/(\d+)"', page)[-1])
    detail = client.get(f"/sandbox/messages/{ipn_id}").get_data(as_text=True)
    assert 'data-testid="message-canonical"' in detail and 'data-testid="message-resend"' in detail
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', detail).group(1)
    assert client.post(f"/sandbox/messages/{ipn_id}/resend").status_code == 400  # no CSRF token
    resent = client.post(f"/sandbox/messages/{ipn_id}/resend", data={"csrf_token": token})
    assert resent.status_code == 303
    assert [ipn["status"] for ipn in ipns(fake_merchant)] == ["SUCCESS", "SUCCESS"]
    assert client.get("/sandbox/messages/999999").status_code == 404

    export = client.get("/sandbox/messages/export.json?reference=261125-ABCD1234")
    assert export.headers["Content-Disposition"].startswith("attachment")
    rows = export.get_json()
    assert [row["kind"] for row in rows] == ["create", "ipn", "ipn"] and rows[1]["canonical"]


def test_create_exchange_has_no_resend(client, merchant):
    merchant.create()
    page = client.get("/sandbox/messages/").get_data(as_text=True)
    message_id = re.search(r'/sandbox/messages/(\d+)"', page).group(1)
    assert 'data-testid="message-resend"' not in client.get(f"/sandbox/messages/{message_id}").get_data(as_text=True)
