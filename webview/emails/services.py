"""Queue customer emails in the caller's transaction and deliver them from the jobs worker, exactly once."""

from __future__ import annotations

import hashlib
import logging
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select

from webview.db import utcnow
from webview.emails.models import SentEmail
from webview.emails.render import RenderedEmail, render_email
from webview.emails.summary import EMAIL_KINDS, EmailError, OrderSummary
from webview.emails.transport import MailSettings, send_smtp
from webview.extensions import db
from webview.i18n import LOCALES
from webview.jobs import Job, enqueue, job_handler
from webview.partners.models import Partner

log = logging.getLogger(__name__)

JOB_KIND = "email.send"
SETTINGS_KEY = "webview.mail"


def email_job_key(kind: str, order: OrderSummary, refund_key: str | None = None) -> str:
    """One key per transition: `email:<kind>:<reference>`; refunds add their own id (or the amount)."""
    key = f"email:{kind}:{order.reference}"
    if kind == "refunded":
        key += f":{refund_key if refund_key is not None else order.refund_amount}"
    return key


def queue_email(kind: str, *, to: str, locale: str, partner_id: int, order: OrderSummary,
                refund_key: str | None = None) -> Job | None:
    """Enqueue an "email.send" job in the caller's transaction; None when there is no address.

    At most one email per transition: the job key is `email:<kind>:<reference>` (for `refunded`, plus
    `refund_key` — the refund's own id, so two partial refunds of the same amount each get an email — or
    the refund amount when not given). The caller commits.
    """
    if not to or not to.strip():
        return None
    if kind not in EMAIL_KINDS:
        raise EmailError(f"unknown email kind: {kind!r} (known: {', '.join(EMAIL_KINDS)})")
    if locale not in LOCALES:
        raise EmailError(f"locale must be one of {', '.join(LOCALES)}")
    try:
        address = validate_email(to.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise EmailError(f"not an email address: {exc}") from None
    order.validate()
    if kind == "refunded" and (order.refund_amount is None or order.refund_full is None):
        raise EmailError("a refunded email needs order.refund_amount and order.refund_full")
    payload = {"kind": kind, "to": address, "locale": locale, "partner_id": partner_id,
               "order": order.to_payload()}
    return enqueue(JOB_KIND, payload, key=email_job_key(kind, order, refund_key))


def mail_settings() -> MailSettings:
    """The transport parsed from MAIL_URL at start-up."""
    return current_app.extensions[SETTINGS_KEY]


def message_id(job_key: str) -> str:
    """A Message-ID derived from the job key, so a re-send after a crash is recognisably the same message."""
    digest = hashlib.sha256(job_key.encode()).hexdigest()[:32]
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "webview.local"
    return f"<{digest}@{domain}>"


def build_message(rendered: RenderedEmail, *, to: str, job_key: str) -> MIMEMultipart:
    """A multipart/alternative message: the text part first, the HTML part preferred.

    Built with the compat32 MIME classes and an explicit `Header`: Python 3.11's default email policy
    folds a long non-ASCII subject between two encoded words and so loses a space (a Vietnamese subject
    arrives as "đượcgiữ"); `Header` keeps the spaces inside the encoded words.
    """
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    message = MIMEMultipart("alternative")
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = to
    message["Subject"] = Header(rendered.subject, "utf-8")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(job_key)
    message.attach(MIMEText(rendered.text, "plain", "utf-8"))
    message.attach(MIMEText(rendered.html, "html", "utf-8"))
    return message


@job_handler(JOB_KIND)
def deliver_email(job: Job) -> None:
    """Render and send one queued email unless it was already accepted; record it the moment it is accepted.

    The record (`sent_email`, unique on the job key) is checked before sending and committed right after
    the server accepts, so a retry never re-sends an accepted message. The one gap left: a crash between
    the server's acceptance and that commit (milliseconds) sends the message again on the retry, with the
    same Message-ID so mail systems can recognise the duplicate.
    """
    key, payload = job.key, job.payload
    if db.session.scalar(select(SentEmail.id).where(SentEmail.job_key == key)) is not None:
        return
    partner = db.session.get(Partner, payload["partner_id"])
    if partner is None:
        raise EmailError(f"partner {payload['partner_id']} no longer exists")
    order = OrderSummary.from_payload(payload["order"])
    rendered = render_email(payload["kind"], locale=payload["locale"], partner=partner, order=order)
    message = build_message(rendered, to=payload["to"], job_key=key)
    settings = mail_settings()
    if settings.host:
        db.session.rollback()  # hold no transaction open while talking to the mail server
        send_smtp(settings, message)
    db.session.add(SentEmail(
        job_key=key, message_id=message["Message-ID"], to=payload["to"], kind=payload["kind"],
        locale=payload["locale"], subject=rendered.subject, text=rendered.text, html=rendered.html,
        reference=order.reference, partner_id=partner.id, transport=settings.transport, accepted_at=utcnow(),
    ))
    db.session.commit()
    log.info("email %s for %s accepted (%s)", payload["kind"], order.reference, settings.transport)


def list_sent_emails(to: str | None = None, limit: int = 200) -> list[SentEmail]:
    """Accepted emails, newest first, optionally only those to one address (case-insensitive)."""
    query = select(SentEmail).order_by(SentEmail.accepted_at.desc(), SentEmail.id.desc()).limit(limit)
    if to:
        query = query.where(db.func.lower(SentEmail.to) == to.strip().lower())
    return list(db.session.scalars(query))
