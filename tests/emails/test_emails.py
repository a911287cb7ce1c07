"""Customer emails: every kind in vi and en for two themes, sent through a real SMTP server and parsed."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from tests.emails.conftest import GREEN_THEME, THEMES, add_partner, make_order
from webview.emails import EMAIL_KINDS, EmailError, SentEmail, queue_email, render_email
from webview.extensions import db
from webview.jobs import Job, run_once

SUBJECTS = {
    "held": {"vi": "đang được giữ chỗ: vui lòng thanh toán trước", "en": "is held: please pay by"},
    "issued": {"vi": "Vé của đơn hàng", "en": "has been issued"},
    "hold_failed": {"vi": "Không thể giữ chỗ", "en": "could not hold"},
    "payment_failed": {"vi": "Thanh toán cho đơn hàng", "en": "Payment for booking"},
    "issue_failed": {"vi": "không xuất được", "en": "could not be issued"},
    "refunded": {"vi": "Đã hoàn tiền", "en": "Refund completed"},
}
BODY_WORDS = {"vi": ("Mã đơn hàng", "Tổng cộng", "1.600.000 ₫"), "en": ("Order number", "Total", "1,600,000 ₫")}


def order_for(kind: str, **changes):
    if kind == "refunded":
        changes = {"refund_amount": 600_000, "refund_full": False, **changes}
    return make_order(**changes)


def parts(message):
    """(text, html) of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


@pytest.mark.parametrize("theme_name", sorted(THEMES))
@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("kind", EMAIL_KINDS)
def test_each_email_arrives_in_the_customers_language_with_the_partners_theme(
    mail_app, smtp_server, kind, locale, theme_name
):
    partner = add_partner(theme=THEMES[theme_name], logo_url="https://cdn.example/logo.png")
    order = order_for(kind)
    job = queue_email(kind, to="khach@example.vn", locale=locale, partner_id=partner.id, order=order)
    db.session.commit()
    assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "done", job.last_error

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "khach@example.vn"
    assert message["From"] == "Webview <no-reply@shop.example>"
    assert SUBJECTS[kind][locale] in message["Subject"]
    assert order.reference in message["Subject"]
    digest = hashlib.sha256(f"email:{kind}:{order.reference}:600000".encode() if kind == "refunded"
                            else f"email:{kind}:{order.reference}".encode()).hexdigest()[:32]
    assert message["Message-ID"] == f"<{digest}@shop.example>"

    text, html = parts(message)
    for word in BODY_WORDS[locale]:
        assert word in text and word in html
    # customer data is text, never markup
    assert "<script>alert(1)</script>" in text
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # CSS is inlined with the partner's colours and logo; no <style> block left for clients to drop
    assert "<style" not in html
    assert 'src="https://cdn.example/logo.png"' in html
    expected_button = (GREEN_THEME if theme_name == "green" else {"button_color": "#0b57d0"})["button_color"]
    assert f"background: {expected_button}" in html
    assert 'class="button"' in html and "https://shop.example/w/orders/261122" in html
    assert "help@shop.example" in text

    sent = db.session.scalars(select(SentEmail)).one()
    assert (sent.kind, sent.to, sent.locale, sent.transport) == (kind, "khach@example.vn", locale, "smtp")
    assert sent.subject == message["Subject"] and sent.reference == order.reference


def test_kind_specific_details(mail_app, smtp_server):
    partner = add_partner()
    queue_email("held", to="a@example.vn", locale="vi", partner_id=partner.id, order=make_order(reference="R-HELD"))
    queue_email("issued", to="a@example.vn", locale="en", partner_id=partner.id,
                order=make_order("flight", reference="R-FLIGHT"))
    queue_email("issued", to="a@example.vn", locale="en", partner_id=partner.id,
                order=make_order("hotel", reference="R-HOTEL", pnr="H7QK4M2X"))
    queue_email("issued", to="a@example.vn", locale="vi", partner_id=partner.id,
                order=make_order("vip", reference="R-VIP", pnr="VIPQK4M2X", travellers=["Lê Văn C"]))
    queue_email("refunded", to="a@example.vn", locale="en", partner_id=partner.id,
                order=make_order(reference="R-FULL", refund_amount=1_600_000, refund_full=True))
    queue_email("issue_failed", to="a@example.vn", locale="vi", partner_id=partner.id,
                order=make_order(reference="R-FAIL"))
    db.session.commit()
    assert run_once() == 6
    by_ref = {}
    for message in smtp_server.messages:
        text = parts(message)[0]
        for ref in ("R-HELD", "R-FLIGHT", "R-HOTEL", "R-VIP", "R-FULL", "R-FAIL"):
            if ref in message["Subject"]:
                by_ref[ref] = (message["Subject"], text)
    assert "Thanh toán trước: 10:30 · CN, 22/11/2026 (GMT+7)" in by_ref["R-HELD"][1]  # 03:30 UTC shown in GMT+7
    assert "Booking code (PNR): QK4M2X" in by_ref["R-FLIGHT"][1]
    assert "Ticket numbers: 738-2400000001, 738-2400000002" in by_ref["R-FLIGHT"][1]
    assert by_ref["R-HOTEL"][0] == "Your room for booking R-HOTEL is confirmed"
    assert "Voucher number: HV-88231" in by_ref["R-HOTEL"][1]
    assert "Confirmation code: H7QK4M2X" in by_ref["R-HOTEL"][1] and "PNR" not in by_ref["R-HOTEL"][1]
    # a membership's one document is its code: no booking code (PNR) row, never a ticket word
    assert "VIPQK4M2X" not in by_ref["R-VIP"][1] and "PNR" not in by_ref["R-VIP"][1]
    assert by_ref["R-VIP"][0] == "Gói thành viên của đơn hàng R-VIP đã được kích hoạt"
    assert "Mã thành viên: VIP-00042" in by_ref["R-VIP"][1] and "Thành viên: Lê Văn C" in by_ref["R-VIP"][1]
    assert "Refund amount: 1,600,000 ₫" in by_ref["R-FULL"][1] and "Full refund" in by_ref["R-FULL"][1]
    assert "hoàn toàn bộ số tiền 1.600.000 ₫" in by_ref["R-FAIL"][1]


def test_queue_email_once_per_transition(mail_app, smtp_server):
    partner = add_partner()
    first = queue_email("held", to="a@example.vn", locale="vi", partner_id=partner.id, order=make_order())
    again = queue_email("held", to="a@example.vn", locale="vi", partner_id=partner.id, order=make_order())
    db.session.commit()
    assert first.id == again.id and first.key == "email:held:261122-7QK4M2XD"
    # two different partial refunds are two emails; the same refund twice is one
    r1 = queue_email("refunded", to="a@example.vn", locale="vi", partner_id=partner.id,
                     order=make_order(refund_amount=100_000, refund_full=False), refund_key="rf-1")
    r2 = queue_email("refunded", to="a@example.vn", locale="vi", partner_id=partner.id,
                     order=make_order(refund_amount=100_000, refund_full=False), refund_key="rf-2")
    r1b = queue_email("refunded", to="a@example.vn", locale="vi", partner_id=partner.id,
                      order=make_order(refund_amount=100_000, refund_full=False), refund_key="rf-1")
    db.session.commit()
    assert len({r1.id, r2.id, r1b.id}) == 2
    assert run_once() == 3
    db.session.expire_all()
    assert run_once() == 0
    assert len(smtp_server.messages) == 3


def test_no_address_means_no_email(mail_app):
    partner = add_partner()
    assert queue_email("held", to="", locale="vi", partner_id=partner.id, order=make_order()) is None
    assert queue_email("held", to="   ", locale="vi", partner_id=partner.id, order=make_order()) is None
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


@pytest.mark.parametrize(("kind", "to", "locale", "changes", "message"), [
    ("welcome", "a@example.vn", "vi", {}, "unknown email kind"),
    ("held", "a@example.vn", "fr", {}, "locale must be one of"),
    ("held", "not-an-address", "vi", {}, "not an email address"),
    ("held", "a@example.vn", "vi", {"product": "train"}, "order.product"),
    ("held", "a@example.vn", "vi", {"total": 12.5}, "integers"),
    ("held", "a@example.vn", "vi", {"link": "javascript:alert(1)"}, "order.link"),
    ("refunded", "a@example.vn", "vi", {}, "refund_amount"),
])
def test_bad_email_requests_are_refused(mail_app, kind, to, locale, changes, message):
    partner = add_partner()
    with pytest.raises(EmailError, match=message):
        queue_email(kind, to=to, locale=locale, partner_id=partner.id, order=make_order(**changes))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_render_email_directly(app):
    partner = add_partner(name="<b>Ví</b>")
    rendered = render_email("payment_failed", locale="en", partner=partner, order=make_order())
    assert rendered.subject == "Payment for booking 261122-7QK4M2XD failed"
    assert "&lt;b&gt;Ví&lt;/b&gt;" in rendered.html and "<b>Ví</b>" in rendered.text
    with pytest.raises(EmailError):
        render_email("nope", locale="en", partner=partner, order=make_order())


def test_catcher_records_without_network(make_app):
    app = make_app(MAIL_URL=None)
    with app.app_context():
        partner = add_partner()
        queue_email("issued", to="Khach@Example.vn", locale="en", partner_id=partner.id, order=make_order())
        db.session.commit()
        assert run_once() == 1
        sent = db.session.scalars(select(SentEmail)).one()
        assert sent.transport == "catcher" and sent.to == "Khach@example.vn"
        assert "has been issued" in sent.subject and "<html" in sent.html


def test_header_text_stays_readable_on_a_dark_header(app):
    partner = add_partner(name="GreenPay", theme=GREEN_THEME)  # dark green header, dark body text
    html = render_email("held", locale="vi", partner=partner, order=make_order()).html
    assert 'style="font-size: 15px;font-weight: 600;color: #ffffff;">GreenPay</span>' in html
