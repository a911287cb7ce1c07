"""Issue 11 point 3 through the checkout screen: a create answer without payment_url opens the partner's registered
payment URL; with no usable URL at all the screen says the payment could not be opened (not "not answering")."""

from __future__ import annotations

from sqlalchemy import select

from tests.payments.factories import reload
from tests.payments.stub_partner import Reply
from tests.web.test_checkout import fast_http, handoff_config, make_shopper, shopper, stub  # noqa: F401
from webview.extensions import db
from webview.messagelog.models import PartnerMessage


def test_no_payment_url_opens_the_registered_payment_url(shopper, stub):  # noqa: F811
    booking = shopper.hold_vip()
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "SBX0001"}}))
    response = shopper.pay(booking)
    assert response.status_code == 303
    html = shopper.client.get(response.headers["Location"]).get_data(as_text=True)
    config = handoff_config(html)
    assert config["method"] == "redirect"
    assert config["url"] == f"{stub.url}/pay/?transaction_id=SBX0001&reference_transaction_id={booking.reference}"


def test_no_usable_payment_url_says_the_payment_could_not_be_opened(shopper, stub):  # noqa: F811
    partner = shopper.wallet.partner
    partner.payment_url = None
    db.session.commit()
    booking = shopper.hold_vip()
    stub.script(Reply(body={"code": 0, "data": {"transaction_id": "SBX0001"}}))
    response = shopper.pay(booking)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Dịch vụ thanh toán chưa phản hồi" not in html and "not answering" not in html
    assert "Không mở được trang thanh toán" in html  # "The payment could not be opened"
    assert "Bạn chưa bị trừ tiền và đơn hàng vẫn đang được giữ chỗ" in html  # nothing charged, still held
    assert reload(booking).is_held
    row = db.session.scalars(select(PartnerMessage).where(PartnerMessage.kind == "create-transaction")).one()
    assert "without payment_url" in row.verdict and "no payment_url is registered" in row.verdict
