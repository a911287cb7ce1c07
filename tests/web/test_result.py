# ruff: noqa: F811  (pytest fixtures imported from test_checkout are requested by parameter name)
"""The order result screen, its status.json and "try again", through the Flask client.

In-session views, the read-only view a signed result link grants a fresh webview (once), the lost-IPN recovery
through the partner's query API, and a new booking after a failed payment.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.payments.factories import reload
from tests.web.test_checkout import (  # noqa: F401  (fixtures shared with the handoff tests)
    Shopper,
    created,
    envelope_shopper,
    fast_http,
    make_shopper,
    queried,
    shopper,
    signed_result_link,
    stub,
)
from webview.booking.models import Booking
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import run_once
from webview.payments.models import CheckoutHandoff
from webview.payments.results import merchant_return_url


def statuses(html: str) -> tuple[str, str, str]:
    """(booking, payment, issue) from the order-status hook."""
    tag = re.search(r'<[^>]*data-testid="order-status"[^>]*>', html).group(0)
    return tuple(re.search(rf'data-{name}-status="([^"]+)"', tag).group(1)  # type: ignore[return-value]
                 for name in ("booking", "payment", "issue"))


def tickets(html: str) -> list[str]:
    return re.findall(r'data-testid="ticket-number">([^<]+)<', html)


def paid_order(shopper: Shopper, stub) -> Booking:
    """A held order whose payment the partner has opened (transaction SBX0001)."""
    booking = shopper.hold_vip()
    stub.script(created(stub))
    assert shopper.pay(booking).status_code == 303
    return reload(booking)


def age_handoff(booking: Booking, seconds: int = 60) -> None:
    """Pretend the payment was opened a while ago (the result screen asks the partner only after a short wait)."""
    db.session.execute(CheckoutHandoff.__table__.update().where(CheckoutHandoff.booking_id == booking.id)
                       .values(created_at=utcnow() - timedelta(seconds=seconds)))
    db.session.commit()


def issue(shopper: Shopper, booking: Booking, client_ipn) -> None:
    """The partner's IPN SUCCESS, then the issuance jobs."""
    answer = shopper.wallet.ipn(client_ipn, booking, "SUCCESS", transaction_id="SBX0001")
    assert answer.get_json()["code"] == 0
    while run_once():
        pass


# -- in the session that made the booking --------------------------------------------------------------------------


def test_the_partners_return_shows_the_pending_order_and_polls(shopper, stub):
    booking = paid_order(shopper, stub)
    page = shopper.client.get(signed_result_link(shopper.wallet, "SBX0001"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and statuses(html) == ("BOOKED", "PENDING", "PENDING")
    assert f'data-reference-transaction-id="{booking.reference}"' in html
    assert f'data-poll="/w/orders/{booking.reference}/status.json"' in html
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', html)
    assert "/static/js/checkout.js" in html and tickets(html) == []
    # the payment is already open at the partner: reopening it is offered, quietly, not a second "Pay"
    assert re.search(r'class="btn block ghost" type="submit" data-testid="pay-button"', html)
    # reloads keep working in the session (the link is not spent by its own session)
    assert shopper.client.get(signed_result_link(shopper.wallet, "SBX0001")).status_code == 200


def test_status_in_the_query_string_is_never_believed(shopper, stub):
    booking = paid_order(shopper, stub)
    forged = (f"/w/result?partner_code={shopper.wallet.code}&reference={booking.reference}"
              "&status=SUCCESS&payment_status=SUCCESS&issue_status=SUCCESS")
    html = shopper.client.get(forged).get_data(as_text=True)
    assert statuses(html) == ("BOOKED", "PENDING", "PENDING")
    assert reload(booking).payment_status == "PENDING"


def test_after_the_ipn_and_issuance_the_result_shows_the_ticket(app, shopper, stub):
    booking = paid_order(shopper, stub)
    issue(shopper, booking, app.test_client())
    html = shopper.client.get(signed_result_link(shopper.wallet, "SBX0001")).get_data(as_text=True)
    assert statuses(html) == ("BOOKED", "SUCCESS", "SUCCESS")
    assert tickets(html) == reload(booking).tickets and tickets(html)
    assert "data-poll" not in html and "http-equiv" not in html and "try-again" not in html


def test_a_return_without_ids_shows_the_order_this_session_handed_off(shopper, stub):
    booking = paid_order(shopper, stub)
    html = shopper.client.get(f"/w/result?partner_code={shopper.wallet.code}").get_data(as_text=True)
    assert f'data-reference-transaction-id="{booking.reference}"' in html


def test_a_return_that_names_no_order_of_ours_goes_to_my_orders(make_shopper, stub):
    alice, bob = make_shopper(user="alice"), make_shopper(user="bob")
    booking = paid_order(alice, stub)
    response = bob.client.get(f"/w/result?partner_code={bob.wallet.code}&reference={booking.reference}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/w/orders")
    response = bob.client.get(f"/w/result?partner_code={bob.wallet.code}&transaction_id=SBX0001")
    assert response.status_code == 303 and response.headers["Location"].endswith("/w/orders")


# -- asking the partner when the IPN is lost -----------------------------------------------------------------------


def test_a_lost_ipn_is_recovered_by_asking_the_partner_once_per_interval(app, shopper, stub):
    booking = paid_order(shopper, stub)
    stub.script(queried("SUCCESS", booking.amount))
    status_url = f"/w/orders/{booking.reference}/status.json"
    first = shopper.client.get(status_url).get_json()
    assert first["payment_status"] == "PENDING" and not first["final"]  # just opened: nobody asked yet
    assert [call.method for call in stub.received] == ["POST"]
    age_handoff(booking)
    recovered = shopper.client.get(status_url)
    assert recovered.headers["Cache-Control"] == "no-store"
    body = recovered.get_json()
    assert (body["booking_status"], body["payment_status"]) == ("BOOKED", "SUCCESS")
    assert body["state"] == "paid" and not body["final"]  # issuing: keep polling
    while run_once():
        pass
    done = shopper.client.get(status_url).get_json()
    assert done["state"] == "issued" and done["final"] and done["tickets"] == reload(booking).tickets
    assert len([call for call in stub.received if call.method == "GET"]) == 1


def test_the_partner_is_asked_at_most_once_per_interval_per_order(shopper, stub):
    booking = paid_order(shopper, stub)
    age_handoff(booking)
    stub.script(queried("PENDING", booking.amount))
    for _ in range(3):
        assert shopper.client.get(f"/w/orders/{booking.reference}/status.json").get_json()["payment_status"] \
            == "PENDING"
        assert shopper.client.get(f"/w/result?reference={booking.reference}").status_code == 200
    assert len([call for call in stub.received if call.method == "GET"]) == 1


def test_a_partner_down_while_asked_leaves_the_order_pending(shopper, stub, fast_http):
    from tests.payments.stub_partner import Reply

    booking = paid_order(shopper, stub)
    age_handoff(booking)
    stub.script(Reply(status=503, body=b"busy"))
    html = shopper.client.get(f"/w/result?reference={booking.reference}").get_data(as_text=True)
    assert statuses(html) == ("BOOKED", "PENDING", "PENDING")


def test_status_json_is_only_for_the_customers_own_order(app, make_shopper, stub):
    alice, bob = make_shopper(user="alice"), make_shopper(user="bob")
    booking = alice.hold_vip()
    body = alice.client.get(f"/w/orders/{booking.reference}/status.json").get_json()
    assert body["reference_transaction_id"] == booking.reference and body["state"] == "held"
    assert str(body["title"]) and body["tickets"] == []
    assert bob.client.get(f"/w/orders/{booking.reference}/status.json").status_code == 404
    assert app.test_client().get(f"/w/orders/{booking.reference}/status.json").status_code == 404


def test_status_polling_is_rate_limited_per_order(make_app, app):
    limited = make_app(RATELIMIT_ENABLED=True, ORDER_STATUS_RATE_LIMIT="3/minute")
    client = limited.test_client()
    codes = [client.get("/w/orders/261122-AAAAAAAA/status.json").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


# -- a fresh webview with a signed result link ------------------------------------------------------------------------


def test_a_valid_link_in_a_fresh_webview_opens_that_one_order_read_only(app, shopper, stub):
    booking = paid_order(shopper, stub)
    issue(shopper, booking, app.test_client())
    fresh = app.test_client()
    link = signed_result_link(shopper.wallet, "SBX0001")
    opened = fresh.get(link)
    assert opened.status_code == 303  # the signature leaves the address bar
    assert opened.headers["Location"] == f"/w/result?partner_code={shopper.wallet.code}"
    page = fresh.get(opened.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-read-only="true"' in html
    assert statuses(html) == ("BOOKED", "SUCCESS", "SUCCESS") and tickets(html) == reload(booking).tickets
    assert "B1234567" not in html and "•••••567" in html  # document number masked
    assert "an.nguyen@example.com" not in html and "0912345678" not in html
    for absent in ("pay-button", "try-again", "/w/orders\"", 'class="nav"', "csrf_token"):
        assert absent not in html
    assert fresh.get(opened.headers["Location"]).status_code == 200  # a reload keeps the grant
    assert fresh.get(f"/w/orders/{booking.reference}/status.json").status_code == 200
    # …and nothing else: no other order, no screens that need a launch
    other = shopper.hold_vip(full_name="Tran Thi Binh")
    assert fresh.get(f"/w/orders/{other.reference}/status.json").status_code == 404
    assert fresh.get("/w/orders").status_code == 401
    assert fresh.get(f"/w/result?reference={other.reference}").get_data(as_text=True).count(other.reference) == 0


def test_the_same_link_reused_shows_nothing(app, shopper, stub):
    paid_order(shopper, stub)
    link = signed_result_link(shopper.wallet, "SBX0001")
    assert app.test_client().get(link).status_code == 303
    again = app.test_client().get(link)
    html = again.get_data(as_text=True)
    assert again.status_code == 403 and 'data-testid="result-refused"' in html and "order-status" not in html


@pytest.mark.parametrize("tamper", ["sig", "transaction", "stale", "secret", "partner"])
def test_tampered_or_stale_links_show_the_reopen_page(app, shopper, stub, tamper):
    booking = paid_order(shopper, stub)
    wallet = shopper.wallet
    valid = signed_result_link(wallet, "SBX0001")
    link = {
        "sig": valid[:-1] + ("1" if valid.endswith("0") else "0"),
        "transaction": signed_result_link(wallet, "SBX0001").replace("SBX0001", "SBX0002"),
        "stale": signed_result_link(wallet, "SBX0001", timestamp_ms=int(time.time() * 1000) - 301_000),
        "secret": signed_result_link(wallet, "SBX0001", secret="not-the-secret"),
        "partner": signed_result_link(wallet, "SBX0001").replace(f"partner_code={wallet.code}",
                                                                  "partner_code=someone-else"),
    }[tamper]
    response = app.test_client().get(link)
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and 'data-reason="link"' in html
    assert booking.reference not in html


def test_no_session_and_no_link_shows_the_reopen_page(app):
    response = app.test_client().get("/w/result?partner_code=anyone")
    assert response.status_code == 401 and 'data-testid="result-refused"' in response.get_data(as_text=True)


def test_an_envelope_return_link_opens_the_order_read_only_once(app, envelope_shopper):
    booking = envelope_shopper.hold_vip()
    link = merchant_return_url(booking).removeprefix("http://127.0.0.1:5000")
    fresh = app.test_client()
    page = fresh.get(link, follow_redirects=True)
    assert page.status_code == 200 and 'data-read-only="true"' in page.get_data(as_text=True)
    assert app.test_client().get(link).status_code == 403


# -- try again ---------------------------------------------------------------------------------------------------------


def test_after_a_declined_payment_try_again_books_the_same_travellers_anew(app, shopper, stub):
    booking = paid_order(shopper, stub)
    answer = shopper.wallet.ipn(app.test_client(), booking, "FAILURE", transaction_id="SBX0001")
    assert answer.get_json()["code"] == 0
    html = shopper.client.get(signed_result_link(shopper.wallet, "SBX0001")).get_data(as_text=True)
    assert statuses(html) == ("BOOKED", "FAILED", "PENDING")
    assert 'data-testid="try-again"' in html and "data-poll" not in html and "pay-button" not in html
    action = re.search(r'<form method="post" action="([^"]+/retry)"', html).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    first = shopper.client.post(action, data={"csrf_token": token})
    second = shopper.client.post(action, data={"csrf_token": token})  # a double tap
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    reference = first.headers["Location"].rsplit("/", 1)[1]
    again = db.session.scalar(select(Booking).where(Booking.reference == reference))
    assert again.reference != booking.reference and again.is_held
    assert again.travellers == reload(booking).travellers and again.offer_id == booking.offer_id
    assert (again.contact_email, again.customer_id) == (booking.contact_email, booking.customer_id)
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 2


def test_try_again_is_only_for_failed_or_expired_orders(shopper, stub):
    booking = paid_order(shopper, stub)
    token = shopper.csrf(f"/w/result?reference={booking.reference}")
    response = shopper.client.post(f"/w/orders/{booking.reference}/retry", data={"csrf_token": token})
    assert response.status_code == 303 and "/w/result?" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    assert shopper.client.post(f"/w/orders/{booking.reference}/retry").status_code == 400  # no token


def test_try_again_when_the_offer_is_gone_says_so(shopper, stub):
    booking = shopper.hold_vip()
    token = shopper.csrf(f"/w/result?reference={booking.reference}")
    db.session.execute(Booking.__table__.update().where(Booking.id == booking.id)
                       .values(booking_status="EXPIRED", offer_id="V:discontinued"))
    db.session.commit()
    response = shopper.client.post(f"/w/orders/{booking.reference}/retry", data={"csrf_token": token})
    assert response.status_code == 404 and 'data-testid="not-found"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
