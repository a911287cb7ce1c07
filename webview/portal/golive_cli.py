"""`flask partners promote CODE`: an operator approves a sandbox partner's pending go-live request from the shell.

Registered on the `flask partners` group by the portal (a registration from the higher layer, so the partner
registry never imports the portal). It prints the production partner's code and client_id, never a secret: the
partner administrator reveals the production secrets once in the portal, and gets the notice email.
"""

from __future__ import annotations

import click
from flask import current_app

from webview.extensions import db
from webview.partners.cli import CommandError, OneLineCommand, partners_cli
from webview.portal.auth import audit
from webview.portal.promotion import GoLiveError, notify_decision, promote


def portal_link(code: str) -> str:
    """The absolute URL of the partner's go-live page (for the notice email)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/portal/p/{code}/golive"


@partners_cli.command("promote", cls=OneLineCommand)
@click.argument("code")
def promote_command(code: str) -> None:
    """Approve CODE's pending go-live request: create and activate its production partner (new credentials under
    the production rules); the partner admin sees the secrets once in the portal. Prints no secret."""
    try:
        request, production = promote(code, decided_by="cli")
        audit("golive.approved", partner=request.sandbox_partner_id, production_partner=production.code,
              request_id=request.id)
        notify_decision(request, link=portal_link(code))
        db.session.commit()
    except GoLiveError as error:
        db.session.rollback()
        raise CommandError(str(error)) from error
    click.echo(f"Partner {code} promoted: production partner {production.code} ({production.status}), "
               f"client_id {production.client_id}.")
    click.echo("The partner administrator sees the production secrets once in the portal (go-live page); "
               "the notice email carries none.")
