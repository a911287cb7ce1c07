"""`flask i18n compile`: build the .mo files the app reads from the .po catalogs."""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app
from flask.cli import with_appcontext


def compile_catalogs(directory: Path, force: bool = False) -> list[Path]:
    """Compile every <lang>/LC_MESSAGES/*.po under `directory` whose .mo is missing or older; return them."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        tmp_path.replace(mo_path)
        written.append(mo_path)
    return written


@click.group("i18n")
def i18n_group() -> None:
    """Translation catalogs."""


@i18n_group.command("compile")
@click.option("--force", is_flag=True, help="Recompile even when the .mo files are up to date.")
@with_appcontext
def compile_command(force: bool) -> None:
    """Compile the translation catalogs."""
    directory = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])
    for path in compile_catalogs(directory, force=force):
        click.echo(f"compiled {path}")


def init_app(app: Flask) -> None:
    """Register the i18n command group."""
    app.cli.add_command(i18n_group)
