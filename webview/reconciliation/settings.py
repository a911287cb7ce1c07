"""A partner's reconciliation settings: validated as a whole, then written at once (nothing half-written)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import paramiko
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from webview.extensions import db
from webview.partners.models import Partner
from webview.partners.services import PartnerError, check_url, normalise_host
from webview.reconciliation.models import TRANSPORTS, ReconciliationSettings
from webview.reconciliation.templates import STANDARD, Template
from webview.vault import open_sealed, seal

SFTP_KEY_PURPOSE = "recon-sftp-key"
TIME_PATTERN = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
USER_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_KNOWN_HOSTS = 64 * 1024
DEFAULT_TIME = "02:00"


class ReconciliationSettingsError(ValueError):
    """A reconciliation setting was refused; the message is one clear line."""


@dataclass(frozen=True)
class SettingsChange:
    """What an operator asks to change; None leaves a value as it is."""

    transport: str | None = None
    close_time: str | None = None
    template: Template | None = None
    sftp_host: str | None = None
    sftp_port: int | None = None
    sftp_user: str | None = None
    sftp_key: str | None = None  # private key text (OpenSSH or PEM), sealed before it is stored
    sftp_known_hosts: str | None = None
    reconciliation_url: str | None = None
    finance_emails: tuple[str, ...] | None = field(default=None)


def settings_of(partner: Partner) -> ReconciliationSettings:
    """The partner's settings row (a transient default one, transport off, when it has none)."""
    found = db.session.get(ReconciliationSettings, partner.id)
    if found is not None:
        return found
    return ReconciliationSettings(partner_id=partner.id, transport="off", close_time=DEFAULT_TIME,
                                  template=STANDARD.as_json(), sftp_port=22, finance_emails=[])


def load_private_key(text: str) -> paramiko.PKey:
    """A paramiko key from private key text (Ed25519, ECDSA or RSA, unencrypted); ValueError when it is none."""
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError, TypeError):
            continue
    raise ValueError("not an unencrypted Ed25519, ECDSA or RSA private key")


def parse_known_hosts(text: str) -> paramiko.HostKeys:
    """known_hosts lines (hashed or plain host names); ValueError when no usable line is in it."""
    keys = paramiko.HostKeys()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            entry = paramiko.hostkeys.HostKeyEntry.from_line(line, number)
        except (paramiko.SSHException, ValueError) as error:
            raise ValueError(f"line {number} is not a known_hosts entry ({error})") from error
        if entry is None:
            raise ValueError(f"line {number} is not a known_hosts entry")
        for name in entry.hostnames:
            keys.add(name, entry.key.get_name(), entry.key)
    if not keys.keys():
        raise ValueError("no host key in it")
    return keys


def sftp_private_key(settings: ReconciliationSettings) -> paramiko.PKey:
    """The partner's SFTP client key, opened from the vault."""
    if not settings.sftp_key_sealed:
        raise ReconciliationSettingsError("no SFTP key is set")
    text = open_sealed(current_app.config["MASTER_KEY"], settings.sftp_key_sealed, SFTP_KEY_PURPOSE).decode()
    return load_private_key(text)


def _check(partner: Partner, change: SettingsChange) -> dict:
    """The validated column values of a change; ReconciliationSettingsError on the first bad one."""
    values: dict = {}
    if change.transport is not None:
        if change.transport not in TRANSPORTS:
            raise ReconciliationSettingsError(f"--transport must be one of {', '.join(TRANSPORTS)} "
                                              f"(got {change.transport!r})")
        values["transport"] = change.transport
    if change.close_time is not None:
        if not TIME_PATTERN.fullmatch(change.close_time):
            raise ReconciliationSettingsError(f"--time must be HH:MM, 00:00 to 23:59 GMT+7 "
                                              f"(got {change.close_time!r})")
        values["close_time"] = change.close_time
    if change.template is not None:
        values["template"] = change.template.as_json()
    if change.sftp_host is not None:
        try:
            values["sftp_host"] = normalise_host(change.sftp_host, "--sftp-host")
        except PartnerError as error:
            raise ReconciliationSettingsError(str(error)) from error
    if change.sftp_port is not None:
        if isinstance(change.sftp_port, bool) or not 0 < change.sftp_port < 65536:
            raise ReconciliationSettingsError(f"--sftp-port must be 1 to 65535 (got {change.sftp_port!r})")
        values["sftp_port"] = change.sftp_port
    if change.sftp_user is not None:
        if not USER_PATTERN.fullmatch(change.sftp_user):
            raise ReconciliationSettingsError("--sftp-user must be 1-64 of letters, digits, '.', '_' or '-'")
        values["sftp_user"] = change.sftp_user
    if change.sftp_key is not None:
        try:
            load_private_key(change.sftp_key)
        except ValueError as error:
            raise ReconciliationSettingsError(f"--sftp-key: {error}") from error
        values["sftp_key_sealed"] = seal(current_app.config["MASTER_KEY"], change.sftp_key, SFTP_KEY_PURPOSE)
    if change.sftp_known_hosts is not None:
        if len(change.sftp_known_hosts) > MAX_KNOWN_HOSTS:
            raise ReconciliationSettingsError("--sftp-known-hosts is larger than 64 KiB")
        try:
            parse_known_hosts(change.sftp_known_hosts)
        except ValueError as error:
            raise ReconciliationSettingsError(f"--sftp-known-hosts: {error}") from error
        values["sftp_known_hosts"] = change.sftp_known_hosts
    if change.reconciliation_url is not None:
        try:
            values["reconciliation_url"] = check_url(change.reconciliation_url, partner.environment,
                                                     "--reconciliation-url") if change.reconciliation_url else None
        except PartnerError as error:
            raise ReconciliationSettingsError(str(error)) from error
    if change.finance_emails is not None:
        emails = []
        for email in change.finance_emails:
            try:
                emails.append(validate_email(email.strip(), check_deliverability=False).normalized)
            except EmailNotValidError as error:
                raise ReconciliationSettingsError(f"--finance-email {email!r}: {error}") from error
        values["finance_emails"] = emails
    return values


def configure(partner: Partner, change: SettingsChange) -> ReconciliationSettings:
    """Apply a change to a partner's settings after checking all of it (the caller commits).

    Refused as a whole (ReconciliationSettingsError) when any value is bad, or when the result would be
    unusable: sftp or both without host, user, key and known_hosts.
    """
    values = _check(partner, change)
    settings = db.session.get(ReconciliationSettings, partner.id)
    merged = {column: getattr(settings or settings_of(partner), column)
              for column in ("transport", "sftp_host", "sftp_user", "sftp_key_sealed", "sftp_known_hosts")}
    merged.update({key: value for key, value in values.items() if key in merged})
    if merged["transport"] in {"sftp", "both"}:
        lacking = [flag for flag, column in (("--sftp-host", "sftp_host"), ("--sftp-user", "sftp_user"),
                                             ("--sftp-key", "sftp_key_sealed"),
                                             ("--sftp-known-hosts", "sftp_known_hosts")) if not merged[column]]
        if lacking:
            raise ReconciliationSettingsError(f"transport {merged['transport']} needs {', '.join(lacking)}")
    if settings is None:
        settings = settings_of(partner)
        db.session.add(settings)
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.flush()
    return settings
