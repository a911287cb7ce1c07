"""Delivery through jobs: SMTP refusals and outages are retried, and every email arrives exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.emails.conftest import add_partner, make_order
from webview import ConfigError
from webview.db import utcnow
from webview.emails import SentEmail, parse_mail_url, queue_email
from webview.emails.services import deliver_email
from webview.extensions import db
from webview.jobs import Job, run_once


def make_due() -> None:
    db.session.execute(text("UPDATE job SET run_at = :t WHERE state = 'queued'"),
                       {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None)})
    db.session.commit()


def queue_one(kind: str = "held", reference: str = "261122-AAAA1111"):
    partner = add_partner()
    job = queue_email(kind, to="khach@example.vn", locale="vi", partner_id=partner.id,
                      order=make_order(reference=reference))
    db.session.commit()
    return job


def test_smtp_refusal_is_retried_and_delivered_once(mail_app, smtp_server):
    job = queue_one()
    smtp_server.handler.refuse = True
    assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "queued" and job.attempts == 1
    assert "451" in job.last_error and "SMTPDataError" in job.last_error
    assert smtp_server.messages == [] and db.session.scalar(select(func.count()).select_from(SentEmail)) == 0
    assert job.run_at > utcnow() - timedelta(seconds=1)  # waits out the backoff
    smtp_server.handler.refuse = False
    make_due()
    assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "done" and job.attempts == 2
    assert len(smtp_server.messages) == 1


def test_smtp_down_then_back_loses_nothing(mail_app, smtp_server):
    jobs = [queue_one(reference=f"261122-DOWN{n:04d}") for n in range(3)]
    smtp_server.stop()
    assert run_once() == 3
    for job in jobs:
        db.session.refresh(job)
        assert job.state == "queued" and "ConnectionRefusedError" in job.last_error
    make_due()
    assert run_once() == 3  # still down: a second failed round
    smtp_server.start()
    make_due()
    assert run_once() == 3
    assert sorted(m["Subject"].split()[2] for m in smtp_server.messages) == [
        "261122-DOWN0000", "261122-DOWN0001", "261122-DOWN0002"]
    make_due()
    assert run_once() == 0


def test_a_retry_after_acceptance_never_resends(mail_app, smtp_server):
    """The job's own commit fails after the server accepted: the retry finds the delivery record."""
    job = queue_one()
    deliver_email(job)  # accepted and recorded ...
    db.session.rollback()  # ... but the worker died before marking the job done
    assert len(smtp_server.messages) == 1
    assert run_once() == 1  # the job runs again
    db.session.refresh(job)
    assert job.state == "done"
    assert len(smtp_server.messages) == 1  # not sent twice
    assert db.session.scalar(select(func.count()).select_from(SentEmail)) == 1


def test_exactly_once_across_failures_and_retries(mail_app, smtp_server):
    """Outages, refusals and repeated enqueues of the same transitions: each email arrives once."""
    references = [f"261122-EX{n:06d}" for n in range(6)]
    for reference in references:
        queue_one("issued", reference)
    smtp_server.handler.refuse = True
    run_once()
    smtp_server.handler.refuse = False
    smtp_server.stop()
    make_due()
    run_once()
    for reference in references:  # the state machine fires the same transitions again
        queue_one("issued", reference)
    smtp_server.start()
    for _ in range(3):
        make_due()
        run_once()
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert len(subjects) == len(references) == len(set(subjects))
    assert set(db.session.scalars(select(Job.state))) == {"done"}


def test_dead_after_max_attempts_keeps_the_smtp_error(mail_app, smtp_server):
    job = queue_one()
    db.session.execute(text("UPDATE job SET max_attempts = 2 WHERE id = :id"), {"id": job.id})
    db.session.commit()
    smtp_server.handler.refuse = True
    run_once()
    make_due()
    run_once()
    db.session.refresh(job)
    assert job.state == "dead" and "451" in job.last_error


@pytest.mark.parametrize(("url", "message"), [
    ("http://mail.example", "must start with smtp:// or smtps://"),
    ("smtp://", "has no host"),
    ("smtp://mail.example:99999", "not a valid URL"),
    ("smtp://mail.example/inbox", "must not have a path"),
    ("smtp://mail.example?tls=1", "unknown parameter"),
    ("smtps://mail.example?starttls=1", "drop starttls"),
    ("smtp://mail.example?timeout=abc", "timeout must be a number"),
    ("smtp://user@mail.example", "both a user name and a password"),
])
def test_invalid_mail_url_stops_the_start_with_one_line(make_app, url, message):
    with pytest.raises(ConfigError, match=message) as caught:
        make_app(MAIL_URL=url)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("MAIL_URL")


def test_mail_url_forms():
    assert parse_mail_url(None).transport == "catcher"
    plain = parse_mail_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.starttls, plain.implicit_tls, plain.username) == (
        "127.0.0.1", 2525, False, False, None)
    tls = parse_mail_url("smtp://ap%40shop:p%3Ass@mail.example:587?starttls=1&timeout=7")
    assert (tls.username, tls.password, tls.starttls, tls.port, tls.timeout) == ("ap@shop", "p:ss", True, 587, 7.0)
    assert "p:ss" not in repr(tls)
    implicit = parse_mail_url("smtps://u:p@mail.example")
    assert implicit.implicit_tls and implicit.port == 465
