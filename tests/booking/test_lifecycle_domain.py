"""The state machine: allowed transitions, messages and emails per state, order numbers, status constraints."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from webview.booking.lifecycle import (
    BOOKING_STATUSES,
    ISSUE_STATUSES,
    MESSAGES,
    PAYMENT_STATUSES,
    InvalidTransition,
    apply_transition,
    can_transition,
    email_kind,
    status_key,
    status_message,
)
from webview.booking.models import Booking
from webview.booking.references import ALPHABET, is_reference, new_reference
from webview.extensions import db
from webview.i18n.cli import compile_catalogs


@dataclass
class State:
    booking_status: str = "PENDING"
    payment_status: str = "PENDING"
    issue_status: str = "PENDING"


@pytest.mark.parametrize(
    ("statuses", "key", "email"),
    [
        (("PENDING", "PENDING", "PENDING"), "holding", None),
        (("BOOKED", "PENDING", "PENDING"), "held", "held"),
        (("FAILED", "PENDING", "PENDING"), "hold_failed", "hold_failed"),
        (("EXPIRED", "PENDING", "PENDING"), "expired", None),
        (("CANCELLED", "PENDING", "PENDING"), "cancelled", None),
        (("BOOKED", "FAILED", "PENDING"), "payment_failed", "payment_failed"),
        (("BOOKED", "SUCCESS", "PROCESSING"), "paid", None),
        (("BOOKED", "SUCCESS", "SUCCESS"), "issued", "issued"),
        (("BOOKED", "SUCCESS", "FAILED"), "issue_failed", "issue_failed"),
        (("BOOKED", "REFUNDED", "FAILED"), "refunded", "refunded"),
        (("BOOKED", "PARTIALLY_REFUNDED", "SUCCESS"), "partially_refunded", "refunded"),
    ],
)
def test_each_state_has_one_message_and_at_most_one_email(statuses, key, email):
    state = State(*statuses)
    assert status_key(state) == key
    assert email_kind(state) == email
    assert status_message(state) == MESSAGES[key]


def test_every_combination_has_a_message():
    for combination in itertools.product(BOOKING_STATUSES, PAYMENT_STATUSES, ISSUE_STATUSES):
        title, detail = status_message(State(*combination))
        assert str(title) and str(detail)


def test_the_happy_path_and_its_emails():
    state = State()
    assert apply_transition(state, booking_status="BOOKED") == "held"
    assert apply_transition(state, booking_status="BOOKED") is None  # a repeat changes nothing
    assert apply_transition(state, payment_status="SUCCESS", issue_status="PROCESSING") is None
    assert apply_transition(state, issue_status="SUCCESS") == "issued"
    assert apply_transition(state, payment_status="PARTIALLY_REFUNDED") == "refunded"
    assert apply_transition(state, payment_status="REFUNDED") == "refunded"
    assert (state.booking_status, state.payment_status, state.issue_status) == ("BOOKED", "REFUNDED", "SUCCESS")


@pytest.mark.parametrize(
    ("start", "change"),
    [
        (("PENDING", "PENDING", "PENDING"), {"booking_status": "EXPIRED"}),
        (("FAILED", "PENDING", "PENDING"), {"booking_status": "BOOKED"}),
        (("BOOKED", "SUCCESS", "PENDING"), {"payment_status": "FAILED"}),  # FAILURE after SUCCESS
        (("BOOKED", "REFUNDED", "FAILED"), {"payment_status": "SUCCESS"}),
        (("BOOKED", "PENDING", "PENDING"), {"issue_status": "SUCCESS"}),  # not without PROCESSING
        (("BOOKED", "SUCCESS", "SUCCESS"), {"issue_status": "FAILED"}),
        (("BOOKED", "PENDING", "PENDING"), {"booking_status": "CANCELLED", "payment_status": "REFUNDED"}),
    ],
)
def test_refused_transitions_change_nothing(start, change):
    state = State(*start)
    with pytest.raises(InvalidTransition):
        apply_transition(state, **change)
    assert (state.booking_status, state.payment_status, state.issue_status) == start


def test_late_payment_paths_exist():
    assert can_transition("booking_status", "EXPIRED", "BOOKED")
    assert can_transition("booking_status", "CANCELLED", "BOOKED")
    assert can_transition("payment_status", "FAILED", "SUCCESS")
    assert not can_transition("booking_status", "FAILED", "BOOKED")


def test_messages_are_translated(app):
    compile_catalogs(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    held = State("BOOKED")
    with app.test_request_context():
        with force_locale("vi"):
            assert str(status_message(held)[0]) == "Đã giữ chỗ, đang chờ thanh toán"
            vietnamese = [(str(title), str(detail)) for title, detail in MESSAGES.values()]
        with force_locale("en"):
            assert str(status_message(held)[0]) == "Booking held, awaiting payment"
            english = [(str(title), str(detail)) for title, detail in MESSAGES.values()]
    for (vi_title, vi_detail), (en_title, en_detail) in zip(vietnamese, english, strict=True):
        assert vi_title != en_title and vi_detail != en_detail  # every message has its Vietnamese text


def test_references_are_dated_in_vietnam_and_unguessable():
    late_utc = datetime(2026, 11, 21, 17, 30, tzinfo=UTC)  # 00:30 on the 22nd in GMT+7
    reference = new_reference(late_utc)
    assert reference.startswith("261122-") and len(reference) == 15 and is_reference(reference)
    assert set(reference[7:]) <= set(ALPHABET) and not set("01OIL") & set(ALPHABET)
    assert len({new_reference(late_utc) for _ in range(2000)}) == 2000
    assert not is_reference("261122-7QK4M2X0") and not is_reference("261122-7qk4m2xd") and not is_reference(None)


def test_the_database_refuses_unknown_statuses(app, people):
    partner, alice, _bob = people
    row = Booking(reference="261122-ABCDEFGH", partner_id=partner.id, customer_id=alice.id, product="vip",
                  offer_id="V:monthly", contact_name="A", contact_email="a@example.com", contact_phone="+84912345678",
                  amount=59_000)
    db.session.add(row)
    db.session.commit()
    for column, value in (("booking_status", "LOST"), ("payment_status", "MAYBE"), ("issue_status", "SOON"),
                          ("product", "train"), ("refunded_amount", 60_000)):
        with pytest.raises(IntegrityError):
            db.session.execute(update(Booking).where(Booking.id == row.id).values({column: value}))
            db.session.flush()
        db.session.rollback()


def test_a_stale_copy_cannot_overwrite_a_newer_transition(app, people):
    from sqlalchemy.orm.exc import StaleDataError

    partner, alice, _bob = people
    row = Booking(reference="261122-HGFEDCBA", partner_id=partner.id, customer_id=alice.id, product="vip",
                  offer_id="V:monthly", contact_name="A", contact_email="a@example.com", contact_phone="+84912345678",
                  amount=59_000, booking_status="BOOKED")
    db.session.add(row)
    db.session.commit()
    version = row.version
    with db.engine.begin() as other:  # another worker's committed transition
        other.execute(update(Booking.__table__).where(Booking.__table__.c.id == row.id)
                      .values(booking_status="EXPIRED", version=Booking.__table__.c.version + 1))
    row.booking_status = "CANCELLED"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()
    assert row.version == version + 1 and row.booking_status == "EXPIRED"
