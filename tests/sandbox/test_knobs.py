"""Payment-page knobs and magic user ids (hmac partner): validated before anything is sent, then applied."""

from __future__ import annotations

import json
import re

import pytest

from sandbox.exchange import HttpResult
from sandbox.magic import MAGIC_VALUES, magic_for


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def ipns(fake) -> list[dict]:
    return [json.loads(body) for _, url, _, body in fake.calls if url.endswith("/payment/ipn")]


@pytest.fixture
def ok_merchant(fake_merchant):
    fake_merchant.answer = lambda *args: HttpResult(200, b'{"code":0,"message":"success"}', None, 2)
    return fake_merchant


def test_magic_table_is_unambiguous():
    prefixes = [row.prefix for row in MAGIC_VALUES]
    assert len(set(prefixes)) == len(prefixes)
    assert not any(a != b and b.startswith(a) for a in prefixes for b in prefixes)
    assert magic_for("SBX-Decline-7").action == "decline" and magic_for("user-1") is None and magic_for(None) is None


@pytest.mark.parametrize("knobs", [{"delay_s": "31"}, {"duplicate": "6"}, {"duplicate": "-1"}, {"delay_s": "abc"}])
def test_out_of_range_knobs_are_refused_and_nothing_is_sent(client, merchant, ok_merchant, knobs):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    path = f"/sandbox/pay/{transaction_id}"
    response = client.post(path, data={"csrf_token": csrf(client, path), "pin": "123456", "approve": "1", **knobs})
    assert response.status_code == 400 and 'data-status="PENDING"' in response.get_data(as_text=True)
    assert ok_merchant.calls == []


def test_knobs_shape_the_ipns_from_the_page(client, merchant, ok_merchant):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    path = f"/sandbox/pay/{transaction_id}"
    response = client.post(path, data={"csrf_token": csrf(client, path), "pin": "123456", "approve": "1",
                                       "duplicate": "1", "reorder": "y", "wrong_amount": "y"})
    assert response.status_code == 303
    sent = ipns(ok_merchant)
    assert [ipn["status"] for ipn in sent] == ["FAILURE", "SUCCESS", "SUCCESS"]
    assert {ipn["transaction_amount"] for ipn in sent} == {1_251_000}


def test_timeout_is_a_failure(client, merchant, ok_merchant):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    path = f"/sandbox/pay/{transaction_id}"
    response = client.post(path, data={"csrf_token": csrf(client, path), "timeout": "1"})
    assert response.status_code == 303
    assert [ipn["status"] for ipn in ipns(ok_merchant)] == ["FAILURE"]
    assert 'data-status="EXPIRED"' in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(("user", "statuses"), [("sbx-decline-1", ["FAILURE"]), ("sbx-pend-1", ["PENDING"]),
                                                ("sbx-dup-1", ["SUCCESS"] * 3), ("sbx-drop-1", [])])
def test_magic_user_ids_drive_an_unattended_approve(client, merchant, ok_merchant, user, statuses):
    transaction_id = merchant.create(customer={"identify_code": user}).get_json()["data"]["transaction_id"]
    path = f"/sandbox/pay/{transaction_id}"
    assert 'data-testid="sandbox-magic"' in client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf(client, path), "pin": "123456", "approve": "1"})
    assert response.status_code == 303
    assert [ipn["status"] for ipn in ipns(ok_merchant)] == statuses


def test_magic_applies_to_the_test_api_unless_faults_are_given(client, merchant, ok_merchant):
    first = merchant.create("261125-MAGIC001", customer={"identify_code": "sbx-decline-1"})
    answer = client.post(f"/sandbox/api/transactions/{first.get_json()['data']['transaction_id']}/approve", json={})
    assert answer.get_json()["status"] == "FAILURE" and answer.get_json()["magic"] == "sbx-decline"
    second = merchant.create("261125-MAGIC002", customer={"identify_code": "sbx-decline-2"})
    answer = client.post(f"/sandbox/api/transactions/{second.get_json()['data']['transaction_id']}/approve",
                         json={"faults": {}})
    assert answer.get_json()["status"] == "SUCCESS" and answer.get_json()["magic"] is None
