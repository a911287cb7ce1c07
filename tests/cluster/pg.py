"""PostgreSQL and Redis for the production-shape tests: databases of their own, next to the suite's."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SUITE_URL = os.environ.get("DATABASE_URL") or ""
IS_POSTGRES = SUITE_URL.startswith("postgres")
postgres_only = pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")


def own_database_url(suffix: str) -> str:
    """A URL of a database `<suite database>_<suffix>[_<xdist worker>]` on the suite's server (not created)."""
    base = make_url(SUITE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
                    .replace("postgres://", "postgresql+psycopg://", 1))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{base.database}_{suffix}" + (f"_{worker}" if worker else "")
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def database_exists(url: str) -> bool:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return bool(connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                          {"n": target.database}))
    finally:
        admin.dispose()


def own_redis_url() -> str:
    """Redis db 9 (10, 11… for further xdist workers) on the suite's Redis server, never db 0."""
    suite = os.environ.get("RATELIMIT_STORAGE_URI") or "redis://127.0.0.1:6379/0"
    server = suite.rsplit("/", 1)[0] if suite.count("/") > 2 else suite
    if not server.startswith("redis"):
        server = "redis://127.0.0.1:6379"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    return f"{server}/{9 + index % 7}"
