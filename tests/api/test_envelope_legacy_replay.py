"""Issue 9, finding 6: a legacy-suite sealed message (no timestamp) is accepted once within the launch-token
lifetime; a fresh message with the same fields (a new symmetric key) is a new call and still works."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select

from sandbox.protocol import envelope as partner_side
from tests.api.test_launch_envelope import make_partner
from webview.api.models import SeenSignature
from webview.db import utcnow
from webview.extensions import db


@pytest.fixture(scope="module")
def partner_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def legacy(app, runner, tmp_path, partner_key):
    return make_partner(runner, tmp_path, partner_key, "legacy")


def standard_b64(text: str) -> str:
    """The same bytes in the standard alphabet with padding (receivers accept either)."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return base64.b64encode(raw).decode()


def test_a_replayed_legacy_login_is_refused(client, legacy):
    body = legacy.login_body()
    first = legacy.post(client, body)
    assert legacy.open_reply(first)["error_code"] == "00"
    replay = legacy.post(client, body)
    assert replay.status_code == 401 and legacy.open_reply(replay)["error_code"] == "04"
    reencoded = {"key": standard_b64(body["key"]), "data": standard_b64(body["data"])}
    again = legacy.post(client, reencoded)
    assert again.status_code == 401 and legacy.open_reply(again)["error_code"] == "04"


def test_a_fresh_legacy_login_with_the_same_fields_still_works(client, legacy):
    assert legacy.open_reply(legacy.post(client, legacy.login_body()))["error_code"] == "00"
    assert legacy.open_reply(legacy.post(client, legacy.login_body()))["error_code"] == "00"


def test_the_digest_is_kept_for_the_launch_token_lifetime(client, app, legacy):
    legacy.post(client, legacy.login_body())
    rows = db.session.scalars(select(SeenSignature).where(SeenSignature.client_id.like("envelope-legacy:%"))).all()
    assert len(rows) == 1
    remaining = (rows[0].expires_at - utcnow()).total_seconds()
    assert app.config["LAUNCH_TOKEN_TTL_SECONDS"] - 30 < remaining <= app.config["LAUNCH_TOKEN_TTL_SECONDS"]


def test_a_replayed_legacy_query_is_refused(client, legacy):
    sealed = partner_side.seal(partner_side.QUERY_TRANS_REQUEST, "legacy",
                               {"access_code": legacy.access_code, "booking_number": "261122-NOPE1234"},
                               sender_private=legacy.private_key, receiver_public=legacy.merchant_key).as_body()

    def post():
        return client.post("/api/v1/partner/query-trans", data=json.dumps(sealed), headers=legacy.headers(),
                           content_type="application/json")

    assert post().status_code == 200
    assert post().status_code == 401
