"""The demo partners' support hours are language-neutral (gaps 5): the partner field is one free-text line shown as
registered on every screen and email, so the demo seed writes "08:00–22:00", never English words a Vietnamese
screen would then show."""

from __future__ import annotations

import re

from tests.emails.conftest import make_order
from tests.payments.factories import hold_vip
from tests.web.conftest import make_launch, sign_in
from webview.demo.services import DEMO_PARTNERS
from webview.emails import render_email
from webview.partners.services import find_partner

NEUTRAL_HOURS = re.compile(r"[0-9:–\- ]+")  # digits, colons, dashes: read the same in every language


def test_demo_support_hours_are_language_neutral_on_a_vietnamese_screen_and_email(app, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    for demo in DEMO_PARTNERS:
        partner = find_partner(demo["code"])
        assert NEUTRAL_HOURS.fullmatch(partner.support_hours), (partner.code, partner.support_hours)
    partner = find_partner(DEMO_PARTNERS[0]["code"])
    booking = hold_vip(partner, identify_code="user-1")
    client = sign_in(app.test_client(), make_launch(partner, "user-1", product="vip", locale="vi"))
    html = client.get(f"/w/orders/{booking.reference}").get_data(as_text=True)
    block = re.search(r'<[^>]+data-testid="support-help".*?</(?:section|div)>', html, re.DOTALL).group(0)
    assert f"Giờ hỗ trợ: {partner.support_hours}." in block and "every day" not in html
    email = render_email("refunded", locale="vi", partner=partner,
                         order=make_order(refund_amount=600_000, refund_full=False))
    assert f"Giờ hỗ trợ: {partner.support_hours}." in email.text and "every day" not in email.text + email.html
