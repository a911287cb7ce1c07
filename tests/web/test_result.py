# ruff: noqa: F811  (pytest fixtures imported from test_checkout are requested by parameter name)
"""The order result screen, its status.json and "try again", through the Flask client.

In-session views, the read-only view a signed result link grants a fresh webview (once), the lost-IPN recovery
through the partner's query API, and a new booking after a failed payment.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.payments.factories import TRAVELLER, a_fare, reload
from tests.payments.stub_partner import Reply
from tests.web.test_budgets import HTML_BUDGET, gzipped
from tests.web.test_checkout import (  # noqa: F401  (fixtures shared with the handoff tests)
    CONTACT,
    Shopper,
    created,
    creates,
    envelope_shopper,
    fast_http,
    handoff_config,
    make_shopper,
    queried,
    shopper,
    signed_result_link,
    stub,
)
from webview.booking.models import Booking
from webview.booking.services import hold_booking
from webview.catalog.generator import local_today
from webview.catalog.models import RoomNight
from webview.catalog.offers import room_offer_id
from webview.db import utcnow
from webview.extensions import db
from webview.i18n.formatting import format_local_time, to_local
from webview.jobs import run_once
from webview.launch.models import LaunchSession
from webview.payments.models import CheckoutHandoff, PaymentEvent
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
    assert re.search(r'class="btn ghost" type="submit" data-testid="pay-button"', html)
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


def decline(app, shopper: Shopper, booking: Booking, message: str | None = None, transaction_id: str = "SBX0001"):
    """The partner's IPN FAILURE, with its reason in `message` when given."""
    body = {"reference_transaction_id": booking.reference, "transaction_amount": booking.amount,
            "transaction_id": transaction_id, "status": "FAILURE", "partner_banking_method": "WALLET"}
    if message is not None:
        body["message"] = message
    return shopper.wallet.post(app.test_client(), "/api/v1/payment/ipn", body)


def test_a_declined_payment_shows_the_partners_reason_and_try_again_opens_the_wallet_in_one_tap(app, shopper, stub):
    booking = paid_order(shopper, stub)
    assert decline(app, shopper, booking, "Số dư không đủ <b>\u202e</b>\n (mã 51)").get_json()["code"] == 0
    html = shopper.client.get(signed_result_link(shopper.wallet, "SBX0001")).get_data(as_text=True)
    assert statuses(html) == ("BOOKED", "FAILED", "PENDING")
    reason = re.search(r'data-testid="decline-reason" data-given="true">(.*?)</div>', html, re.S).group(1)
    assert "Số dư không đủ &lt;b&gt;&lt;/b&gt; (mã 51)" in reason  # escaped, one line, no direction override
    assert "\u202e" not in html and "<b>" not in reason
    assert f"Lý do từ {shopper.wallet.partner.name}" in reason
    assert 'data-testid="try-again"' in html and "data-poll" not in html and "pay-button" not in html
    assert html.count('data-testid="order-status"') == 1
    action = re.search(r'<form method="post" action="([^"]+/retry)"', html).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    stub.script(created(stub, "SBX0002"))
    first = shopper.client.post(action, data={"csrf_token": token})
    second = shopper.client.post(action, data={"csrf_token": token})  # a double tap
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    reference = re.fullmatch(r"/w/orders/([^/]+)/checkout", first.headers["Location"]).group(1)
    again = db.session.scalar(select(Booking).where(Booking.reference == reference))
    assert again.reference != booking.reference and again.is_held and again.partner_transaction_id == "SBX0002"
    assert again.travellers == reload(booking).travellers and again.offer_id == booking.offer_id
    assert (again.contact_email, again.customer_id) == (booking.contact_email, booking.customer_id)
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 2
    assert len(creates(stub)) == 2  # one transaction per booking, whatever the taps
    handoff = shopper.client.get(first.headers["Location"]).get_data(as_text=True)
    assert handoff_config(handoff)["url"] == f"{stub.url}/pay/SBX0002"  # checkout.js goes straight to the wallet


def test_a_decline_without_a_reason_says_so_generically(app, shopper, stub):
    booking = paid_order(shopper, stub)
    assert decline(app, shopper, booking).get_json()["code"] == 0
    html = shopper.client.get(f"/w/result?reference={booking.reference}").get_data(as_text=True)
    assert 'data-testid="decline-reason" data-given="false"' in html
    assert f"{shopper.wallet.partner.name} không cho biết lý do" in html


def test_a_reason_too_long_is_refused_with_code_1_and_changes_nothing(app, shopper, stub):
    booking = paid_order(shopper, stub)
    answer = decline(app, shopper, booking, "x" * 201)
    assert answer.status_code == 400 and answer.get_json()["data"]["fields"] == ["message"]
    assert reload(booking).payment_status == "PENDING"


def test_try_again_when_the_partner_is_down_shows_the_retry_screen_with_the_new_booking_held(app, shopper, stub):
    booking = paid_order(shopper, stub)
    decline(app, shopper, booking)
    token = shopper.csrf(f"/w/result?reference={booking.reference}")
    stub.script(Reply(status=503, body=b"busy"), Reply(status=503, body=b"busy"))
    response = shopper.client.post(f"/w/orders/{booking.reference}/retry", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and 'data-testid="retry-button"' in html
    again = db.session.scalar(select(Booking).where(Booking.id != booking.id))
    assert again.is_held and f'data-reference-transaction-id="{again.reference}"' in html


def test_try_again_at_a_new_price_stops_on_the_held_order_to_show_it(app, shopper, stub):
    booking = paid_order(shopper, stub)
    decline(app, shopper, booking)
    token = shopper.csrf(f"/w/result?reference={booking.reference}")
    db.session.execute(Booking.__table__.update().where(Booking.id == booking.id).values(amount=booking.amount - 1000))
    db.session.commit()
    response = shopper.client.post(f"/w/orders/{booking.reference}/retry", data={"csrf_token": token})
    assert response.status_code == 303 and re.fullmatch(r"/w/orders/[^/]+", response.headers["Location"])
    assert len(creates(stub)) == 1  # nothing opened at the partner for the new price yet


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


# -- what the customer keeps: the code, each person's document, the trip, next steps, support, payment -----------------


def pay_and_issue(app, shopper: Shopper, stub, booking: Booking, transaction_id: str) -> Booking:
    """Pay the held order at the partner (IPN SUCCESS) and run the issuance jobs."""
    stub.script(created(stub, transaction_id))
    assert shopper.pay(booking).status_code == 303
    answer = shopper.wallet.ipn(app.test_client(), booking, "SUCCESS", transaction_id=transaction_id)
    assert answer.get_json()["code"] == 0
    while run_once():
        pass
    issued = reload(booking)
    assert issued.issue_status == "SUCCESS", issued
    return issued


def hold_flight_of(shopper: Shopper, names: list[str]) -> Booking:
    """A held flight of the shopper for these adults (uppercase names, as on their IDs)."""
    fare = a_fare(len(names))
    people = [{**TRAVELLER, "full_name": name, "document_number": f"C{index}000123"}
              for index, name in enumerate(names)]
    return hold_booking(partner_id=shopper.launch.partner_id, customer_id=shopper.launch.customer_id,
                        launch_session_id=shopper.launch.id, offer_id=f"F:{fare.id}", travellers=people,
                        contact=CONTACT, locale="vi")


def hold_hotel_of(shopper: Shopper) -> Booking:
    """A held two-night stay of the shopper in the first room type with a room on both nights."""
    a_fare()  # the catalog from tomorrow on
    check_in = local_today() + timedelta(days=1)
    room_type_id = db.session.scalar(
        select(RoomNight.room_type_id).where(RoomNight.night.in_([check_in, check_in + timedelta(days=1)]),
                                             RoomNight.rooms_left > 0)
        .group_by(RoomNight.room_type_id).having(func.count() == 2).order_by(RoomNight.room_type_id).limit(1))
    return hold_booking(partner_id=shopper.launch.partner_id, customer_id=shopper.launch.customer_id,
                        launch_session_id=shopper.launch.id,
                        offer_id=room_offer_id(room_type_id, check_in, check_in + timedelta(days=2), 1),
                        travellers=[{**TRAVELLER, "full_name": "NGUYEN VAN AN"}], contact=CONTACT, locale="vi")


def visible_text(html: str) -> str:
    """The words a reader sees: no tags, no attributes, no scripts."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_an_issued_flight_shows_the_code_each_passengers_ticket_the_trip_next_steps_help_and_payment(app, shopper,
                                                                                                     stub):
    booking = pay_and_issue(app, shopper, stub, hold_flight_of(shopper, ["NGUYEN VAN AN", "TRAN THI BINH"]),
                            "SBXF01")
    html = shopper.client.get(f"/w/result?reference={booking.reference}").get_data(as_text=True)
    assert re.search(rf'id="order-code" data-testid="booking-code">{booking.pnr}<', html)
    assert re.search(r'<button[^>]*data-copy="order-code"[^>]*hidden>', html)  # shown by app.js only
    people = re.findall(r'data-testid="person-name">([^<]+)<.*?data-testid="ticket-number">([^<]+)<', html, re.S)
    assert people == list(zip(["NGUYEN VAN AN", "TRAN THI BINH"], booking.tickets, strict=True))
    details = booking.offer_snapshot["details"]
    departs = format_local_time(datetime.fromisoformat(details["departs_at"]), "vi")
    assert re.search(rf'data-testid="departs-at">{departs}<', html)
    text = visible_text(html)
    assert details["origin"] in text and details["destination"] in text and "Khởi hành" in text
    assert "Làm thủ tục trực tuyến" in text and "CCCD hoặc hộ chiếu" in text and "Hành lý xách tay" in text
    assert 'data-testid="support-help"' in html
    assert "Thanh toán qua" in text and "SBXF01" in text and 'data-testid="paid-at"' in html
    assert f'href="/w/orders/{booking.reference}/voucher" data-testid="voucher-link">Xem và in vé điện tử<' in html
    assert html.count('data-testid="order-status"') == 1 and "Vé của bạn đã được xuất" in text


def test_an_issued_hotel_shows_the_stay_with_its_check_in_time_and_the_voucher(app, shopper, stub):
    booking = pay_and_issue(app, shopper, stub, hold_hotel_of(shopper), "SBXH01")
    html = shopper.client.get(f"/w/result?reference={booking.reference}").get_data(as_text=True)
    text = visible_text(html)
    details = booking.offer_snapshot["details"]
    assert "Mã xác nhận" in text and re.search(rf'data-testid="booking-code">{booking.pnr}<', html)
    assert details["hotel_name"] in text and details["address"] in text
    assert f"từ {details['check_in_time']}" in text and f"trước {details['check_out_time']}" in text
    assert "2 đêm" in text and "Nhận phòng từ" in text and "Xuất trình phiếu này" in text
    assert tickets(html) == booking.tickets and "Số phiếu xác nhận" in text


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_an_issued_membership_speaks_of_membership_with_its_validity_and_never_of_tickets(app, shopper, stub, locale):
    booking = pay_and_issue(app, shopper, stub, shopper.hold_vip(), "SBXV01")
    db.session.execute(LaunchSession.__table__.update().where(LaunchSession.id == shopper.launch.id)
                       .values(locale=locale))
    db.session.commit()
    html = shopper.client.get(f"/w/result?reference={booking.reference}").get_data(as_text=True)
    assert f'<html lang="{locale}">' in html
    text = visible_text(html)
    paid = db.session.scalar(select(PaymentEvent.created_at).where(PaymentEvent.booking_id == booking.id))
    last_day = to_local(paid).date() + timedelta(days=booking.offer_snapshot["details"]["duration_days"] - 1)
    assert f'data-valid-until="{last_day.isoformat()}"' not in html  # the hook is data-date on the value
    assert re.search(rf'data-testid="valid-until" data-date="{last_day.isoformat()}"', html)
    assert re.search(rf'id="order-code" data-testid="ticket-number">{booking.tickets[0]}<', html)
    assert tickets(html) == booking.tickets  # the plan's one number, once
    if locale == "vi":
        assert "Mã thành viên" in text and "Gói thành viên của bạn đã được kích hoạt" in text
        assert not re.search(r"\bvé\b", text, re.I) and "Mã đặt chỗ" not in text
    else:
        assert "Membership number" in text and "Your membership is active" in text
        assert "ticket" not in text.lower() and "booking code" not in text.lower()


def test_the_printable_page_is_the_customers_own_issued_order_only(app, make_shopper, stub):
    alice, bob = make_shopper(user="alice"), make_shopper(user="bob")
    booking = pay_and_issue(app, alice, stub, alice.hold_vip(), "SBXV02")
    page = alice.client.get(f"/w/orders/{booking.reference}/voucher")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert 'data-testid="voucher"' in html and "Thẻ thành viên" in html and 'class="nav"' not in html
    assert re.search(rf'data-testid="ticket-number">{booking.tickets[0]}<', html) and "<svg viewBox" in html
    assert re.search(r'<button[^>]*data-print[^>]*hidden>', html)
    assert bob.client.get(f"/w/orders/{booking.reference}/voucher").status_code == 404
    assert app.test_client().get(f"/w/orders/{booking.reference}/voucher").status_code == 401
    held = alice.hold_vip()
    response = alice.client.get(f"/w/orders/{held.reference}/voucher")
    assert response.status_code == 303 and f"reference={held.reference}" in response.headers["Location"]
    order = alice.client.get(f"/w/orders/{booking.reference}").get_data(as_text=True)
    assert f'href="/w/orders/{booking.reference}/voucher" data-testid="voucher-link"' in order
    assert not re.search(r"\bvé\b", visible_text(order), re.I)


def test_the_held_order_has_one_status_block_with_its_countdown_and_a_pay_bar_instead_of_the_navigation(shopper, stub):
    booking = hold_flight_of(shopper, ["NGUYEN VAN AN"])
    html = shopper.client.get(f"/w/orders/{booking.reference}").get_data(as_text=True)
    block = re.search(r'<section class="card status[^"]*" data-testid="order-status".*?</section>', html, re.S).group(0)
    assert 'data-testid="hold-countdown"' in block and html.count('data-testid="hold-countdown"') == 1
    assert visible_text(html).count("Đã giữ chỗ") <= 1 and "Held for you" not in html
    assert '<main id="main" class="screen stack paying">' in html
    bar = re.search(r'<div class="paybar" data-testid="pay-bar">.*?</form>', html, re.S).group(0)
    assert 'data-testid="pay-button"' in bar and 'data-amount' not in bar and booking.reference in bar
    assert 'class="nav"' not in html and 'data-testid="release-hold"' in html


@pytest.mark.parametrize(("screen", "statements"), [("result", 4), ("voucher", 4), ("order", 4), ("held", 2)])
def test_the_order_screens_fit_the_budgets(app, shopper, stub, sql_counter, screen, statements):
    """14 KB gzipped like every screen; a fixed handful of SQL statements (session, order, payment time, airports)."""
    issued = pay_and_issue(app, shopper, stub, hold_flight_of(shopper, ["NGUYEN VAN AN", "TRAN THI BINH"]), "SBXF09")
    held = hold_flight_of(shopper, ["NGUYEN VAN AN"])
    url = {"result": f"/w/result?reference={issued.reference}", "voucher": f"/w/orders/{issued.reference}/voucher",
           "order": f"/w/orders/{issued.reference}", "held": f"/w/orders/{held.reference}"}[screen]
    shopper.client.get(url)  # warm: the partner's theme and support contact are cached per process
    pages = []
    assert sql_counter.count(lambda: pages.append(shopper.client.get(url))) <= statements, sql_counter.statements
    assert pages[0].status_code == 200 and gzipped(pages[0].data) <= HTML_BUDGET
