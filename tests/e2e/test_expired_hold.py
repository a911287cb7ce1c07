"""An expiring hold in the browser: a warning under two minutes, the status card replaced at zero, then one tap
books the same choice again (both languages)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import Journey
from webview.booking.models import Booking
from webview.db import utcnow
from webview.extensions import db

pytestmark = pytest.mark.e2e

EXPIRED_TITLE = {"vi": "Đã hết thời gian giữ chỗ", "en": "Hold expired"}


def set_deadline(site, reference: str, seconds: int) -> None:
    with site.server.app.app_context():
        booking = db.session.query(Booking).filter_by(reference=reference).one()
        booking.hold_expires_at = utcnow() + timedelta(seconds=seconds)
        db.session.commit()


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_hold_runs_out_in_front_of_the_user(page, demo_site, screens_dir, locale):
    journey = Journey(page, demo_site, screens_dir, "demo-deeplink", "hotel", locale)  # VIP shows no countdown
    journey.open()
    journey.search_and_select()
    journey.travellers_wrong_then_right()
    reference = journey.hold()
    countdown = page.get_by_test_id("hold-countdown")
    expect(countdown).not_to_have_attribute("data-warn", "true")

    set_deadline(demo_site, reference, 100)
    page.reload()
    expect(countdown).to_have_attribute("data-warn", "true")
    journey.check_screen("hold-warning")

    set_deadline(demo_site, reference, 3)
    page.reload()
    expect(countdown).to_have_attribute("data-expired", "true", timeout=6000)
    status = page.get_by_test_id("order-status")
    expect(status.locator("h2")).to_have_text(EXPIRED_TITLE[locale])
    expect(page.get_by_test_id("pay-button")).to_be_disabled()
    # the reload shows the server's expired order with "Book this again"
    expect(status).to_have_attribute("data-booking-status", "EXPIRED", timeout=8000)
    expect(page.get_by_test_id("hold-countdown")).to_have_count(0)
    journey.check_screen("hold-expired")

    page.get_by_test_id("book-again").click()
    expect(status).to_have_attribute("data-booking-status", "BOOKED")
    expect(status).not_to_have_attribute("data-reference-transaction-id", reference)
    expect(page.get_by_test_id("pay-button")).to_be_enabled()
    journey.check_screen("booked-again")
