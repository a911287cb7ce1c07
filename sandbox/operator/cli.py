"""`flask sandbox set-style CODE PRESET|FILE`: switch a sandbox partner to an integration style."""

from __future__ import annotations

import click

from sandbox.cases.cli import sandbox_cli
from sandbox.operator.services import OperatorError
from sandbox.operator.styles import set_sandbox_style


@sandbox_cli.command("set-style")
@click.argument("partner_code")
@click.argument("source")
def set_style_command(partner_code: str, source: str) -> None:
    """Make sandbox partner PARTNER_CODE speak a style: SOURCE is a preset name or a .json/.yaml file.

    The merchant stores it as the partner's new style version (as `flask partners set-style` does) and the
    sandbox partner keeps its own copy, with any secret the merchant issued for it."""
    try:
        switch = set_sandbox_style(partner_code, source)
    except OperatorError as problem:
        raise click.ClickException(problem.message) from problem
    click.echo(f"{switch.partner_code} now speaks {switch.name} (merchant version {switch.version}, {switch.source})")
    if switch.issued_secrets:
        click.echo(f"issued by the merchant and kept by the sandbox partner: {', '.join(switch.issued_secrets)}")
