"""`flask partners set-style CODE FILE|PRESET` and `flask partners show-style CODE` (registered by the partners CLI)."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from webview.extensions import db
from webview.partners.models import Partner
from webview.styles.definition import StyleError
from webview.styles.store import read_style_source, set_partner_style, style_row, style_versions


def style_commands(command_cls: type[click.Command], error_cls: Callable[[str], click.ClickException],
                   partner_or_fail: Callable[[str], Partner]) -> list[click.Command]:
    """The style commands, built with the partners CLI's command class, error and partner lookup."""

    @click.command("set-style", cls=command_cls)
    @click.argument("code")
    @click.argument("source")
    @click.option("--actor", default="cli", show_default=True, help="Who made the change (kept with the version).")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    def set_style_command(code: str, source: str, actor: str, as_json: bool) -> None:
        """Store a new version of a partner's integration style from a .json/.yaml file or a preset name
        (standard, momo-like, zalopay-like, vnpay-like); an hmac partner becomes styled. Named secrets are
        printed once."""
        partner = partner_or_fail(code)
        try:
            document, label = read_style_source(source)
            stored = set_partner_style(partner, document, source=label, actor=actor)
            db.session.commit()
        except StyleError as error:
            db.session.rollback()
            raise error_cls(f"style not stored: {'; '.join(error.problems)}") from error
        row = stored.row
        if as_json:
            click.echo(json.dumps({"partner_code": partner.code, "version": row.version, "name": row.name,
                                   "profile": partner.profile, "issued_secrets": stored.issued_secrets}))
            return
        click.echo(f"partner {partner.code}: style {row.name} stored as version {row.version} ({label}); "
                   f"profile {partner.profile}")
        for name, secret in stored.issued_secrets.items():
            click.echo(f"secret {name}: {secret}   (shown once: hand it to the partner now)")

    @click.command("show-style", cls=command_cls)
    @click.argument("code")
    @click.option("--version", "version", type=int, default=None, help="An older version (default: the current).")
    @click.option("--versions", "list_versions", is_flag=True, help="List the stored versions.")
    def show_style_command(code: str, version: int | None, list_versions: bool) -> None:
        """Print a partner's style document (JSON), or its versions."""
        partner = partner_or_fail(code)
        if list_versions:
            for row in style_versions(partner):
                click.echo(f"{row.version:>4}  {row.name:<20} {row.created_at.isoformat(timespec='seconds')}  "
                           f"{row.created_by or '-':<16} {row.source}")
            return
        row = style_row(partner, version)
        if row is None:
            if version is not None:
                raise error_cls(f"partner {partner.code} has no style version {version}")
            raise error_cls(f"partner {partner.code} has no style stored (a styled partner without one follows "
                            "the standard preset)")
        click.echo(json.dumps(row.definition, indent=2, ensure_ascii=False))

    return [set_style_command, show_style_command]
