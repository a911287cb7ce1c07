"""Travellers, review, hold, held page, release, my orders: JS-off flows through the Flask client."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from tests.web.conftest import make_launch, make_partner, sign_in
from webview.catalog.models import Fare
from webview.catalog.offers import Passengers
from webview.catalog.services import search_flights
from webview.extensions import db

ADULT = {"travellers-0-full_name": "Nguyễn Văn An", "travellers-0-date_of_birth": "1990-05-17",
         "travellers-0-gender": "male", "travellers-0-document_number": "079090001234"}
CONTACT = {"contact_name": "Nguyễn Văn An", "contact_email": "an@example.com", "contact_phone": "0912 345 678"}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def form_fields(html: str, action_part: str) -> tuple[str, dict]:
    """The action and hidden fields of the form whose action contains `action_part`."""
    match = re.search(rf'<form method="post" action="([^"]*{re.escape(action_part)}[^"]*)"[^>]*>(.*?)</form>',
                      html, re.S)
    assert match, f"no form posting to {action_part}"
    fields = {unescape(n): unescape(v) for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"',
                                                               match.group(2))}
    return unescape(match.group(1)), fields


def cheapest_fare(day, seats: int = 1):
    return search_flights("HAN", "SGN", day, Passengers(seats)).pop(0).fares[0]


def review(client, query: str, data: dict):
    """GET the traveller form, POST it, return the review response."""
    page = client.get(f"/w/book?{query}")
    assert page.status_code == 200
    return client.post(f"/w/book?{query}", data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data})


def hold(client, query: str, data: dict):
    """Travellers → review → Hold; returns the hold response (a 303 to the order on success)."""
    page = review(client, query, data)
    assert page.status_code == 200, page.get_data(as_text=True)[:400]
    action, fields = form_fields(page.get_data(as_text=True), "/w/book/hold")
    return client.post(action, data=fields)


@pytest.fixture
def fare(catalog):
    return cheapest_fare(catalog)


def test_traveller_form_has_the_contract_names_and_prefills_the_contact(user, fare):
    html = user.get(f"/w/book?offer={fare.offer_id}&adults=2&children=1&infants=1").get_data(as_text=True)
    assert 'data-testid="traveller-form"' in html
    for index in range(4):
        for name in ("full_name", "date_of_birth", "gender"):
            assert f'name="travellers-{index}-{name}"' in html
    assert 'name="travellers-0-document_number"' in html and 'name="travellers-2-document_number"' not in html
    assert 'value="user-1@example.com"' in html and 'value="0912 345 678"' in html


def test_wrong_travellers_get_an_error_summary_linked_to_the_fields(user, fare):
    data = {**ADULT, "travellers-0-full_name": "An", "travellers-0-date_of_birth": "2020-01-01",
            **CONTACT, "contact_phone": "12345"}
    response = review(user, f"offer={fare.offer_id}", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="form-errors"' in html
    for target in ("travellers-0-full_name", "travellers-0-date_of_birth", "contact_phone"):
        assert f'href="#{target}"' in html and f'id="{target}"' in html
    assert "Người lớn phải từ 12 tuổi trở lên" in html


def test_review_shows_the_price_breakdown_and_normalised_details(user, catalog):
    fare = cheapest_fare(catalog, seats=2)
    data = {**ADULT, "travellers-1-full_name": "Trần Thị Bình", "travellers-1-date_of_birth": "2016-03-02",
            "travellers-1-gender": "female", **CONTACT}
    html = review(user, f"offer={fare.offer_id}&adults=1&children=1", data).get_data(as_text=True)
    total = fare.price_adult + fare.price_child
    assert f'data-testid="review-total" data-amount="{total}"' in html
    assert "NGUYEN VAN AN" in html and "TRAN THI BINH" in html and "<dd>0912 345 678</dd>" in html
    assert 'data-testid="hold-submit"' in html


def test_hold_takes_the_seats_and_shows_the_held_order_with_a_countdown(user, fare):
    seats_before = db.session.get(Fare, fare.fare_id).seats_left
    response = hold(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT})
    assert response.status_code == 303
    page = user.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    status = re.search(r'data-testid="order-status"([^>]*)>', html).group(1)
    assert 'data-booking-status="BOOKED"' in status and 'data-payment-status="PENDING"' in status
    assert 'data-issue-status="PENDING"' in status
    reference = re.search(r'data-reference-transaction-id="([^"]+)"', status).group(1)
    assert response.headers["Location"].endswith(f"/w/orders/{reference}")
    countdown = re.search(r'data-testid="hold-countdown" data-deadline="([^"]+)"', html)
    assert countdown and re.search(r'data-clock[^>]*>(?:1\d|20):\d{2}<', html)
    db.session.expire_all()
    assert db.session.get(Fare, fare.fare_id).seats_left == seats_before - 1


def test_a_repeated_hold_submit_lands_on_the_same_order(user, fare):
    page = review(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT})
    action, fields = form_fields(page.get_data(as_text=True), "/w/book/hold")
    first, second = user.post(action, data=fields), user.post(action, data=fields)
    assert first.headers["Location"] == second.headers["Location"]


def test_hold_without_inventory_fails_with_alternatives(user, catalog):
    fare = cheapest_fare(catalog)
    page = review(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT})
    action, fields = form_fields(page.get_data(as_text=True), "/w/book/hold")
    db.session.get(Fare, fare.fare_id).seats_left = 0
    db.session.commit()
    html = user.get(user.post(action, data=fields).headers["Location"]).get_data(as_text=True)
    assert 'data-booking-status="FAILED"' in html
    assert 'data-testid="hold-countdown"' not in html
    assert html.count('href="/w/flights/') >= 1  # alternatives on the same route and day


def test_release_gives_the_seats_back(user, fare):
    location = hold(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).headers["Location"]
    html = user.get(location).get_data(as_text=True)
    action, fields = form_fields(html, "/release")
    assert user.post(action, data={}).status_code == 400  # CSRF
    assert user.post(action, data=fields).status_code == 303
    html = user.get(location).get_data(as_text=True)
    assert 'data-booking-status="CANCELLED"' in html and 'data-testid="release-hold"' not in html
    db.session.expire_all()
    assert db.session.get(Fare, fare.fare_id).seats_left == fare.seats_left


def test_hotel_holds_with_the_guest_name_and_contact_only(screen, catalog):
    client = screen(product="hotel")
    rooms_page = client.get("/w/hotels", query_string={"city": "DAD", "check_in": catalog.isoformat(),
                                                       "check_out": (catalog + timedelta(days=1)).isoformat(),
                                                       "rooms": "1", "guests": "2"}).get_data(as_text=True)
    hotel = re.search(r'href="(/w/hotels/\d+\?[^"]+)"', rooms_page).group(1)
    offer = re.search(r'href="/w/book\?([^"]+)"', client.get(unescape(hotel)).get_data(as_text=True)).group(1)
    form = client.get(f"/w/book?{unescape(offer)}").get_data(as_text=True)
    assert 'name="travellers-0-full_name"' in form and 'name="contact_name"' in form
    assert "date_of_birth" not in form and "gender" not in form and "document_number" not in form
    response = hold(client, unescape(offer), {"travellers-0-full_name": "Nguyễn Văn An", **CONTACT})
    order = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-booking-status="BOOKED"' in order and 'data-testid="hold-countdown"' in order


def vip_confirm(client, plan: str = "yearly"):
    """The VIP confirm screen and its form's action and fields (prefilled values included)."""
    page = client.get(f"/w/book?offer=V:{plan}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    action, fields = form_fields(html, "/w/book/hold")
    return html, action, fields


def test_vip_is_plan_confirm_pay_with_the_customer_prefilled(screen, catalog):
    client = screen(product="vip")
    html, action, fields = vip_confirm(client)
    assert fields["travellers-0-full_name"] == "Nguyễn Văn An"  # as the customer writes it, accents kept
    assert fields["contact_email"] == "user-1@example.com" and fields["contact_phone"] == "0912 345 678"
    for asked_no_more in ("date_of_birth", "gender", "document_number", 'name="contact_name"', "hold-countdown",
                          "traveller-submit"):
        assert asked_no_more not in html, asked_no_more
    assert 'data-testid="hold-submit"' in html and "599.000 ₫" in html
    response = client.post(action, data=fields)
    assert response.status_code == 303
    reference = re.search(r"/w/orders/([^/]+)/checkout$", response.headers["Location"]).group(1)  # straight to pay
    order = client.get(f"/w/orders/{reference}").get_data(as_text=True)
    assert 'data-booking-status="BOOKED"' in order and 'data-testid="pay-button"' in order
    assert 'data-testid="hold-countdown"' not in order and "Nguyễn Văn An" in order


def test_vip_confirm_refuses_a_bad_holder_and_keeps_what_was_typed(screen, catalog):
    client = screen(product="vip", locale="en")
    _html, action, fields = vip_confirm(client, "monthly")
    response = client.post(action, data={**fields, "travellers-0-full_name": "", "contact_phone": "12"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="form-errors"' in html
    assert 'href="#travellers-0-full_name"' in html and 'href="#contact_phone"' in html
    assert 'value="user-1@example.com"' in html
    # an older suite that still posts a birth date and a contact name to the VIP form is not refused for it
    response = client.post(action, data={**fields, "travellers-0-date_of_birth": "1990-05-17",
                                         "travellers-0-gender": "male", "contact_name": "X Y"})
    assert response.status_code == 303


def test_orders_list_and_detail_belong_to_the_customer(app, user, fare, screen):
    location = hold(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).headers["Location"]
    reference = location.rsplit("/", 1)[1]
    html = user.get("/w/orders").get_data(as_text=True)
    assert f'data-reference-transaction-id="{reference}"' in html
    other_customer = screen(user="someone-else")
    assert other_customer.get(location).status_code == 404
    assert reference not in other_customer.get("/w/orders").get_data(as_text=True)
    assert other_customer.post(f"{location}/release").status_code in (400, 404)
    other_partner = sign_in(app.test_client(), make_launch(make_partner("other"), "user-1"))
    assert other_partner.get(location).status_code == 404
    assert user.get("/w/orders/not-a-reference").status_code == 404


def test_orders_screen_query_count_does_not_grow_with_orders(user, catalog, sql_counter):
    fares = search_flights("HAN", "SGN", catalog, Passengers(1))
    hold(user, f"offer={fares[0].offer_id}", {**ADULT, **CONTACT})
    one = sql_counter.count(lambda: user.get("/w/orders"))
    for offer in fares[1:5]:
        hold(user, f"offer={offer.offer_id}", {**ADULT, **CONTACT})
    assert sql_counter.count(lambda: user.get("/w/orders")) == one <= 4


def test_expired_hold_shows_no_countdown_and_cannot_be_released(user, fare):
    location = hold(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).headers["Location"]
    from webview.booking.models import Booking

    booking = db.session.query(Booking).one()
    booking.hold_expires_at = booking.hold_expires_at - timedelta(hours=1)
    db.session.commit()
    html = user.get(location).get_data(as_text=True)
    assert 'data-testid="hold-countdown"' not in html and 'data-testid="release-hold"' not in html


def test_an_expired_hold_says_so_and_can_be_booked_again(user, fare):
    """Past its deadline the order is expired (inventory back), never "awaiting payment"; one tap books it again."""
    from webview.booking.models import Booking

    seats = db.session.get(Fare, fare.fare_id).seats_left
    location = hold(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).headers["Location"]
    booking = db.session.query(Booking).one()
    assert db.session.get(Fare, fare.fare_id).seats_left == seats - 1
    booking.hold_expires_at = booking.hold_expires_at - timedelta(hours=1)
    db.session.commit()
    html = user.get(location).get_data(as_text=True)
    assert 'data-booking-status="EXPIRED"' in html and "Đã hết thời gian giữ chỗ" in html
    assert "chờ thanh toán" not in html and 'data-testid="pay-button"' not in html
    assert db.session.get(Fare, fare.fare_id).seats_left == seats
    action, fields = form_fields(html, "/retry")
    again = user.post(action, data=fields)
    assert again.status_code == 303
    page = user.get(again.headers["Location"]).get_data(as_text=True)
    assert 'data-booking-status="BOOKED"' in page and 'data-testid="pay-button"' in page
    new = db.session.query(Booking).filter(Booking.reference != booking.reference).one()
    assert (new.offer_id, new.travellers) == (booking.offer_id, booking.travellers)


def test_dates_of_birth_are_checked_against_the_travel_date(user, catalog):
    fare = cheapest_fare(catalog, seats=1)
    travel = catalog
    infant_too_old = (travel - timedelta(days=3 * 365)).isoformat()
    data = {**ADULT, "travellers-1-full_name": "Le Minh", "travellers-1-date_of_birth": infant_too_old,
            "travellers-1-gender": "male", **CONTACT}
    response = review(user, f"offer={fare.offer_id}&adults=1&infants=1", data)
    assert response.status_code == 422
    assert "Em bé phải dưới 2 tuổi vào ngày bay" in response.get_data(as_text=True)
    assert date.fromisoformat(infant_too_old) < travel


# Every lifecycle state the list can show: (booking, payment, issue) → (Vietnamese title, English title, tone).
LIST_STATES = [
    (("PENDING", "PENDING", "PENDING"), "Đang giữ chỗ cho đơn hàng", "Reserving your booking", "warn"),
    (("BOOKED", "PENDING", "PENDING"), "Đã giữ chỗ, đang chờ thanh toán", "Booking held, awaiting payment", "warn"),
    (("FAILED", "PENDING", "PENDING"), "Không giữ được chỗ cho đơn hàng này", "We could not hold this booking", "bad"),
    (("EXPIRED", "PENDING", "PENDING"), "Đã hết thời gian giữ chỗ", "Hold expired", "bad"),
    (("CANCELLED", "PENDING", "PENDING"), "Đơn hàng đã hủy", "Booking cancelled", "bad"),
    (("BOOKED", "FAILED", "PENDING"), "Thanh toán không thành công", "Payment failed", "bad"),
    (("BOOKED", "SUCCESS", "PROCESSING"), "Đã nhận thanh toán, đang xuất vé", "Payment received, issuing", "warn"),
    (("BOOKED", "SUCCESS", "SUCCESS"), "Đặt chỗ thành công", "Booking confirmed", "ok"),
    (("BOOKED", "SUCCESS", "FAILED"), "Đã thanh toán nhưng chưa xuất được", "Paid but not issued", "bad"),
    (("BOOKED", "REFUNDED", "FAILED"), "Đã hoàn tiền", "Refunded", "closed"),
    (("BOOKED", "PARTIALLY_REFUNDED", "SUCCESS"), "Đã hoàn tiền một phần", "Partially refunded", "ok"),
]


@pytest.mark.parametrize(("statuses", "title_vi", "title_en", "tone"), LIST_STATES,
                         ids=["/".join(state[0]) for state in LIST_STATES])
def test_orders_list_shows_each_state_in_words_and_colour(user, screen, fare, statuses, title_vi, title_en, tone):
    """The list's status pill carries the whole message and the state's tone, never one letter on a grey dot."""
    from webview.booking.models import Booking

    hold(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT})
    booking = db.session.query(Booking).one()
    booking.booking_status, booking.payment_status, booking.issue_status = statuses
    db.session.commit()
    for client, title in ((user, title_vi), (screen(locale="en"), title_en)):
        html = client.get("/w/orders").get_data(as_text=True)
        pill = re.search(r'data-testid="order-item-status" data-tone="(\w+)"><span class="dot (\w+)"></span>([^<]*)<',
                         html)
        assert pill, html[-2000:]
        assert pill.group(1) == pill.group(2) == tone
        assert unescape(pill.group(3)).strip() == title


def test_the_error_summary_groups_errors_by_passenger(user, catalog):
    """Several passengers wrong: one line per passenger naming them, with a link to each wrong field."""
    fare = cheapest_fare(catalog, seats=3)
    data = {**ADULT, "travellers-0-full_name": "", "travellers-0-date_of_birth": "",
            "travellers-1-full_name": "", "travellers-1-date_of_birth": "", "travellers-1-gender": "",
            **CONTACT, "contact_email": "not-an-email"}
    response = review(user, f"offer={fare.offer_id}&adults=2&children=1", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    start = html.index('data-testid="form-errors"')
    summary = html[start:html.index("</div>", start)]
    groups = re.findall(r'<li data-testid="error-group"><span class="strong">([^<]+):</span> (.*?)</li>', summary)
    headings = [unescape(heading) for heading, _ in groups]
    assert headings == ["Hành khách 1 · Người lớn", "Hành khách 2 · Người lớn", "Hành khách 3 · Trẻ em", "Liên hệ"]
    links = [re.findall(r'href="#([^"]+)"', body) for _, body in groups]
    assert links[0] == ["travellers-0-full_name", "travellers-0-date_of_birth"]
    assert links[1][:2] == ["travellers-1-full_name", "travellers-1-date_of_birth"]
    assert links[3] == ["contact_email"]
    for target in (target for group in links for target in group):
        assert f'id="{target}"' in html  # each link lands on its field


def test_review_states_taxes_and_the_exact_hold_time(user, fare, app):
    html = review(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).get_data(as_text=True)
    assert 'data-testid="taxes-line"><td>Thuế và phí</td><td>Đã bao gồm</td>' in html
    minutes = app.config.get("HOLD_MINUTES_FLIGHT", 20)
    assert f"trong {minutes} phút" in html and "vài phút" not in html


def test_sign_out_from_my_orders_ends_the_session_everywhere(app, user, fare):
    location = hold(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).headers["Location"]
    orders = user.get("/w/orders").get_data(as_text=True)
    assert 'data-testid="sign-out"' in orders
    assert user.post("/w/sign-out").status_code == 400  # CSRF-protected
    token = re.search(r'name="csrf_token" value="([^"]+)"', orders).group(1)
    signed_out = user.post("/w/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 200 and 'data-reason="signed_out"' in signed_out.get_data(as_text=True)
    assert user.get(location).status_code == 401 and user.get("/w/orders").status_code == 401
    from webview.launch.models import LaunchSession

    assert db.session.query(LaunchSession).filter(LaunchSession.ended_at.is_(None)).count() == 0


def test_review_names_the_seller_asks_consent_and_says_payment_is_on_the_wallet(user, fare, app):
    html = review(user, f"offer={fare.offer_id}", {**ADULT, **CONTACT}).get_data(as_text=True)
    seller = re.search(r'data-testid="seller">([^<]+)<', html).group(1)
    assert app.config["MERCHANT_NAME"] in seller and "Cung cấp bởi" in seller  # the airline provides the flight
    consent = html[html.index('data-testid="consent"'):]
    consent = consent[:consent.index("</p>")]
    assert 'href="/w/legal/terms"' in consent and 'href="/w/legal/privacy"' in consent
    assert 'href="#conditions-title"' in consent and 'id="conditions-title"' in html
    assert 'data-testid="secure-payment"' in html


@pytest.mark.parametrize(("page", "heading", "english_heading"), [
    ("terms", "Điều khoản dịch vụ", "Terms of service"), ("privacy", "Chính sách quyền riêng tư", "Privacy policy")])
def test_the_legal_pages_open_without_a_session(client, page, heading, english_heading):
    response = client.get(f"/w/legal/{page}", headers={"Accept-Language": "vi"})
    assert response.status_code == 200 and f"<h2>{heading}</h2>" in response.get_data(as_text=True)
    english = client.get(f"/w/legal/{page}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in english and f"<h2>{english_heading}</h2>" in english
    assert client.get("/w/legal/cookies").status_code == 404
