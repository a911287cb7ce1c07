# ruff: noqa: F811  (pytest fixtures imported from tests.web.test_checkout are requested by parameter name)
"""status.json is rate limited per session and order: nobody else can spend the owner's polling budget."""

from __future__ import annotations

import pytest

from tests.web.test_checkout import fast_http, make_shopper, shopper, signed_result_link, stub  # noqa: F401
from tests.web.test_result import paid_order

LIMIT = 5


@pytest.fixture
def app(make_app):
    """The application with rate limits on (the test default is off)."""
    application = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                           ORDER_STATUS_RATE_LIMIT=f"{LIMIT}/minute")
    with application.app_context():
        yield application


def test_strangers_cannot_spend_the_owners_status_budget(app, make_shopper):
    alice, bob = make_shopper(user="alice"), make_shopper(user="bob")
    url = f"/w/orders/{alice.hold_vip().reference}/status.json"
    stranger = app.test_client()  # no session at all
    assert [stranger.get(url).status_code for _ in range(LIMIT + 1)] == [404] * LIMIT + [429]
    assert [bob.client.get(url).status_code for _ in range(LIMIT + 1)] == [404] * LIMIT + [429]
    assert alice.client.get(url).status_code == 200  # the owner's poller still has its whole budget
    assert [alice.client.get(url).status_code for _ in range(LIMIT)] == [200] * (LIMIT - 1) + [429]


def test_each_order_of_a_session_has_its_own_budget(app, make_shopper):
    alice = make_shopper(user="alice")
    first, second = alice.hold_vip(), alice.hold_vip(full_name="Tran Thi Binh")
    for _ in range(LIMIT):
        assert alice.client.get(f"/w/orders/{first.reference}/status.json").status_code == 200
    assert alice.client.get(f"/w/orders/{first.reference}/status.json").status_code == 429
    assert alice.client.get(f"/w/orders/{second.reference}/status.json").status_code == 200


def test_guessing_order_numbers_does_not_multiply_a_strangers_budget(app):
    stranger = app.test_client()
    codes = [stranger.get(f"/w/orders/261122-AAAAAA{index:02d}/status.json").status_code
             for index in range(LIMIT + 1)]
    assert codes == [404] * LIMIT + [429]


def test_a_result_link_grant_polls_on_its_own_budget(app, shopper, stub):
    booking = paid_order(shopper, stub)
    url = f"/w/orders/{booking.reference}/status.json"
    stranger = app.test_client()  # same address as the fresh webview below, and no grant
    assert [stranger.get(url).status_code for _ in range(LIMIT + 1)] == [404] * LIMIT + [429]
    fresh = app.test_client()
    assert fresh.get(signed_result_link(shopper.wallet, "SBX0001")).status_code == 303
    assert [fresh.get(url).status_code for _ in range(LIMIT + 1)] == [200] * LIMIT + [429]
