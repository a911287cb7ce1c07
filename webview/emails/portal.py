"""Partner portal emails (activation, invitation, password reset): one single-use link each, sent through the
jobs outbox like every email and recorded in `sent_email` (the sandbox mail catcher).

The link is a credential until it is used, so it never rests in plain text: the job payload carries it sealed
with the vault, and the `sent_email` record keeps it only when the mail went to the local catcher (development;
that is how a developer and the tests open it). A message that went out over SMTP is recorded with the link
replaced by "[link removed]".
"""

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
from webview.vault import open_sealed, seal

JOB_KIND = "portal.email"
PORTAL_EMAIL_KINDS = ("activation", "invite", "reset")
LINK_PURPOSE = "portal-email-link"
LINK_REMOVED = "[link removed]"
_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)

log = logging.getLogger(__name__)


def portal_subject(kind: str, partner_name: str) -> str:
    """The subject line in the current (forced) locale."""
    if kind == "activation":
        return _("Activate your %(partner)s account on the partner portal", partner=partner_name)
    if kind == "invite":
        return _("You are invited to the %(partner)s team on the partner portal", partner=partner_name)
    if kind == "reset":
        return _("Reset your partner portal password")
    raise EmailError(f"no subject for portal email kind {kind!r}")


def render_portal_email(kind: str, *, locale: str, name: str, partner_name: str, link: str, hours: float,
                        inviter: str = "", role: str = "") -> RenderedEmail:
    """Render one portal email; `link` is the single-use URL, `hours` its lifetime."""
    if kind not in PORTAL_EMAIL_KINDS:
        raise EmailError(f"unknown portal email kind: {kind!r}")
    if locale not in LOCALES:
        raise EmailError(f"locale must be one of {', '.join(LOCALES)}")
    context = {"kind": kind, "locale": locale, "name": name, "partner_name": partner_name, "link": link,
               "hours": hours, "inviter": inviter, "role": role,
               "support_email": current_app.config["SUPPORT_EMAIL"] or ""}
    with force_locale(locale):
        subject = portal_subject(kind, partner_name)
        text = render_template("emails/portal.txt", subject=subject, **context)
        html = render_template("emails/portal.html", subject=subject, **context)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"
    return RenderedEmail(subject=subject, text=text, html=_INLINER.inline(html))


def queue_portal_email(kind: str, *, to: str, locale: str, name: str, partner_name: str, link: str,
                       hours: float, key: str, inviter: str = "", role: str = "") -> Job:
    """Enqueue the email in the caller's transaction (the caller commits); `key` makes it once per token."""
    if kind not in PORTAL_EMAIL_KINDS:
        raise EmailError(f"unknown portal email kind: {kind!r}")
    if locale not in LOCALES:
        raise EmailError(f"locale must be one of {', '.join(LOCALES)}")
    try:
        address = validate_email(to.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise EmailError(f"not an email address: {exc}") from None
    payload = {"kind": kind, "to": address, "locale": locale, "name": name, "partner_name": partner_name,
               "link_sealed": seal(current_app.config["MASTER_KEY"], link, LINK_PURPOSE), "hours": hours,
               "inviter": inviter, "role": role}
    return enqueue(JOB_KIND, payload, key=f"portal-email:{key}")


@job_handler(JOB_KIND)
def deliver_portal_email(job: Job) -> None:
    """Send one portal email unless already accepted, then record it (the link only for the local catcher)."""
    if db.session.scalar(select(SentEmail.id).where(SentEmail.job_key == job.key)) is not None:
        return
    payload = dict(job.payload)
    link = open_sealed(current_app.config["MASTER_KEY"], payload.pop("link_sealed"), LINK_PURPOSE).decode()
    to = payload.pop("to")
    kind = payload.pop("kind")
    rendered = render_portal_email(kind, link=link, **payload)
    message = build_message(rendered, to=to, job_key=job.key)
    settings = mail_settings()
    if settings.host:
        db.session.rollback()  # hold no transaction open while talking to the mail server
        send_smtp(settings, message)
        rendered = RenderedEmail(rendered.subject, rendered.text.replace(link, LINK_REMOVED),
                                 rendered.html.replace(link, LINK_REMOVED))
    db.session.add(SentEmail(
        job_key=job.key, message_id=message["Message-ID"], to=to, kind=f"portal_{kind}", locale=payload["locale"],
        subject=rendered.subject, text=rendered.text, html=rendered.html, reference=f"portal-{kind}",
        partner_id=None, transport=settings.transport, accepted_at=utcnow(),
    ))
    db.session.commit()
    log.info("portal %s email accepted (%s)", kind, settings.transport)
