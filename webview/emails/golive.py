"""The go-live notice to a partner's administrator: production approved (sign in to the portal to see the
production credentials once) or not approved (the operator's reason). It never carries a credential: the
production secrets are shown once in the portal only (webview.portal.promotion)."""

from __future__ import annotations

import logging

import css_inline
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from webview.db import utcnow
from webview.emails.models import SentEmail
from webview.emails.render import RenderedEmail
from webview.emails.services import build_message, mail_settings
from webview.emails.summary import EmailError
from webview.emails.transport import send_smtp
from webview.extensions import db
from webview.i18n import LOCALES
from webview.jobs import Job, enqueue, job_handler

JOB_KIND = "golive.email"
GOLIVE_OUTCOMES = ("approved", "rejected")
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)

log = logging.getLogger(__name__)


def render_golive_notice(outcome: str, *, locale: str, name: str, partner_name: str, production_code: str,
                         reason: str, link: str) -> RenderedEmail:
    """Render the notice in `locale`; `link` is the portal page where the admin sees the outcome."""
    if outcome not in GOLIVE_OUTCOMES:
        raise EmailError(f"unknown go-live outcome: {outcome!r}")
    if locale not in LOCALES:
        raise EmailError(f"locale must be one of {', '.join(LOCALES)}")
    context = {"outcome": outcome, "locale": locale, "name": name, "partner_name": partner_name,
               "production_code": production_code, "reason": reason, "link": link,
               "support_email": current_app.config["SUPPORT_EMAIL"] or ""}
    with force_locale(locale):
        subject = (_("%(partner)s is live in production", partner=partner_name) if outcome == "approved"
                   else _("Go-live of %(partner)s was not approved", partner=partner_name))
        text = render_template("emails/golive_notice.txt", subject=subject, **context)
        html = render_template("emails/golive_notice.html", subject=subject, **context)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"
    return RenderedEmail(subject=subject, text=text, html=_INLINER.inline(html))


def queue_golive_notice(outcome: str, *, to: str, locale: str, name: str, partner_id: int, partner_name: str,
                        production_code: str, reason: str, link: str, key: str) -> Job | None:
    """Enqueue the notice in the caller's transaction (the caller commits); None when there is no address."""
    if not to or not to.strip():
        return None
    if outcome not in GOLIVE_OUTCOMES:
        raise EmailError(f"unknown go-live outcome: {outcome!r}")
    try:
        address = validate_email(to.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise EmailError(f"not an email address: {exc}") from None
    payload = {"outcome": outcome, "to": address, "locale": locale if locale in LOCALES else "vi", "name": name,
               "partner_id": partner_id, "partner_name": partner_name, "production_code": production_code,
               "reason": reason, "link": link}
    return enqueue(JOB_KIND, payload, key=f"golive-email:{key}:{address}")


@job_handler(JOB_KIND)
def deliver_golive_notice(job: Job) -> None:
    """Send one go-live notice unless already accepted, then record it."""
    if db.session.scalar(select(SentEmail.id).where(SentEmail.job_key == job.key)) is not None:
        return
    payload = dict(job.payload)
    to, outcome, partner_id = payload.pop("to"), payload.pop("outcome"), payload.pop("partner_id")
    rendered = render_golive_notice(outcome, **payload)
    message = build_message(rendered, to=to, job_key=job.key)
    settings = mail_settings()
    if settings.host:
        db.session.rollback()  # hold no transaction open while talking to the mail server
        send_smtp(settings, message)
    db.session.add(SentEmail(
        job_key=job.key, message_id=message["Message-ID"], to=to, kind=f"golive_{outcome}"[:20],
        locale=payload["locale"], subject=rendered.subject, text=rendered.text, html=rendered.html,
        reference=f"golive-{payload['production_code']}"[:40], partner_id=partner_id,
        transport=settings.transport, accepted_at=utcnow()))
    db.session.commit()
    log.info("go-live %s notice accepted (%s)", outcome, settings.transport)
