"""`flask partners ...` (onboarding and registry changes) and `flask keys show` (the merchant public key)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click
from blinker import Namespace
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from webview.db import utcnow
from webview.extensions import db
from webview.partners.keys import merchant_public_key_pem, merchant_public_key_xml
from webview.partners.models import ENVIRONMENTS, Partner
from webview.partners.services import (
    PartnerError,
    PartnerSpec,
    activate_partner,
    create_partner,
    find_partner,
    rotate_secret,
    set_public_key,
    set_support_contact,
    suspend_partner,
)
from webview.profiles import profile_label

MAX_FILE_BYTES = 256 * 1024
KEY_FORMATS = {"pem": merchant_public_key_pem, "xml": merchant_public_key_xml}  # flask keys show --format

# Option name -> PartnerSpec field; the --from file uses the same names with "_" for "-".
TEXT_FIELDS = (
    "code", "name", "address", "website", "environment", "profile", "suite", "handoff", "admin_name",
    "admin_email", "admin_phone", "support_email", "support_phone", "support_hours",
    "create_transaction_url", "query_transaction_url", "refund_url", "payment_url",
    "deeplink_template", "bridge_function", "logo_url", "font_stack",
)
FILE_FIELDS = ("public_key", "theme")  # a path (relative to the --from file) or, in a file, inline content
FILE_ONLY_ALIASES = {"return_hosts": "return_host"}
ALL_FIELDS = (*TEXT_FIELDS, *FILE_FIELDS, "allow_legacy", "return_host")


class CommandError(click.ClickException):
    """A refused command: one line on stderr and exit status 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class OneLineCommand(click.Command):
    """A command whose usage errors (bad or unknown flags) are one line, not the usage block."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise CommandError(error.format_message()) from error


# Sent once `partners create` has committed a partner, with `locale` (the activation email's language); the portal
# subscribes and emails the administrator a single-use activation link, so this lower layer never imports it. A
# receiver returns one line for the operator (printed after the credentials; `--json` prints the credentials only).
partner_created = Namespace().signal("partner-created")

partners_cli = AppGroup("partners", help="Partner registry: onboarding, credentials, keys and status.")
keys_cli = AppGroup("keys", help="The merchant's own RSA key pairs.")


def _read_file(path: str | Path, what: str) -> bytes:
    """A small file's bytes, or a one-line CommandError."""
    try:
        file = Path(path)
        if file.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{what} {path}: file is larger than {MAX_FILE_BYTES // 1024} KiB")
        return file.read_bytes()
    except OSError as error:
        raise CommandError(f"{what} {path}: cannot read ({error.strerror or error})") from error


def _load_theme(value: Any, base: Path | None, what: str) -> dict:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise CommandError(f"{what} must be a JSON file path or an object")
    path = Path(value) if base is None else base / value
    try:
        theme = json.loads(_read_file(path, what).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(f"{what} {value}: not valid JSON ({error})") from error
    if not isinstance(theme, dict):
        raise CommandError(f"{what} {value}: the theme must be a JSON object")
    return theme


def _load_public_key(value: Any, base: Path | None, what: str) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise CommandError(f"{what} must be a file path")
    stripped = value.strip()
    if base is not None and (stripped.startswith("-----BEGIN") or stripped.startswith("<")):
        return stripped.encode("utf-8")  # inline key text in a --from file
    return _read_file(Path(value) if base is None else base / value, what)


def _read_spec_file(path: str) -> dict[str, Any]:
    """The fields of a --from TOML or JSON file, type-checked, with file references resolved."""
    raw = _read_file(path, "--from")
    try:
        text = raw.decode("utf-8-sig")
        if path.lower().endswith(".toml"):
            data = tomllib.loads(text)
        elif path.lower().endswith(".json"):
            data = json.loads(text)
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                data = tomllib.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise CommandError(f"--from {path}: not valid TOML or JSON ({error})") from error
    if not isinstance(data, dict):
        raise CommandError(f"--from {path}: expected a table/object of fields")
    base = Path(path).resolve().parent
    fields: dict[str, Any] = {}
    for key, value in data.items():
        name = FILE_ONLY_ALIASES.get(str(key).replace("-", "_"), str(key).replace("-", "_"))
        if name not in ALL_FIELDS:
            raise CommandError(f"--from {path}: unknown field {key!r}")
        if name in TEXT_FIELDS and not isinstance(value, str):
            raise CommandError(f"--from {path}: field {key!r} must be a string")
        if name == "allow_legacy" and not isinstance(value, bool):
            raise CommandError(f"--from {path}: field {key!r} must be true or false")
        if name == "return_host":
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise CommandError(f"--from {path}: field {key!r} must be a string or a list of strings")
        if name == "theme":
            value = _load_theme(value, base, f"--from {path}: theme")
        if name == "public_key":
            value = _load_public_key(value, base, f"--from {path}: public_key")
        fields[name] = value
    return fields


def _spec_from(fields: dict[str, Any]) -> PartnerSpec:
    values = {name: fields[name] for name in TEXT_FIELDS if fields.get(name) is not None}
    return PartnerSpec(
        **values,
        allow_legacy=bool(fields.get("allow_legacy", False)),
        public_key=fields.get("public_key"),
        return_hosts=tuple(fields.get("return_host") or ()),
        theme=fields.get("theme"),
    )


def _partner_or_fail(code: str) -> Partner:
    partner = find_partner(code)
    if partner is None:
        raise CommandError(f"no partner with code {code!r}")
    return partner


def _warn(warnings: list[str] | tuple[str, ...]) -> None:
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)


def _print_credentials(partner: Partner, issued) -> None:
    click.echo(f"Partner {partner.code} created: {partner.environment}, {profile_label(partner.profile, partner.suite)}"
               f", handoff {partner.handoff}, "
               f"status {partner.status}.")
    for name, value in issued.to_json().items():
        if name != "merchant_public_key_pem":
            click.echo(f"  {name + ':':<16} {value}")
    click.echo("Merchant public key (give it to the partner):")
    click.echo(issued.merchant_public_key_pem.rstrip())
    click.echo("WARNING: client_secret and api_key are shown once and cannot be recovered; store them now.")


@partners_cli.command("create", cls=OneLineCommand)
@click.option("--from", "from_file", metavar="FILE", help="TOML or JSON file with the same fields (flags override).")
@click.option("--code", help="partner_code: 2-39 of a-z, 0-9, '-'.")
@click.option("--name", help="Company name.")
@click.option("--address", help="Company address.")
@click.option("--website", help="Company website.")
@click.option("--environment", metavar="sandbox|production",
              help="sandbox (default; created active; refused by a production deployment) or production "
                   "(created pending_activation).")
@click.option("--profile", metavar="hmac|envelope", help="Integration profile (default hmac).")
@click.option("--suite", metavar="modern|legacy", help="Envelope cipher suite (default modern).")
@click.option("--allow-legacy", is_flag=True, default=None, help="Allow the legacy suite for a production partner.")
@click.option("--handoff", metavar="redirect|deeplink|bridge", help="How checkout opens the partner's payment.")
@click.option("--public-key", metavar="FILE", help="Partner RSA public key, PEM or .NET XML (envelope: required).")
@click.option("--admin-name", help="Administrator's name.")
@click.option("--admin-email", help="Administrator's email.")
@click.option("--admin-phone", help="Administrator's phone.")
@click.option("--support-email", help="Customer support email shown in emails and on order screens.")
@click.option("--support-phone", help="Customer support phone (optional).")
@click.option("--support-hours", help="Customer support hours, one line, e.g. '8:00-22:00 every day' (optional).")
@click.option("--create-transaction-url", help="Partner create-transaction API (hmac).")
@click.option("--query-transaction-url", help="Partner query-transaction API (hmac).")
@click.option("--refund-url", help="Partner refund API (hmac).")
@click.option("--payment-url", help="Partner payment page (redirect handoff, envelope place-order redirect).")
@click.option("--deeplink-template", help="e.g. walletpay://pay?transaction_id={transaction_id}&amount={amount}")
@click.option("--bridge-function", help="Host-injected JS function, e.g. window.PartnerBridge.openPayment")
@click.option("--return-host", multiple=True, help="Allowed return host (repeatable).")
@click.option("--theme", metavar="FILE", help="Theme tokens as a JSON object.")
@click.option("--logo-url", help="Logo: a path on this host, or an https URL.")
@click.option("--font-stack", help="One of the allowed system font stacks (default system).")
@click.option("--json", "as_json", is_flag=True, help="Print only the credentials as one JSON object.")
@click.option("--locale", "email_locale", type=click.Choice(["vi", "en"]), default="vi",
              help="Language of the administrator's activation email (default vi).")
@click.option("--no-activation-email", is_flag=True, help="Do not email the administrator a portal activation link "
              "(send one later with `flask portal send-activation CODE`).")
def create_command(from_file: str | None, as_json: bool, email_locale: str, no_activation_email: bool,
                   **flags: Any) -> None:
    """Onboard a partner and print its credentials once.

    Sandbox partners are created active; production partners are created pending_activation
    (run `flask partners activate CODE` after acceptance).
    """
    fields = _read_spec_file(from_file) if from_file else {}
    for name, value in flags.items():
        if name == "return_host":
            if value:
                fields[name] = list(value)
        elif name == "theme" and value is not None:
            fields[name] = _load_theme(value, None, "--theme")
        elif name == "public_key" and value is not None:
            fields[name] = _load_public_key(value, None, "--public-key")
        elif value is not None:
            fields[name] = value
    if not fields.get("code") or not fields.get("name"):
        raise CommandError("--code and --name are required (as flags or in the --from file)")
    try:
        partner, issued = create_partner(_spec_from(fields))
        db.session.commit()
    except PartnerError as error:
        db.session.rollback()
        raise CommandError(str(error)) from error
    _warn(issued.warnings)
    if as_json:
        click.echo(json.dumps(issued.to_json()))
    else:
        _print_credentials(partner, issued)
    if not no_activation_email:
        for _receiver, line in partner_created.send(partner, locale=email_locale):
            if line and not as_json:
                click.echo(line)


@partners_cli.command("list", cls=OneLineCommand)
def list_command() -> None:
    """List partners (no secrets)."""
    partners = db.session.scalars(select(Partner).order_by(Partner.code)).all()
    if not partners:
        click.echo("No partners yet: see `flask partners create --help` or run `flask demo seed`.")
        return
    click.echo(f"{'CODE':<24} {'ENVIRONMENT':<11} {'PROFILE':<16} {'HANDOFF':<9} {'STATUS':<18} NAME")
    for partner in partners:
        profile = profile_label(partner.profile, partner.suite)
        click.echo(f"{partner.code:<24} {partner.environment:<11} {profile:<16} {partner.handoff:<9} "
                   f"{partner.status:<18} {partner.name}")


def _masked(value: str) -> str:
    return value[:4] + "…" if value else ""


@partners_cli.command("show", cls=OneLineCommand)
@click.argument("code")
def show_command(code: str) -> None:
    """Show one partner's registration (never its secrets)."""
    partner = _partner_or_fail(code)
    rows: list[tuple[str, Any]] = [
        ("code", partner.code), ("name", partner.name), ("address", partner.address), ("website", partner.website),
        ("admin", f"{partner.admin_name} <{partner.admin_email}> {partner.admin_phone}".strip()),
        ("support", " · ".join(value for value in (partner.support_email, partner.support_phone,
                                                    partner.support_hours) if value)
         or "none (customers see SUPPORT_EMAIL)"),
        ("environment", partner.environment), ("profile", partner.profile), ("suite", partner.suite),
        ("allow legacy in production", partner.allow_legacy_in_production), ("status", partner.status),
        ("handoff", partner.handoff), ("payment url", partner.payment_url),
        ("payment hosts", ", ".join(partner.payment_hosts or [])),
        ("deep-link schemes", ", ".join(partner.deeplink_schemes or [])),
        ("deep-link template", partner.deeplink_template), ("bridge function", partner.bridge_function),
        ("create transaction url", partner.create_transaction_url),
        ("query transaction url", partner.query_transaction_url), ("refund url", partner.refund_url),
        ("return hosts", ", ".join(partner.return_hosts or [])),
        ("theme", json.dumps(partner.theme or {}, sort_keys=True)), ("logo url", partner.logo_url),
        ("font stack", partner.font_stack), ("client_id", partner.client_id),
        ("access_code", _masked(partner.access_code) + " (full value given at onboarding)"),
        ("public key", f"RSA {partner.public_key_bits} bits" if partner.public_key_pem else "none"),
        ("secret rotation", _rotation_state(partner)), ("created", partner.created_at.isoformat(timespec="seconds")),
    ]
    for label, value in rows:
        click.echo(f"{label + ':':<28} {'' if value is None else value}")


def _rotation_state(partner: Partner) -> str:
    expires = partner.previous_secret_expires_at
    if partner.previous_client_secret_sealed and expires and expires > utcnow():
        return f"previous secret valid until {expires.isoformat(timespec='seconds')}"
    return "one secret"


@partners_cli.command("rotate-secret", cls=OneLineCommand)
@click.argument("code")
@click.option("--grace-seconds", type=click.IntRange(min=0), default=None,
              help="How long the old secret stays valid (default SECRET_ROTATION_GRACE_SECONDS).")
def rotate_secret_command(code: str, grace_seconds: int | None) -> None:
    """Issue a new client secret, printed once; the old one stays valid for the grace period."""
    partner = _partner_or_fail(code)
    grace = current_app.config["SECRET_ROTATION_GRACE_SECONDS"] if grace_seconds is None else grace_seconds
    try:
        secret = rotate_secret(partner, int(grace))
        db.session.commit()
    except PartnerError as error:
        db.session.rollback()
        raise CommandError(str(error)) from error
    click.echo(f"New client_secret of {partner.code}: {secret}")
    click.echo(f"The previous secret stays valid until {partner.previous_secret_expires_at.isoformat()}.")
    click.echo("WARNING: the new secret is shown once and cannot be recovered; store it now.")


@partners_cli.command("set-key", cls=OneLineCommand)
@click.argument("code")
@click.argument("file", metavar="FILE")
def set_key_command(code: str, file: str) -> None:
    """Register or replace a partner's RSA public key (PEM or .NET XML)."""
    partner = _partner_or_fail(code)
    key_text = _read_file(file, "key file")
    try:
        warnings = set_public_key(partner, key_text)
        db.session.commit()
    except PartnerError as error:
        db.session.rollback()
        raise CommandError(f"key file {file}: {error}") from error
    _warn(warnings)
    click.echo(f"Public key of {partner.code} set (RSA {partner.public_key_bits} bits).")


@partners_cli.command("set-support", cls=OneLineCommand)
@click.argument("code")
@click.option("--email", help="Customer support email ('' clears it: customers then see SUPPORT_EMAIL).")
@click.option("--phone", help="Customer support phone ('' clears it).")
@click.option("--hours", help="Customer support hours, one line ('' clears it).")
def set_support_command(code: str, email: str | None, phone: str | None, hours: str | None) -> None:
    """Change the customer-support contact a partner registered at onboarding (options not given stay)."""
    partner = _partner_or_fail(code)
    try:
        set_support_contact(partner, email=email, phone=phone, hours=hours)
        db.session.commit()
    except PartnerError as error:
        db.session.rollback()
        raise CommandError(str(error)) from error
    shown = " · ".join(value for value in (partner.support_email, partner.support_phone, partner.support_hours)
                       if value)
    click.echo(f"Support contact of {partner.code}: {shown or 'none (customers see SUPPORT_EMAIL)'}.")


@partners_cli.command("suspend", cls=OneLineCommand)
@click.argument("code")
def suspend_command(code: str) -> None:
    """Suspend a partner: its API calls are refused and its users' sessions end now."""
    partner = _partner_or_fail(code)
    suspend_partner(partner)
    db.session.commit()
    click.echo(f"Partner {partner.code} suspended; its sessions have ended.")


@partners_cli.command("activate", cls=OneLineCommand)
@click.argument("code")
def activate_command(code: str) -> None:
    """Activate a pending or suspended partner."""
    partner = _partner_or_fail(code)
    try:
        activate_partner(partner)
        db.session.commit()
    except PartnerError as error:
        db.session.rollback()
        raise CommandError(str(error)) from error
    click.echo(f"Partner {partner.code} is active.")


@keys_cli.command("show", cls=OneLineCommand)
@click.option("--public", "public", is_flag=True, help="Print the public key (the only part ever printed).")
@click.option("--environment", default="sandbox", metavar="sandbox|production", help="Default sandbox.")
@click.option("--format", "key_format", default="pem", metavar="pem|xml",
              help="pem (SubjectPublicKeyInfo, default) or xml (.NET <RSAKeyValue>).")
def keys_show_command(public: bool, environment: str, key_format: str) -> None:
    """Print the merchant's public key for an environment, PEM or .NET XML (created on first use)."""
    if not public:
        raise CommandError("only --public is supported: the private key never leaves the vault")
    if environment not in ENVIRONMENTS:
        raise CommandError(f"--environment must be one of {', '.join(ENVIRONMENTS)} (got {environment!r})")
    if key_format not in KEY_FORMATS:
        raise CommandError(f"--format must be one of {', '.join(KEY_FORMATS)} (got {key_format!r})")
    text = KEY_FORMATS[key_format](environment)
    db.session.commit()
    click.echo(text.rstrip())


# `set-style` and `show-style` live with the styles package (docs/partners/styles.md).
from webview.styles.cli import style_commands  # noqa: E402

for _command in style_commands(OneLineCommand, CommandError, _partner_or_fail):
    partners_cli.add_command(_command)
