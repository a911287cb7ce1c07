"""`flask create-database`: create the PostgreSQL database DATABASE_URL names when it does not exist yet (`make
cluster` runs it before `flask db upgrade`, so a fresh machine needs only a running PostgreSQL server)."""

from __future__ import annotations

import re

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$-]{0,62}")


class CreateRefused(click.ClickException):
    """One line on stderr, exit status 2."""

    exit_code = 2


def create_database(url: str) -> bool:
    """Create the database of a PostgreSQL URL unless it exists; True when it was created."""
    target = make_url(url)
    name = target.database or ""
    if not DATABASE_NAME.fullmatch(name):
        raise CreateRefused(f"DATABASE_URL names no usable database ({name!r})")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                return False
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    finally:
        admin.dispose()


@click.command("create-database")
@with_appcontext
def create_database_command() -> None:
    """Create the PostgreSQL database of DATABASE_URL if it is missing (SQLite files are made on first use)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        click.echo("SQLite: the file is created on first use; nothing to do")
        return
    try:
        created = create_database(url)
    except SQLAlchemyError as error:
        raise CreateRefused(f"cannot reach PostgreSQL: {type(error).__name__}: "
                            f"{str(error.orig if hasattr(error, 'orig') else error).splitlines()[0]}") from None
    name = make_url(url).database
    click.echo(f"database {name} created" if created else f"database {name} exists")
