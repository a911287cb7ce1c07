"""`flask portal ...`: bootstrap operator accounts and (re)send a partner administrator's activation link."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from webview.extensions import db
from webview.partners.cli import CommandError, OneLineCommand
from webview.partners.services import find_partner
from webview.portal.accounts import AccountError, find_user, set_user_active
from webview.portal.onboarding import create_operator, onboard_partner_admin

portal_cli = AppGroup("portal", help="The partner portal: operator accounts and activation links.")


def _echo_link(link: str) -> None:
    """Development only: the link is printed too (there is no real mailbox); production never prints it."""
    if current_app.config["APP_ENV"] != "production":
        click.echo(f"  (development) link: {link}")


@portal_cli.command("create-operator", cls=OneLineCommand)
@click.argument("email")
@click.option("--name", default=None, help="The operator's name (default: the email's local part).")
def create_operator_command(email: str, name: str | None) -> None:
    """Create a merchant operator account and email it an activation link."""
    with force_locale("en"):
        try:
            user, link = create_operator(email, name or email.split("@", 1)[0])
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            raise CommandError(str(error)) from error
    click.echo(f"Operator {user.email} created; the activation link was emailed "
               f"(valid {current_app.config['PORTAL_ACTIVATION_HOURS']} h, single use).")
    _echo_link(link)


@portal_cli.command("send-activation", cls=OneLineCommand)
@click.argument("code")
@click.option("--locale", type=click.Choice(["vi", "en"]), default="vi", help="Language of the email.")
def send_activation_command(code: str, locale: str) -> None:
    """Email a partner's administrator a new activation link (the earlier one stops working)."""
    partner = find_partner(code)
    if partner is None:
        raise CommandError(f"no partner with code {code!r}")
    with force_locale("en"):
        try:
            user, link = onboard_partner_admin(partner, locale=locale)
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            raise CommandError(str(error)) from error
    click.echo(f"Activation link for {partner.code} emailed to {user.email}.")
    _echo_link(link)


@portal_cli.command("deactivate", cls=OneLineCommand)
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Deactivate a portal account (its sessions end at once)."""
    user = find_user(email)
    if user is None:
        raise CommandError(f"no portal account {email!r}")
    set_user_active(user, False)
    from webview.portal.auth import audit

    audit("portal.user_deactivated", partner=user.partner_id, user_email=user.email)
    db.session.commit()
    click.echo(f"{user.email} is deactivated.")
