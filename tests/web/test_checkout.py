"""The checkout handoff screen through the Flask client, against a scripted partner on loopback.

Also the shared builders of the checkout and result screen tests: an hmac partner whose URLs point at the stub,
a customer signed in to a launch session, a held order of theirs, and the partner's signed result links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.payments.factories import TRAVELLER, SignedPartner, hmac_partner, reload
from tests.payments.stub_partner import Reply, StubPartner
from tests.web.conftest import make_launch, sign_in
from webview.booking.models import Booking
from webview.booking.services import hold_booking
from webview.catalog.generator import ensure_reference_data
from webview.db import utcnow
from webview.extensions import db
from webview.launch.models import LaunchSession
from webview.products import get_product

CONTACT = {"name": "Nguyen Van An", "email": "an.nguyen@example.com", "phone": "0912345678"}


# -- builders shared with test_result.py -------------------------------------------------------------------------


@pytest.fixture
def stub() -> Iterator[StubPartner]:
    """A scripted partner HTTP server on loopback."""
    server = StubPartner()
    yield server
    server.stop()


@pytest.fixture
def fast_http(app):
    """Short partner timeouts and no backoff sleeps, so partner-trouble tests are quick."""
    app.config.update(PARTNER_CONNECT_TIMEOUT=1.0, PARTNER_READ_TIMEOUT=0.5, PARTNER_RETRIES=1,
                      PARTNER_BACKOFF_SECONDS=0.0)
    return app


class Shopper:
    """A partner's customer signed in to a launch session, with a Flask client and the partner's credentials."""

    def __init__(self, app, wallet: SignedPartner, identify_code: str = "user-1") -> None:
        self.wallet = wallet
        self.launch: LaunchSession = make_launch(wallet.partner, identify_code, product="vip")
        self.client: FlaskClient = sign_in(app.test_client(), self.launch)

    def hold_vip(self, **traveller) -> Booking:
        """A held VIP order of this customer (no inventory involved)."""
        ensure_reference_data()
        db.session.commit()
        return hold_booking(partner_id=self.launch.partner_id, customer_id=self.launch.customer_id,
                            launch_session_id=self.launch.id, offer_id="V:monthly",
                            travellers=[{**TRAVELLER, **traveller}], contact=CONTACT, locale="vi")

    def csrf(self, path: str) -> str:
        """A CSRF token of this client's session, read from a page that has a form."""
        html = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
        assert match, f"no csrf token on {path}"
        return match.group(1)

    def pay(self, booking: Booking):
        """Tap the pay button of the held order (POST with the session's CSRF token)."""
        token = self.csrf(f"/w/result?reference={booking.reference}")
        return self.client.post(f"/w/orders/{booking.reference}/checkout", data={"csrf_token": token})


@pytest.fixture
def make_shopper(app, stub, fast_http) -> Callable[..., Shopper]:
    """shopper(handoff="redirect", code=..., user=...): a signed-in customer of a stub-backed hmac partner."""
    wallets: dict[str, SignedPartner] = {}

    def factory(handoff: str = "redirect", code: str | None = None, user: str = "user-1") -> Shopper:
        code = code or f"wallet-{handoff}"
        if code not in wallets:
            wallets[code] = hmac_partner(stub.url, code=code, handoff=handoff)
        return Shopper(app, wallets[code], user)

    return factory


@pytest.fixture
def shopper(make_shopper) -> Shopper:
    return make_shopper()


def created(stub: StubPartner, transaction_id: str = "SBX0001", **extra) -> Reply:
    """The partner's answer to create transaction."""
    return Reply(body={"code": 0, "message": "success",
                       "data": {"transaction_id": transaction_id, "payment_url": f"{stub.url}/pay/{transaction_id}",
                                **extra}})


def queried(status: str, amount: int, transaction_id: str = "SBX0001") -> Reply:
    """The partner's answer to query transaction."""
    return Reply(body={"code": 0, "message": "success",
                       "data": {"transaction_id": transaction_id, "status": status, "amount": amount}})


def signed_result_link(wallet: SignedPartner, transaction_id: str, *, timestamp_ms: int | None = None,
                       secret: str | None = None) -> str:
    """The partner's return to /w/result, signed as DESIGN.md says (written independently of webview.signing)."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    message = f"{timestamp}.{wallet.client_id}.{wallet.code}.{transaction_id}".encode()
    payload = base64.urlsafe_b64encode(message).rstrip(b"=")
    sig = hmac.new((secret or wallet.secret).encode(), payload, hashlib.sha256).hexdigest()
    return (f"/w/result?partner_code={wallet.code}&transaction_id={transaction_id}"
            f"&timestamp={timestamp}&sig={sig}")


def creates(stub: StubPartner) -> list:
    """The create-transaction calls the partner received."""
    return [call for call in stub.received if call.method == "POST" and call.path.endswith("/transactions")]


def handoff_config(html: str) -> dict:
    """The JSON the handoff page gives checkout.js."""
    match = re.search(r'<script type="application/json" id="checkout-handoff" nonce="([^"]+)">(.*?)</script>',
                      html, re.S)
    assert match, "no handoff data"
    return json.loads(match.group(2))


def pay_button(html: str) -> str:
    match = re.search(r'<(?:a|button)[^>]*data-testid="pay-button"[^>]*>', html)
    assert match, "no pay-button"
    return match.group(0)


# -- the handoff --------------------------------------------------------------------------------------------------


def test_pay_creates_the_transaction_and_shows_the_redirect_handoff(shopper, stub):
    booking = shopper.hold_vip()
    stub.script(created(stub))
    tapped = shopper.pay(booking)
    assert tapped.status_code == 303 and tapped.headers["Location"].endswith(f"/w/orders/{booking.reference}/checkout")
    page = shopper.client.get(tapped.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    config = handoff_config(html)
    assert config["method"] == "redirect" and config["url"] == f"{stub.url}/pay/SBX0001"
    assert config["transaction_id"] == "SBX0001" and config["amount"] == booking.amount
    # JS off: the fallback is a plain link to the partner's page
    button = pay_button(html)
    assert button.startswith("<a ") and f'href="{stub.url}/pay/SBX0001"' in button
    assert f'data-reference-transaction-id="{booking.reference}"' in button
    assert f'data-amount="{booking.amount}"' in html
    # a digital plan never runs out: no countdown; the plan's own steps (Gói, Xác nhận, Thanh toán), the last current
    assert 'data-testid="hold-countdown"' not in html and "data-clock" not in html
    steps = re.search(r'<ol class="steps"[^>]*>(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r"<span>([^<]+)</span>", steps) == ["Gói", "Xác nhận", "Thanh toán"]
    assert re.search(r'<li aria-current="step"><span>Thanh toán</span>', steps)
    # the data block carries this response's CSP nonce; the script is a same-origin file
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'id="checkout-handoff" nonce="{nonce}"' in html
    assert re.search(r'<script src="/static/js/checkout\.js\?v=[0-9a-f]+" defer></script>', html)
    body = creates(stub)[0].json()
    assert body["reference_transaction_id"] == booking.reference and body["amount"] == booking.amount
    assert body["return_url"] == f"http://127.0.0.1:5000/w/result?partner_code={shopper.wallet.code}"
    assert reload(booking).statuses == ("BOOKED", "PENDING", "PENDING")


def test_reloads_and_double_taps_open_one_transaction(shopper, stub):
    booking = shopper.hold_vip()
    stub.script(created(stub))
    assert shopper.pay(booking).status_code == 303
    assert shopper.pay(booking).status_code == 303
    for _ in range(2):
        assert shopper.client.get(f"/w/orders/{booking.reference}/checkout").status_code == 200
    assert len(creates(stub)) == 1
    assert reload(booking).partner_transaction_id == "SBX0001"


def test_deeplink_handoff_is_a_plain_link_with_the_web_page_as_a_second_way(make_shopper, stub):
    shopper = make_shopper("deeplink")
    booking = shopper.hold_vip()
    link = f"sandboxpay://pay?transaction_id=SBX0001&amount={booking.amount}"
    stub.script(created(stub, deeplink=link))
    html = shopper.client.get(shopper.pay(booking).headers["Location"]).get_data(as_text=True)
    config = handoff_config(html)
    assert config["method"] == "deeplink" and config["deeplink"] == link
    assert f'href="{link.replace("&", "&amp;")}"' in pay_button(html)
    assert f'href="{stub.url}/pay/SBX0001"' in html  # pay on the web instead


def test_a_deeplink_on_an_unregistered_scheme_is_replaced_by_the_registered_template(make_shopper, stub):
    shopper = make_shopper("deeplink")
    booking = shopper.hold_vip()
    stub.script(created(stub, deeplink="javascript:alert(1)//"))
    html = shopper.client.get(shopper.pay(booking).headers["Location"]).get_data(as_text=True)
    assert "javascript:" not in html
    assert handoff_config(html)["deeplink"] == f"sandboxpay://pay?transaction_id=SBX0001&amount={booking.amount}"


def test_bridge_handoff_passes_values_to_javascript_only_as_json(make_shopper, stub):
    shopper = make_shopper("bridge")
    booking = shopper.hold_vip()
    hostile = "</script><script>alert(1)</script>"
    stub.script(created(stub, transaction_id=hostile))
    html = shopper.client.get(shopper.pay(booking).headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    config = handoff_config(html)
    assert config["method"] == "bridge" and config["transaction_id"] == hostile
    assert config["bridge_function"] == "window.SandboxBridge.openPayment"
    assert config["result_url"] == f"/w/result?partner_code={shopper.wallet.code}&reference={booking.reference}"
    assert pay_button(html).startswith("<button ") and "data-bridge-open" in pay_button(html)


def test_a_bad_bridge_function_name_is_never_rendered(make_shopper, stub):
    shopper = make_shopper("bridge")
    partner = shopper.wallet.partner
    partner.bridge_function = "alert(document.cookie)"
    db.session.commit()
    booking = shopper.hold_vip()
    stub.script(created(stub))
    response = shopper.pay(booking)
    assert response.status_code == 503
    assert "alert(document.cookie)" not in response.get_data(as_text=True)
    assert reload(booking).is_held


@pytest.mark.parametrize("trouble", [
    Reply(status=500, body=b"upstream error"),
    Reply(delay_s=1.2),  # longer than the read timeout
    Reply(body=b"<html>not json</html>"),
    Reply(body={"code": 2, "message": "system error"}),
], ids=["down", "slow", "garbage", "refused"])
def test_partner_trouble_shows_the_retry_screen_and_keeps_the_hold(shopper, stub, trouble):
    booking = shopper.hold_vip()
    stub.script(trouble)
    response = shopper.pay(booking)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert 'data-testid="retry-button"' in html
    assert 'data-testid="hold-countdown"' not in html  # a digital plan never runs out: no countdown
    assert "checkout-handoff" not in html
    assert reload(booking).statuses == ("BOOKED", "PENDING", "PENDING")
    assert reload(booking).partner_transaction_id is None
    # the partner is back: the retry button (a POST to the same place) opens the payment
    stub.script(created(stub))
    retried = shopper.client.post(f"/w/orders/{booking.reference}/checkout",
                                  data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})
    assert retried.status_code == 303
    assert handoff_config(shopper.client.get(retried.headers["Location"]).get_data(as_text=True))["transaction_id"] \
        == "SBX0001"
    assert {call.json()["reference_transaction_id"] for call in creates(stub)} == {booking.reference}


def test_an_expired_hold_says_so_and_starts_no_payment(shopper, stub):
    booking = shopper.hold_vip()
    booking.hold_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = shopper.client.get(f"/w/result?reference={booking.reference}").get_data(as_text=True)
    shows_countdown = getattr(get_product(booking.product), "shows_hold_countdown", True)
    assert ('data-testid="hold-countdown"' in result) == shows_countdown and "pay-button" not in result
    token = shopper.csrf("/w/book?offer=V:monthly")
    response = shopper.client.post(f"/w/orders/{booking.reference}/checkout", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and 'data-testid="checkout-expired"' in html
    assert "pay-button" not in html and stub.received == []


def test_a_paid_order_goes_to_its_result_instead(shopper, stub):
    booking = shopper.hold_vip()
    booking.payment_status = "SUCCESS"
    db.session.commit()
    response = shopper.client.get(f"/w/orders/{booking.reference}/checkout")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/w/result?partner_code={shopper.wallet.code}&reference={booking.reference}")
    assert stub.received == []


def test_only_the_customers_own_held_order_can_be_paid(app, make_shopper, stub):
    alice, bob = make_shopper(user="alice"), make_shopper(user="bob")
    booking = alice.hold_vip()
    assert bob.client.get(f"/w/orders/{booking.reference}/checkout").status_code == 404
    assert bob.client.get("/w/orders/not-a-ref/checkout").status_code == 404
    assert app.test_client().get(f"/w/orders/{booking.reference}/checkout").status_code == 401
    assert stub.received == []


def test_pay_without_the_form_token_changes_nothing(shopper, stub):
    booking = shopper.hold_vip()
    response = shopper.client.post(f"/w/orders/{booking.reference}/checkout")
    assert response.status_code == 400 and "checkout-handoff" not in response.get_data(as_text=True)
    assert stub.received == []


def test_the_pay_button_include_posts_to_the_handoff(shopper):
    booking = shopper.hold_vip()
    html = shopper.client.get(f"/w/result?reference={booking.reference}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    assert form.group(1) == f"/w/orders/{booking.reference}/checkout"
    assert 'name="csrf_token"' in form.group(2) and 'data-testid="pay-button"' in form.group(2)
    assert f'data-reference-transaction-id="{booking.reference}"' in form.group(2)


def test_the_pay_bar_of_a_held_order_carries_the_total_and_posts_to_the_handoff(shopper):
    booking = shopper.hold_vip()
    html = shopper.client.get(f"/w/orders/{booking.reference}").get_data(as_text=True)
    bar = re.search(r'<div class="paybar" data-testid="pay-bar">(.*?)</form>', html, re.S).group(1)
    assert f'action="/w/orders/{booking.reference}/checkout"' in bar and 'name="csrf_token"' in bar
    assert 'data-testid="pay-total">' in bar and "data-hold-action" in bar
    assert html.count('data-testid="pay-button"') == 1


@pytest.mark.parametrize("handoff", ["deeplink", "bridge"])
def test_try_again_hands_over_the_way_pay_does_for_every_handoff_method(app, make_shopper, stub, handoff):
    shopper = make_shopper(handoff)
    booking = shopper.hold_vip()
    stub.script(created(stub, "SBX0001", deeplink=f"sandboxpay://pay?transaction_id=SBX0001&amount={booking.amount}"))
    assert shopper.pay(booking).status_code == 303
    body = {"reference_transaction_id": booking.reference, "transaction_amount": booking.amount,
            "transaction_id": "SBX0001", "status": "FAILURE", "message": "Cancelled"}
    assert shopper.wallet.post(app.test_client(), "/api/v1/payment/ipn", body).get_json()["code"] == 0
    token = shopper.csrf(f"/w/result?reference={booking.reference}")
    stub.script(created(stub, "SBX0002", deeplink=f"sandboxpay://pay?transaction_id=SBX0002&amount={booking.amount}"))
    tapped = shopper.client.post(f"/w/orders/{booking.reference}/retry", data={"csrf_token": token})
    assert tapped.status_code == 303 and tapped.headers["Location"].endswith("/checkout")
    config = handoff_config(shopper.client.get(tapped.headers["Location"]).get_data(as_text=True))
    assert config["method"] == handoff and config["transaction_id"] == "SBX0002"
    if handoff == "deeplink":
        assert "transaction_id=SBX0002" in config["deeplink"]
    else:
        assert config["bridge_function"] == "window.SandboxBridge.openPayment"
    assert shopper.client.post(f"/w/orders/{booking.reference}/retry").status_code == 400  # the form's token


# -- envelope partners ---------------------------------------------------------------------------------------------


@pytest.fixture
def envelope_shopper(app) -> Shopper:
    """A customer of the seeded demo envelope partner (the sandbox holds its private key)."""
    from webview.demo import run_seed
    from webview.partners.services import find_partner

    run_seed()
    partner = find_partner("demo-envelope")
    return Shopper(app, SignedPartner(partner, partner.code, partner.client_id, ""), "env-user")


def test_envelope_partners_get_the_sealed_place_order_redirect(envelope_shopper):
    shopper = envelope_shopper
    booking = shopper.hold_vip()
    html = shopper.client.get(shopper.pay(booking).headers["Location"]).get_data(as_text=True)
    config = handoff_config(html)
    url = urlsplit(config["url"])
    assert config["method"] == "redirect" and url.path == "/sandbox/partner/demo-envelope/pay"
    assert set(parse_qs(url.query)) == {"key", "data"}
    assert booking.reference not in config["url"]  # sealed, not readable
    # the partner's side (the sandbox, with its own protocol code) opens and verifies it
    opened = shopper.client.get(unescape(f"{url.path}?{url.query}"))
    assert opened.status_code == 303 and "/sandbox/pay/" in opened.headers["Location"]
