"""The hold-expiry sweeper as the jobs worker runs it: a periodic job that expires due holds once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tests.booking.factories import a_fare, adults, hold
from webview.booking.models import Booking
from webview.booking.sweeper import expire_holds
from webview.catalog.models import Fare
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import run_once
from webview.jobs.models import Job
from webview.jobs.registry import PERIODIC


def test_the_sweeper_is_a_periodic_job_every_minute(app):
    schedule = PERIODIC["booking.expire_holds"]
    assert schedule.every_seconds == 60 and schedule.func is expire_holds


def test_the_worker_expires_due_holds_and_returns_the_seats(app, people, catalog):
    partner, alice, _bob = people
    fare = a_fare(catalog.first_day, seats=4)
    fare_id = fare.id
    due = hold(partner, alice, f"F:{fare_id}", adults(2))
    fresh = hold(partner, alice, f"F:{fare_id}", adults(1))
    db.session.execute(update(Booking).where(Booking.id == due.id)
                       .values(hold_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    run_once(schedule=True)

    db.session.expire_all()
    assert db.session.get(Booking, due.id).booking_status == "EXPIRED"
    assert db.session.get(Booking, fresh.id).booking_status == "BOOKED"
    assert db.session.get(Fare, fare_id).seats_left == 3
    job = db.session.scalar(select(Job).where(Job.kind == "periodic.booking.expire_holds"))
    assert job.state == "done"
    version = db.session.get(Booking, due.id).version

    expire_holds()  # a second sweep in the same period finds nothing to do
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Fare, fare_id).seats_left == 3
    assert db.session.get(Booking, due.id).version == version
