"""The run's report (HTML and CSV, kept on the run) and its emails to OPS_EMAIL and the partner's finance contacts,
sent through the jobs outbox once per run attempt and recipient, recorded like every email (the mail catcher)."""

from __future__ import annotations

import csv
import io
import logging

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy import select

from webview.db import utcnow
from webview.emails import SentEmail
from webview.emails.render import RenderedEmail
from webview.emails.services import build_message, mail_settings
from webview.emails.transport import send_smtp
from webview.extensions import db
from webview.i18n.formatting import format_vnd
from webview.jobs import Job, enqueue, job_handler
from webview.partners.models import Partner
from webview.reconciliation.models import OUTCOMES, ReconciliationItem, ReconciliationRun
from webview.reconciliation.settings import settings_of

log = logging.getLogger(__name__)

EMAIL_JOB = "reconciliation.report_email"
EMAIL_KIND = "reconciliation"
CSV_COLUMNS = ("case", "outcome", "record_type", "reference_transaction_id", "refund_request_id", "our_amount",
               "their_amount", "our_status", "their_status", "state", "settlement")


def run_items(run: ReconciliationRun) -> list[ReconciliationItem]:
    return list(db.session.scalars(select(ReconciliationItem).where(ReconciliationItem.run_id == run.id)
                                   .order_by(ReconciliationItem.id)))


def render_report(run: ReconciliationRun) -> tuple[str, str]:
    """(HTML, CSV) of a run: counts, amounts in VND, each mismatch and how it was settled."""
    partner = db.session.get(Partner, run.partner_id)
    items = run_items(run)
    html = render_template("reconciliation/report.html", run=run, partner=partner, items=items,
                           outcomes=OUTCOMES, vnd=lambda amount: format_vnd(amount, "en"))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow([item.id, item.outcome, item.record_type, item.reference, item.refund_request_id,
                         "" if item.our_amount is None else item.our_amount,
                         "" if item.their_amount is None else item.their_amount, item.our_status,
                         item.their_status, item.state, item.settlement])
    return html, text.getvalue()


def report_recipients(run: ReconciliationRun) -> list[str]:
    """OPS_EMAIL and the partner's finance contacts, each once."""
    partner = db.session.get(Partner, run.partner_id)
    wanted = [current_app.config.get("OPS_EMAIL") or "", *settings_of(partner).finance_emails]
    found: list[str] = []
    for address in wanted:
        try:
            normalized = validate_email(address.strip(), check_deliverability=False).normalized if address else ""
        except EmailNotValidError:
            log.warning("reconciliation report: %r is not an email address; skipped", address)
            continue
        if normalized and normalized not in found:
            found.append(normalized)
    return found


def queue_report_emails(run: ReconciliationRun) -> None:
    """Queue one report email per recipient for this attempt of the run (the caller commits); the subject says
    the verdict as it is now, the body carries the run's report as it is when sent."""
    partner = db.session.get(Partner, run.partner_id)
    for address in report_recipients(run):
        enqueue(EMAIL_JOB, {"run_id": run.id, "to": address, "subject": _subject(run, partner)},
                key=f"recon-report:{run.id}:{run.attempts}:{address}")


def _subject(run: ReconciliationRun, partner: Partner) -> str:
    opened = sum(1 for item in run_items(run) if item.state == "open")
    verdict = f"REJECTED: {run.finding}" if run.status == "rejected" else (
        f"{opened} open case(s)" if opened else "all settled")
    return f"Reconciliation {partner.code} {run.day:%Y-%m-%d} part {run.part}: {verdict}"[:300]


@job_handler(EMAIL_JOB)
def deliver_report(job: Job) -> None:
    """Send one report email unless already accepted; recorded in sent_email (the sandbox mail catcher)."""
    if db.session.scalar(select(SentEmail.id).where(SentEmail.job_key == job.key)) is not None:
        return
    run = db.session.get(ReconciliationRun, job.payload["run_id"])
    if run is None:
        return
    partner = db.session.get(Partner, run.partner_id)
    counts = ", ".join(f"{outcome} {run.counts.get(outcome, 0)}" for outcome in OUTCOMES)
    text = (f"Reconciliation of {partner.code} for {run.day:%Y-%m-%d} (GMT+7), part {run.part}: {run.status}.\n"
            + (f"Finding: {run.finding}\n" if run.finding else "") + f"{counts}.\n\n" + run.report_csv)
    rendered = RenderedEmail(subject=job.payload.get("subject") or _subject(run, partner), text=text,
                             html=run.report_html)
    message = build_message(rendered, to=job.payload["to"], job_key=job.key)
    settings = mail_settings()
    if settings.host:
        db.session.rollback()
        send_smtp(settings, message)
    db.session.add(SentEmail(job_key=job.key, message_id=message["Message-ID"], to=job.payload["to"],
                             kind=EMAIL_KIND, locale="en", subject=rendered.subject, text=rendered.text,
                             html=rendered.html, reference=f"recon-{run.id}", partner_id=partner.id,
                             transport=settings.transport, accepted_at=utcnow()))
    db.session.commit()
