"""Mail delivery: MAIL_URL parsing and sending one message over SMTP (or recording it for the catcher)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import Message
from urllib.parse import parse_qs, unquote, urlsplit

from webview.config import ConfigError

DEFAULT_TIMEOUT = 15.0
TRUE_WORDS = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes: an SMTP server, or nowhere but the local catcher (`host` None)."""

    host: str | None = None
    port: int = 0
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False  # smtps://
    starttls: bool = False
    timeout: float = DEFAULT_TIMEOUT

    @property
    def transport(self) -> str:
        return "smtp" if self.host else "catcher"

    def __repr__(self) -> str:  # never print the password
        return f"MailSettings({self.transport}://{self.host or ''}:{self.port})"


def parse_mail_url(url: str | None) -> MailSettings:
    """`smtp://[user:pass@]host[:port][?starttls=1&timeout=10]` or `smtps://…`; empty means the local catcher."""
    if not url:
        return MailSettings()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"MAIL_URL is not a valid URL: {exc}") from None
    if parts.scheme not in {"smtp", "smtps"}:
        raise ConfigError(f"MAIL_URL must start with smtp:// or smtps:// (got {parts.scheme or 'no'} scheme)")
    if not parts.hostname:
        raise ConfigError("MAIL_URL has no host (expected e.g. smtp://user:pass@mail.example:587?starttls=1)")
    if parts.path not in {"", "/"}:
        raise ConfigError("MAIL_URL must not have a path")
    query = {name: values[-1] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = sorted(set(query) - {"starttls", "timeout"})
    if unknown:
        raise ConfigError(f"MAIL_URL has unknown parameter(s): {', '.join(unknown)} (known: starttls, timeout)")
    implicit_tls = parts.scheme == "smtps"
    starttls = query.get("starttls", "0").lower() in TRUE_WORDS
    if implicit_tls and starttls:
        raise ConfigError("MAIL_URL: smtps:// already uses TLS; drop starttls")
    try:
        timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        raise ConfigError("MAIL_URL timeout must be a number of seconds") from None
    if not 0 < timeout <= 300:
        raise ConfigError("MAIL_URL timeout must be between 0 and 300 seconds")
    if (parts.username is None) != (parts.password is None):
        raise ConfigError("MAIL_URL needs both a user name and a password, or neither")
    return MailSettings(
        host=parts.hostname,
        port=port or (465 if implicit_tls else 587 if starttls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        implicit_tls=implicit_tls,
        starttls=starttls,
        timeout=timeout,
    )


def send_smtp(settings: MailSettings, message: Message) -> None:
    """Hand one message to the SMTP server; returns once the server accepted it, raises otherwise."""
    context = ssl.create_default_context()
    if settings.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        client.ehlo()
        if settings.starttls:
            client.starttls(context=context)
            client.ehlo()
        if settings.username is not None:
            client.login(settings.username, settings.password or "")
        refused = client.send_message(message)
        if refused:  # only one recipient: anything refused means not delivered
            raise smtplib.SMTPRecipientsRefused(refused)
