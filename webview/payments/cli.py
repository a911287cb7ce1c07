"""Operator commands: `flask refunds create|retry`, `flask bookings cancel`, `flask bookings show`."""

from __future__ import annotations

import json

import click
from flask import Flask
from sqlalchemy import or_, select

from webview.booking.models import Booking
from webview.emails.models import SentEmail
from webview.extensions import db
from webview.jobs import Job
from webview.messagelog.models import PartnerMessage
from webview.partners.models import Partner
from webview.payments.models import PaymentEvent, Refund, RefundStatus
from webview.payments.refunds import (
    RefundError,
    cancel_booking,
    create_refund,
    retry_refund,
    settle_refund_now,
)


def _settle_now(refund: Refund) -> Refund:
    """Ask the partner right away; an unknown answer is said, and the worker retries with the same request_id."""
    refund = settle_refund_now(refund.id)
    if refund.status == RefundStatus.PENDING and not refund.manual:
        click.echo(f"partner answer unknown ({refund.message}); the worker retries with request_id "
                   f"{refund.request_id}")
    return refund


def _send_and_report(refund: Refund, queue_only: bool) -> None:
    """Ask the partner now (unless --queue-only), print the refund, exit 1 when the partner refused it."""
    if not queue_only:
        refund = _settle_now(refund)
    click.echo(_describe(refund))
    if refund.status == RefundStatus.FAILED:
        raise SystemExit(1)


def _describe(refund: Refund) -> str:
    manual = " MANUAL (settle with the partner)" if refund.manual else ""
    code = f" code {refund.result_code}" if refund.result_code is not None else ""
    return f"refund {refund.request_id}: {refund.amount} VND {refund.status}{code}{manual} — {refund.reason}"


@click.group("refunds")
def refunds_cli() -> None:
    """Refund paid bookings (partial or full)."""


@refunds_cli.command("create")
@click.argument("reference")
@click.option("--amount", type=int, required=True, help="Amount to refund, whole VND.")
@click.option("--reason", required=True, help="Why (sent to the partner, kept on the refund).")
@click.option("--queue-only", is_flag=True, help="Leave the partner call to the worker instead of trying now.")
def refunds_create(reference: str, amount: int, reason: str, queue_only: bool) -> None:
    """Refund AMOUNT of booking REFERENCE; the total refunded never exceeds what was paid."""
    if not reason.strip():
        raise click.ClickException("--reason must not be empty")
    try:
        refund = create_refund(reference.strip(), amount, reason)
    except RefundError as error:
        raise click.ClickException(str(error)) from error
    _send_and_report(refund, queue_only)


@refunds_cli.command("retry")
@click.argument("request_id")
@click.option("--queue-only", is_flag=True, help="Leave the partner call to the worker instead of trying now.")
def refunds_retry(request_id: str, queue_only: bool) -> None:
    """Send the FAILED refund REQUEST_ID (as `bookings show` lists it) to the partner again, same request_id."""
    try:
        refund = retry_refund(request_id)
    except RefundError as error:
        raise click.ClickException(str(error)) from error
    _send_and_report(refund, queue_only)


def retry_hint(refund: Refund) -> str | None:
    """The command that sends a refused refund again (None for the others)."""
    return f"flask refunds retry {refund.request_id}" if refund.status == RefundStatus.FAILED else None


@click.group("bookings")
def bookings_cli() -> None:
    """Customer-support views and operator actions on bookings."""


@bookings_cli.command("cancel")
@click.argument("reference")
@click.option("--reason", required=True, help="Why the booking is cancelled.")
def bookings_cancel(reference: str, reason: str) -> None:
    """Cancel REFERENCE: release an unpaid hold, or void at the supplier and refund in full."""
    try:
        booking = cancel_booking(reference.strip(), reason)
    except RefundError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"booking {booking.reference} cancelled ({booking.payment_status})")
    pending = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id,
                                                      Refund.status == RefundStatus.PENDING)).all()
    for refund in pending:
        click.echo(_describe(_settle_now(refund)))


def booking_report(booking: Booking) -> dict:
    """Everything support needs about one booking: statuses, payments, refunds, jobs, emails, messages."""
    partner = db.session.get(Partner, booking.partner_id)
    reference = booking.reference
    refunds = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id).order_by(Refund.id)).all()
    events = db.session.scalars(select(PaymentEvent).where(PaymentEvent.booking_id == booking.id)
                                .order_by(PaymentEvent.id)).all()
    jobs = db.session.scalars(select(Job).where(or_(Job.key.like(f"%:{reference}"), Job.key.like(f"%:{reference}:%"),
                                                    Job.payload["reference"].as_string() == reference))
                              .order_by(Job.id)).all()
    emails = db.session.scalars(select(SentEmail).where(SentEmail.reference == reference)
                                .order_by(SentEmail.id)).all()
    messages = db.session.scalars(select(PartnerMessage).where(PartnerMessage.reference == reference)
                                  .order_by(PartnerMessage.id)).all()
    return {
        "reference": reference,
        "partner": f"{partner.code} ({partner.profile})" if partner else None,
        "product": booking.product,
        "amount": booking.amount,
        "booking_status": booking.booking_status,
        "payment_status": booking.payment_status,
        "issue_status": booking.issue_status,
        "hold_expires_at": booking.hold_expires_at.isoformat() if booking.hold_expires_at else None,
        "partner_transaction_id": booking.partner_transaction_id,
        "refunded_amount": booking.refunded_amount,
        "pnr": booking.pnr,
        "tickets": list(booking.tickets or []),
        "failure_reason": booking.failure_reason,
        "payments": [{"at": e.created_at.isoformat(), "source": e.source, "status": e.status,
                      "transaction_id": e.partner_transaction_id, "amount": e.amount, "outcome": e.outcome}
                     for e in events],
        "refunds": [{"request_id": r.request_id, "amount": r.amount, "status": r.status, "kind": r.kind,
                     "manual": r.manual, "code": r.result_code, "reason": r.reason, "message": r.message,
                     "retry": retry_hint(r)}
                    for r in refunds],
        "jobs": [{"id": j.id, "kind": j.kind, "state": j.state, "attempts": j.attempts, "key": j.key}
                 for j in jobs],
        "emails": [{"kind": m.kind, "to": m.to, "at": m.accepted_at.isoformat()} for m in emails],
        "messages": [{"at": m.created_at.isoformat(), "direction": m.direction, "kind": m.kind,
                      "status": m.status_code, "code": m.result_code, "verdict": m.verdict} for m in messages],
    }


@bookings_cli.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def bookings_show(reference: str, as_json: bool) -> None:
    """Print REFERENCE with its statuses, payments, refunds, jobs, emails and message log."""
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference.strip()))
    if booking is None:
        raise click.ClickException(f"no booking {reference}")
    report = booking_report(booking)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for key in ("reference", "partner", "product", "amount", "booking_status", "payment_status", "issue_status",
                "hold_expires_at", "partner_transaction_id", "refunded_amount", "pnr", "tickets", "failure_reason"):
        click.echo(f"{key:24} {report[key]}")
    for section in ("payments", "refunds", "jobs", "emails", "messages"):
        click.echo(f"\n{section} ({len(report[section])})")
        for row in report[section]:
            flag = "  [MANUAL]" if row.get("manual") else ""
            click.echo("  " + "  ".join(f"{k}={v}" for k, v in row.items() if k not in {"manual", "retry"}) + flag)
            if row.get("retry"):
                click.echo(f"    ! refused by the partner ({row['message']}); to send it again: {row['retry']}")


def init_app(app: Flask) -> None:
    """Add the command groups."""
    app.cli.add_command(refunds_cli)
    app.cli.add_command(bookings_cli)
