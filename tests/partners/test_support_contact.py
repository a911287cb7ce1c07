"""Issue 11 point 7: each partner registers its customer-support contact (email, phone, hours) at onboarding;
customer emails and the order screens show it, else the merchant's SUPPORT_EMAIL."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.emails.conftest import make_order
from tests.payments.factories import hmac_partner
from tests.web.test_checkout import Shopper
from webview.emails import render_email
from webview.extensions import db
from webview.partners.models import Partner
from webview.partners.services import PartnerError, PartnerSpec, create_partner, support_contact

SPEC = PartnerSpec(code="help-wallet", name="Help Wallet", admin_name="Ops", admin_email="ops@example.com",
                   create_transaction_url="https://api.help.example/txn",
                   query_transaction_url="https://api.help.example/query", refund_url="https://api.help.example/refund",
                   payment_url="https://pay.help.example/pay")
CONTACT = {"support_email": "cskh@help.example", "support_phone": "1900 1234", "support_hours": "8:00–22:00 daily"}


def with_contact(partner: Partner, **contact) -> Partner:
    for name, value in {**CONTACT, **contact}.items():
        setattr(partner, name, value)
    db.session.commit()
    return partner


def test_onboarding_stores_the_support_contact(app):
    partner, _ = create_partner(dataclasses.replace(SPEC, **CONTACT))
    assert (partner.support_email, partner.support_phone, partner.support_hours) == \
        ("cskh@help.example", "1900 1234", "8:00–22:00 daily")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("support_email", "not-an-email", "--support-email"),
    ("support_phone", "call us", "--support-phone"),
    ("support_hours", "x" * 101, "--support-hours"),
    ("support_hours", "8-22\n<script>", "--support-hours"),
])
def test_a_bad_support_contact_is_refused(app, field, value, message):
    with pytest.raises(PartnerError, match=message):
        create_partner(dataclasses.replace(SPEC, **{field: value}))


def test_the_cli_takes_the_support_flags_and_can_change_them(app, runner):
    result = runner.invoke(args=[
        "partners", "create", "--code", "cli-help", "--name", "CLI Help", "--admin-name", "Ops",
        "--admin-email", "ops@example.com", "--create-transaction-url", "https://api.help.example/txn",
        "--query-transaction-url", "https://api.help.example/query", "--refund-url", "https://api.help.example/r",
        "--payment-url", "https://pay.help.example/pay", "--support-email", "cskh@help.example",
        "--support-phone", "1900 1234", "--support-hours", "8:00-22:00", "--json"])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(args=["partners", "show", "cli-help"]).output
    assert re.search(r"support:\s+cskh@help.example · 1900 1234 · 8:00-22:00", shown), shown
    changed = runner.invoke(args=["partners", "set-support", "cli-help", "--email", "help@help.example",
                                  "--phone", "", "--hours", "24/7"])
    assert changed.exit_code == 0, changed.output
    partner = db.session.scalar(db.select(Partner).where(Partner.code == "cli-help"))
    db.session.refresh(partner)
    assert (partner.support_email, partner.support_phone, partner.support_hours) == \
        ("help@help.example", "", "24/7")
    refused = runner.invoke(args=["partners", "set-support", "cli-help", "--email", "nope"])
    assert refused.exit_code == 2 and "--support-email" in refused.output


def test_support_contact_falls_back_to_the_merchant(app):
    app.config["SUPPORT_EMAIL"] = "help@shop.example"
    partner = hmac_partner().partner
    assert support_contact(partner).email == "help@shop.example"
    assert not support_contact(partner).from_partner
    with_contact(partner)
    contact = support_contact(partner)
    assert (contact.email, contact.phone, contact.hours, contact.from_partner) == \
        ("cskh@help.example", "1900 1234", "8:00–22:00 daily", True)


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_emails_show_the_partners_support_contact(app, locale):
    app.config["SUPPORT_EMAIL"] = "help@shop.example"
    partner = with_contact(hmac_partner().partner)
    order = make_order(refund_amount=600_000, refund_full=False)
    rendered = render_email("refunded", locale=locale, partner=partner, order=order)
    for part in (rendered.text, rendered.html):
        assert "cskh@help.example" in part and "1900 1234" in part and "8:00–22:00 daily" in part
        assert "help@shop.example" not in part and "no-reply" not in part


def test_emails_fall_back_to_the_merchants_support_email(app):
    app.config["SUPPORT_EMAIL"] = "help@shop.example"
    partner = hmac_partner().partner
    rendered = render_email("refunded", locale="en", partner=partner,
                            order=make_order(refund_amount=600_000, refund_full=False))
    assert "Need help? Write to help@shop.example" in rendered.text


def test_the_order_and_result_screens_show_a_help_block(app):
    app.config["SUPPORT_EMAIL"] = "help@shop.example"
    wallet = hmac_partner()
    shopper = Shopper(app, wallet)
    booking = shopper.hold_vip()
    for path in (f"/w/orders/{booking.reference}", f"/w/result?reference={booking.reference}"):
        html = shopper.client.get(path).get_data(as_text=True)
        block = re.search(r'<[^>]+data-testid="support-help".*?</(?:section|div)>', html, re.DOTALL)
        assert block, path
        assert "mailto:help@shop.example" in block.group(0)
    with_contact(wallet.partner)
    for path in (f"/w/orders/{booking.reference}", f"/w/result?reference={booking.reference}"):
        html = shopper.client.get(path).get_data(as_text=True)
        block = re.search(r'<[^>]+data-testid="support-help".*?</(?:section|div)>', html, re.DOTALL).group(0)
        assert "mailto:cskh@help.example" in block and 'href="tel:19001234"' in block
        assert "8:00–22:00 daily" in block and "help@shop.example" not in block


def test_demo_partners_have_a_support_contact(app, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    partners = db.session.scalars(db.select(Partner)).all()
    assert partners
    for partner in partners:
        assert partner.support_email and partner.support_phone and partner.support_hours, partner.code
