"""Issue 9, finding 5: the partner API is limited per client address before authentication and per partner only
after the signature verifies; no credential is ever part of a limiter key or a log line."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from tests.api.test_launch_envelope import make_partner
from tests.payments.factories import hmac_partner
from webview.extensions import limiter

TARGET = "/api/v1/transaction?reference_transaction_id=261122-NOPE1234"
LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "API_RATE_LIMIT": "5/minute",
          "API_ADDRESS_RATE_LIMIT": "12/minute"}


@pytest.fixture
def app(make_app):
    application = make_app(**LIMITS)
    with application.app_context():
        limiter.reset()
        yield application
        limiter.reset()


@pytest.fixture
def wallet(app):
    return hmac_partner()


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def unsigned(client, client_id: str, address: str):
    headers = {"X-Client-Id": client_id, "X-Timestamp": "1", "X-Signature": "0" * 64}
    return client.get(TARGET, headers=headers, **from_address(address))


def signed(client, wallet, address: str):
    return client.get(TARGET, headers=wallet.headers(TARGET.encode()), **from_address(address))


def test_unsigned_calls_naming_a_partner_do_not_use_up_its_limit(client, wallet):
    for _ in range(6):  # more than the partner's 5/minute, from one attacker address
        assert unsigned(client, wallet.client_id, "10.6.6.6").status_code == 401
    response = signed(client, wallet, "10.1.1.1")
    assert response.status_code == 200 and response.get_json()["code"] == 3


def test_unsigned_calls_are_limited_per_address_whatever_id_they_carry(client, wallet):
    answers = [unsigned(client, str(uuid.uuid4()), "10.6.6.7") for _ in range(13)]
    assert [a.status_code for a in answers[:12]] == [401] * 12
    assert answers[12].status_code == 429 and answers[12].get_json()["code"] == 8
    assert signed(client, wallet, "10.1.1.2").get_json()["code"] == 3  # other addresses are not affected


def test_a_partner_is_limited_after_its_signature_verifies_from_any_address(client, wallet):
    answers = [signed(client, wallet, f"10.2.0.{n}") for n in range(6)]
    assert [a.get_json()["code"] for a in answers] == [3, 3, 3, 3, 3, 8]
    assert answers[5].status_code == 429


def test_replays_do_not_use_up_the_partner_limit(client, wallet):
    headers = wallet.headers(TARGET.encode())
    assert client.get(TARGET, headers=headers, **from_address("10.3.0.1")).get_json()["code"] == 3
    for n in range(8):
        assert client.get(TARGET, headers=headers, **from_address(f"10.3.1.{n}")).get_json()["code"] == 7
    assert signed(client, wallet, "10.3.0.1").get_json()["code"] == 3


def test_no_credential_in_limiter_keys_or_log_lines(client, runner, tmp_path, caplog):
    from cryptography.hazmat.primitives.asymmetric import rsa

    travel = make_partner(runner, tmp_path, rsa.generate_private_key(public_exponent=65537, key_size=2048),
                          "modern")
    caplog.set_level(logging.DEBUG)
    statuses = []
    for _ in range(13):
        body = travel.login_body()
        statuses.append(client.post("/api/v1/partner/login", data=json.dumps(body), headers=travel.headers(),
                                    content_type="application/json", **from_address("10.4.0.1")).status_code)
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}  # the partner's 5, then its limit
    keys = " ".join(str(key) for key in limiter.storage.storage)  # memory storage: every key it counts
    assert keys and travel.access_code not in keys and travel.api_key not in keys
    assert travel.access_code not in caplog.text and travel.api_key not in caplog.text


def test_counted_limits_keep_to_their_key_prefix(make_app):
    """Hand-counted limits (partner calls, portal sign-ins) use RATELIMIT_KEY_PREFIX as the decorators do: two
    deployments sharing one Redis never use up each other's limit (a CI run once found a previous run's counts)."""
    from webview.core import ratelimits

    one, two = f"one-{uuid.uuid4().hex}", f"two-{uuid.uuid4().hex}"  # this run's own, whatever the storage holds
    application = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="1/minute", RATELIMIT_KEY_PREFIX=one)
    with application.app_context():
        assert ratelimits.hit("API_RATE_LIMIT", "api-partner", "wallet") is True
        assert ratelimits.hit("API_RATE_LIMIT", "api-partner", "wallet") is False
        application.config["RATELIMIT_KEY_PREFIX"] = two
        assert ratelimits.hit("API_RATE_LIMIT", "api-partner", "wallet") is True
        application.config["RATELIMIT_ENABLED"] = False
        assert all(ratelimits.hit("API_RATE_LIMIT", "api-partner", "wallet") for _ in range(3))
