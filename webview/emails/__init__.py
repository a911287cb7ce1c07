"""Customer emails: rendering (vi/en, partner theme), queueing through jobs, exactly-once SMTP delivery."""

from __future__ import annotations

import logging

from flask import Flask

from webview.emails.models import SentEmail
from webview.emails.render import RenderedEmail, render_email
from webview.emails.services import (
    JOB_KIND,
    SETTINGS_KEY,
    deliver_email,
    list_sent_emails,
    queue_email,
)
from webview.emails.summary import EMAIL_KINDS, EmailError, OrderSummary
from webview.emails.transport import MailSettings, parse_mail_url

__all__ = [
    "EMAIL_KINDS",
    "JOB_KIND",
    "EmailError",
    "MailSettings",
    "OrderSummary",
    "RenderedEmail",
    "SentEmail",
    "deliver_email",
    "list_sent_emails",
    "parse_mail_url",
    "queue_email",
    "render_email",
]

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Parse MAIL_URL once (an invalid one stops the start with one clear line)."""
    settings = parse_mail_url(app.config.get("MAIL_URL"))
    app.extensions[SETTINGS_KEY] = settings
    if settings.host is None and app.config.get("APP_ENV") == "production":
        log.warning("MAIL_URL is not set: customer emails are only recorded, not sent")
