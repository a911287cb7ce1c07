"""`flask demo seed`: the sandbox's demo partners and whatever other features add to the seed."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webview.demo.services import DemoSeedError, credentials_path, run_seed
from webview.partners.cli import CommandError
from webview.profiles import profile_label

demo_cli = AppGroup("demo", help="Demo data for the embedded sandbox.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Create or refresh the demo partners (idempotent) and write instance/demo-partners.json (0600)."""
    try:
        records = run_seed()
    except DemoSeedError as error:
        raise CommandError(str(error)) from error
    for record in records:
        kind = profile_label(record["profile"], record["suite"])
        click.echo(f"demo partner {record['partner_code']:<14} {kind:<16} handoff {record['handoff']}")
    click.echo(f"credentials: {credentials_path()}")
