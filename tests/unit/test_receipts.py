"""The logic behind the result screen and the printable page: the partner's decline reason made safe to show, a
plan's last day, and which document belongs to whom."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from webview.payments.receipts import PersonDocument, people_documents, valid_until
from webview.payments.services import PARTNER_MESSAGE_MAX, clean_partner_message
from webview.products import FLIGHT, HOTEL, PRODUCTS, VIP


@pytest.mark.parametrize(("given", "shown"), [
    ("Insufficient balance", "Insufficient balance"),
    ("  Số dư\nkhông   đủ\t(51) ", "Số dư không đủ (51)"),
    ("evil\u202edrowssap\u200b", "evildrowssap"),  # direction override and zero-width space dropped
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # text stays text: the template escapes it
    ("\x00\x07\r\n", None),
    ("", None),
    (None, None),
    (51, None),
    ("x" * 300, "x" * PARTNER_MESSAGE_MAX),
])
def test_the_partners_message_becomes_one_plain_line(given, shown):
    assert clean_partner_message(given) == shown


@pytest.mark.parametrize(("paid", "days", "last"), [
    (datetime(2026, 11, 30, 3, 0, tzinfo=UTC), 30, date(2026, 12, 29)),  # 10:00 GMT+7: the day of payment counts
    (datetime(2026, 11, 30, 18, 0, tzinfo=UTC), 30, date(2026, 12, 30)),  # already 1 December in GMT+7
    (datetime(2026, 11, 30, 18, 0), 1, date(2026, 12, 1)),  # naive means UTC
    (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), 365, date(2026, 12, 31)),
])
def test_a_plan_runs_its_days_from_the_gmt7_day_of_payment(paid, days, last):
    assert valid_until(paid, days) == last


@pytest.mark.parametrize(("paid", "days"), [(None, 30), (datetime(2026, 1, 1, tzinfo=UTC), None),
                                            (datetime(2026, 1, 1, tzinfo=UTC), 0),
                                            (datetime(2026, 1, 1, tzinfo=UTC), True),
                                            (datetime(2026, 1, 1, tzinfo=UTC), "30")])
def test_no_validity_before_payment_or_without_a_duration(paid, days):
    assert valid_until(paid, days) is None


def test_flight_tickets_pair_with_their_passengers_in_order():
    people, rest = people_documents(FLIGHT, ["AN", "BINH"], ["7381", "7382"])
    assert people == (PersonDocument("AN", "7381"), PersonDocument("BINH", "7382")) and rest == ()
    people, rest = people_documents(FLIGHT, ["AN", "BINH"], [])  # not issued yet
    assert [person.number for person in people] == [None, None] and rest == ()


def test_one_document_for_the_whole_order_is_not_given_to_one_person():
    people, rest = people_documents(HOTEL, ["AN"], ["HV-1"])
    assert people == (PersonDocument("AN"),) and rest == ("HV-1",)


def test_every_product_names_its_code_documents_printable_page_and_trip():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    for product in PRODUCTS.values():
        assert product.document_name and product.keep_title and product.keep_action and product.next_steps
        assert (templates / product.itinerary_template).is_file(), product.itinerary_template
    assert VIP.code_label is None  # a plan is quoted by its membership number, not a "booking code"
    assert not any("ticket" in str(words).lower()
                   for words in (VIP.document_name, VIP.keep_title, VIP.keep_action, *VIP.next_steps))
