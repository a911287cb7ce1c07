"""Issue 9, finding 14: malformed input gets its code on every /api/v1 endpoint, never a 500, and is logged.

Deep JSON nesting, a lone surrogate escape and invalid UTF-8, unsigned and (for hmac) correctly signed, so the
body reaches the parser; envelope partners send them with their real headers.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.test_launch_envelope import make_partner
from tests.payments.factories import hmac_partner
from webview.extensions import db
from webview.messagelog.models import PartnerMessage

DEEP = b"[" * 30000 + b"]" * 30000
DEEP_IN_OBJECT = b'{"identify_code":' + b"[" * 20000 + b"]" * 20000 + b"}"
SURROGATE = b'{"identify_code":"\\ud800","identify_phone":"0912345678"}'
SURROGATE_KEY = b'{"\\udfff":1}'
SURROGATE_ENVELOPE = b'{"key":"\\ud800AAAAAAAAAAAAAAAAAA","data":"\\ud800AAAAAAAAAAAAAAAAAA"}'
BAD_UTF8 = b'{"identify_code":"\xff\xfe"}'
NUL = b'{"identify_code":"a\\u0000b","identify_phone":"0912345678"}'
BODIES = {"deep": DEEP, "deep-in-object": DEEP_IN_OBJECT, "surrogate": SURROGATE, "surrogate-key": SURROGATE_KEY,
          "surrogate-envelope": SURROGATE_ENVELOPE, "bad-utf8": BAD_UTF8, "nul": NUL}

HMAC_POSTS = ["/api/v1/webview-url", "/api/v1/payment/ipn"]
ENVELOPE_POSTS = ["/api/v1/partner/login", "/api/v1/partner/commit", "/api/v1/partner/query-trans"]
GETS = {"/api/v1/transaction?reference_transaction_id=": "hmac",
        "/api/v1/products/booking-detail?booking_number=": "envelope"}
BAD_QUERY_VALUES = ["%ED%A0%80", "%FF%FE", "%00", "A" * 500]


def logged() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(PartnerMessage))


@pytest.fixture
def wallet(app):
    return hmac_partner()


@pytest.fixture
def travel(app, runner, tmp_path, partner_key):
    return make_partner(runner, tmp_path, partner_key, "modern")


@pytest.fixture(scope="module")
def partner_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def assert_hmac_refusal(response, codes: set[int]) -> None:
    assert response.status_code != 500
    body = response.get_json()
    assert body is not None and body["code"] in codes, (response.status_code, body)


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("path", HMAC_POSTS)
def test_hmac_posts_unsigned(client, wallet, path, body):
    before = logged()
    response = client.post(path, data=BODIES[body], content_type="application/json",
                           headers={"X-Client-Id": wallet.client_id, "X-Timestamp": "1", "X-Signature": "0" * 64})
    assert_hmac_refusal(response, {7})
    assert logged() == before + 1


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("path", HMAC_POSTS)
def test_hmac_posts_signed(client, wallet, path, body):
    before = logged()
    response = client.post(path, data=BODIES[body], content_type="application/json",
                           headers=wallet.headers(BODIES[body]))
    assert_hmac_refusal(response, {1})
    assert response.status_code == 400 and response.get_json()["data"]["fields"] == ["body"]
    assert logged() == before + 1


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("path", ENVELOPE_POSTS)
def test_envelope_posts(client, travel, path, body):
    before = logged()
    response = client.post(path, data=BODIES[body], content_type="application/json", headers=travel.headers())
    assert response.status_code == 400, response.get_data()
    assert logged() == before + 1
    unknown = client.post(path, data=BODIES[body], content_type="application/json",
                          headers={"apikey": "x", "x-ibe-req-name": "nobody"})
    assert unknown.status_code == 401 and unknown.get_json() == {"error_code": "10", "message": "account not found"}
    assert logged() == before + 2


@pytest.mark.parametrize("value", BAD_QUERY_VALUES)
@pytest.mark.parametrize("path", sorted(GETS))
def test_gets_with_bad_query_values(client, wallet, travel, path, value):
    before = logged()
    target = path + value
    if GETS[path] == "hmac":
        response = client.get(target, headers=wallet.headers(target.encode()))
        assert_hmac_refusal(response, {1, 3})
    else:
        response = client.get(target, headers=travel.headers())
        assert response.status_code in {400, 404} and response.get_json()["error_code"] in {"07", "02"}
    assert logged() == before + 1


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("path", sorted(GETS))
def test_gets_with_malformed_bodies(client, wallet, travel, path, body):
    before = logged()
    target = path + "261122-7QK4M2XD"
    headers = wallet.headers(BODIES[body]) if GETS[path] == "hmac" else travel.headers()
    response = client.get(target, data=BODIES[body], headers=headers)
    assert response.status_code == 400
    assert logged() == before + 1


def test_a_message_log_failure_never_breaks_the_answer(client, wallet, monkeypatch):
    """The answer stands even when nothing can be written to the message log."""
    import webview.api.views as views

    def broken(**_fields):
        raise RuntimeError("log store down")

    monkeypatch.setattr(views, "log_exchange", broken)
    target = "/api/v1/transaction?reference_transaction_id=261122-NOPE1234"
    response = client.get(target, headers=wallet.headers(target.encode()))
    assert response.status_code == 200 and response.get_json()["code"] == 3


def test_a_failed_log_entry_is_kept_as_a_summary(client, wallet, monkeypatch):
    """When the full entry cannot be written, a reduced one (no headers, no bodies) still records the exchange."""
    import webview.api.views as views

    original, calls = views.log_exchange, []

    def first_fails(**fields):
        calls.append(fields)
        if len(calls) == 1:
            raise RuntimeError("cannot store this body")
        return original(**fields)

    monkeypatch.setattr(views, "log_exchange", first_fails)
    before = logged()
    target = "/api/v1/transaction?reference_transaction_id=261122-NOPE1234"
    response = client.get(target, headers=wallet.headers(target.encode()))
    assert response.get_json()["code"] == 3
    assert logged() == before + 1
    row = db.session.scalars(select(PartnerMessage).order_by(PartnerMessage.id.desc())).first()
    assert row.kind == "transaction" and row.status_code == 200 and "reduced" in row.verdict
    assert row.request_body == "" and row.request_headers == {}


@pytest.mark.parametrize("suite", ["modern", "legacy"])
def test_a_control_character_inside_a_sealed_field_is_07(client, runner, tmp_path, partner_key, suite):
    partner = make_partner(runner, tmp_path, partner_key, suite)
    before = logged()
    response = partner.post(client, partner.login_body(user_id="user\x00-7"))
    assert response.status_code == 400 and partner.open_reply(response)["error_code"] == "07"
    assert logged() == before + 1
