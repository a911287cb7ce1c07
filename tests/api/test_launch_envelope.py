"""POST /api/v1/partner/login (envelope profile, both suites), with the sandbox's own partner-side protocol code."""

from __future__ import annotations

import json
import os
import time
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from sandbox.protocol import envelope as partner_side
from tests.api.conftest import create_partner_via_cli
from webview.extensions import db
from webview.launch.models import LaunchSession, LaunchToken
from webview.messagelog.models import PartnerMessage

LOGIN = "/api/v1/partner/login"


@pytest.fixture(scope="module")
def partner_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class EnvelopePartner:
    """An envelope partner as its own back end sees it: its private key, our public key, its header values."""

    def __init__(self, issued: dict, private_key: rsa.RSAPrivateKey, suite: str) -> None:
        self.code = issued["partner_code"]
        self.api_key = issued["api_key"]
        self.access_code = issued["access_code"]
        self.merchant_key = partner_side.load_public_key(issued["merchant_public_key_pem"])
        self.private_key = private_key
        self.suite = suite

    def headers(self, **overrides) -> dict:
        return {"apikey": self.api_key, "x-ibe-req-name": self.access_code, **overrides}

    def login_body(self, user_id="user-7", layout="dual", product="flight", timestamp_ms=None, **values) -> dict:
        fields = {"access_code": self.access_code, "user_id": user_id, "layout": layout, "product": product, **values}
        return partner_side.seal(partner_side.LOGIN_REQUEST, self.suite, fields, sender_private=self.private_key,
                                 receiver_public=self.merchant_key, timestamp_ms=timestamp_ms).as_body()

    def post(self, client, body, **header_overrides):
        return client.post(LOGIN, data=json.dumps(body), headers=self.headers(**header_overrides),
                           content_type="application/json")

    def open_reply(self, response) -> dict[str, str]:
        body = response.get_json()
        return partner_side.open_sealed(partner_side.LOGIN_RESPONSE, self.suite, body["key"], body["data"],
                                        receiver_private=self.private_key, sender_public=self.merchant_key)


def make_partner(runner, tmp_path, key, suite: str) -> EnvelopePartner:
    pem = tmp_path / f"partner-{suite}.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    issued = create_partner_via_cli(
        runner,
        "--code", f"travel-{suite}", "--name", "Travel Co", "--environment", "sandbox", "--profile", "envelope",
        "--suite", suite, "--handoff", "redirect", "--public-key", str(pem), "--admin-name", "Ops",
        "--admin-email", "ops@travel.example", "--payment-url", f"http://127.0.0.1:5000/sandbox/partner/travel-{suite}/pay",
        "--return-host", "127.0.0.1",
    )
    return EnvelopePartner(issued, key, suite)


@pytest.fixture(params=["modern", "legacy"])
def partner(request, runner, tmp_path, partner_key) -> EnvelopePartner:
    return make_partner(runner, tmp_path, partner_key, request.param)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_login_answers_a_sealed_redirect_that_opens_once(client, app, partner):
    response = partner.post(client, partner.login_body(product="hotel", layout="single"))
    assert response.status_code == 200, response.get_data(as_text=True)
    reply = partner.open_reply(response)
    assert reply["error_code"] == "00"
    assert reply["access_code"] == partner.access_code
    if partner.suite == "modern":
        assert abs(int(reply["timestamp"]) - time.time() * 1000) < 10_000
    url = urlsplit(reply["redirect_url"])
    assert url.path == "/w/launch"
    assert client.get(f"{url.path}?{url.query}").status_code == 303
    launched = db.session.scalar(select(LaunchSession))
    assert (launched.product, launched.layout) == ("hotel", "single")
    assert app.test_client().get(f"{url.path}?{url.query}").status_code == 410


def test_modern_replay_is_refused(client, runner, tmp_path, partner_key):
    partner = make_partner(runner, tmp_path, partner_key, "modern")
    body = partner.login_body()
    assert partner.open_reply(partner.post(client, body))["error_code"] == "00"
    replay = partner.post(client, body)
    assert replay.status_code == 401
    assert partner.open_reply(replay)["error_code"] == "04"
    assert count(LaunchToken) == 1


def test_modern_stale_timestamp_is_refused(client, runner, tmp_path, partner_key):
    partner = make_partner(runner, tmp_path, partner_key, "modern")
    stale = partner.login_body(timestamp_ms=int(time.time() * 1000) - 301_000)
    response = partner.post(client, stale)
    assert response.status_code == 401 and partner.open_reply(response)["error_code"] == "04"


def test_wrong_api_key_is_03_and_unknown_partner_is_plain_10(client, partner):
    wrong = partner.post(client, partner.login_body(), apikey="not-the-key")
    assert wrong.status_code == 401 and partner.open_reply(wrong)["error_code"] == "03"
    unknown = partner.post(client, partner.login_body(), **{"x-ibe-req-name": "nobody"})
    assert unknown.status_code == 401
    assert unknown.get_json()["error_code"] == "10" and "key" not in unknown.get_json()


def test_access_code_inside_must_match_the_header(client, partner):
    response = partner.post(client, partner.login_body(access_code="someone-else"))
    assert response.status_code == 401 and partner.open_reply(response)["error_code"] == "06"


def test_tampered_or_foreign_messages_get_one_answer(client, partner):
    body = partner.login_body()
    data = body["data"]
    flipped = {"key": body["key"], "data": data[:20] + ("A" if data[20] != "A" else "B") + data[21:]}
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = partner_side.seal(partner_side.LOGIN_REQUEST, partner.suite,
                               {"access_code": partner.access_code, "user_id": "u", "layout": "dual",
                                "product": "flight"},
                               sender_private=other_key, receiver_public=partner.merchant_key).as_body()
    answers = set()
    for attempt in (flipped, forged):
        response = partner.post(client, attempt)
        assert response.status_code == 401
        answers.add(partner.open_reply(response)["error_code"])
    assert answers == {"04"}
    assert count(LaunchToken) == 0


def test_malformed_requests_are_07(client, partner):
    for raw in ("not json", json.dumps({"key": 1}), json.dumps([])):
        response = client.post(LOGIN, data=raw, headers=partner.headers(), content_type="application/json")
        assert response.status_code == 400 and partner.open_reply(response)["error_code"] == "07"
    bad_product = partner.post(client, partner.login_body(product="train"))
    assert bad_product.status_code == 400 and partner.open_reply(bad_product)["error_code"] == "07"


def test_a_pipe_inside_a_genuinely_signed_value_is_07(client, runner, tmp_path, partner_key):
    partner = make_partner(runner, tmp_path, partner_key, "modern")
    stamp = str(int(time.time() * 1000))
    values = [partner.access_code, "user|7", "dual", "flight"]
    signature_data = "|".join([*values, stamp])
    signature = partner_side.sign_text("modern", partner.private_key, signature_data)
    original = "|".join([*values, signature, stamp])
    symmetric = os.urandom(32)
    body = {
        "key": partner_side.b64url_encode(partner_side.wrap_key("modern", partner.merchant_key, symmetric)),
        "data": partner_side.b64url_encode(partner_side.encrypt_data("modern", symmetric, original.encode())),
    }
    response = partner.post(client, body)
    assert response.status_code == 400 and partner.open_reply(response)["error_code"] == "07"


def test_message_log_keeps_no_envelope_secrets(client, partner):
    partner.post(client, partner.login_body())
    rows = db.session.scalars(select(PartnerMessage)).all()
    assert rows and rows[0].partner_code == partner.code
    dump = json.dumps([[r.url, r.request_headers, r.request_body, r.response_body, r.canonical] for r in rows])
    assert partner.api_key not in dump and partner.access_code not in dump
