"""The styled IPN (`/api/v1/partners/<code>/ipn`) is counted in the IPN outcome metric like the standard one: same
metric, operation `styled-ipn`, the standard answer code of its outcome (whatever words the style answers with)."""

from __future__ import annotations

from tests.cluster.test_operations import scrape, value
from tests.payments.factories import hold_vip
from tests.styles.conftest import styled_partner
from tests.styles.test_presets_api import momo_message, momo_post

METRIC = "webview_ipn_outcomes_total"


def test_styled_ipn_outcomes_are_counted_by_their_code(app, client):
    signed, _ = styled_partner("momo-like", code="momo-metrics")
    booking = hold_vip(signed.partner)
    before = scrape(client)
    assert momo_post(client, signed, momo_message(signed, booking)).status_code == 204  # applied: code 0
    assert momo_post(client, signed, momo_message(signed, booking, secret="x" * 20)).status_code == 401  # code 7
    other = hold_vip(signed.partner, identify_code="user-9")
    assert momo_post(client, signed, momo_message(signed, other, amount=other.amount + 1)).status_code == 422
    stranger = client.post("/api/v1/partners/no-such-wallet/ipn", json={})  # unknown partner: code 7 too
    assert stranger.status_code == 401
    after = scrape(client)

    def moved(**labels) -> float:
        return value(after, METRIC, **labels) - value(before, METRIC, **labels)

    assert moved(operation="styled-ipn", code="0") == 1
    assert moved(operation="styled-ipn", code="7") == 2
    assert moved(operation="styled-ipn", code="5") == 1  # the amount differs
    assert moved(operation="payment-ipn", code="0") == 0  # the standard IPN's own series is left alone
