"""`flask catalog generate`: build or top up the deterministic demo catalog."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from webview.catalog.generator import DEFAULT_DAYS, MAX_DAYS, generate_catalog


@click.group("catalog")
def catalog_group() -> None:
    """The demo catalog (flights, hotels, VIP plans)."""


@catalog_group.command("generate")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=DEFAULT_DAYS, show_default=True,
              help="How many days ahead, from today in Vietnam (GMT+7).")
@with_appcontext
def generate_command(days: int) -> None:
    """Insert the catalog's missing days; days already there (and their sold inventory) are kept."""
    result = generate_catalog(days)
    click.echo(f"catalog {result.first_day}..{result.last_day}: added {result.flights} flights, "
               f"{result.fares} fares, {result.room_nights} room nights")


def init_app(app: Flask) -> None:
    """Register the catalog command group."""
    app.cli.add_command(catalog_group)
