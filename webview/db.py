"""The declarative base, constraint naming convention, shared column types and the SQLite write lock."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Session, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always returned timezone-aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Base class of every model."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def begin_write_transaction(session: Session) -> None:
    """On SQLite, make the session's transaction a write transaction now (`BEGIN IMMEDIATE`); elsewhere nothing.

    SQLite ignores `FOR UPDATE`: two sessions could read the same row, decide on the same stale facts and
    both write. Taking SQLite's single write lock before the read makes a row-lock path serial there too
    (other writers wait up to the connection's busy timeout). A connection already in a transaction has
    written in it (the driver opens one only before a write; call this before any savepoint), so it holds the
    write lock already.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.dbapi_connection
    if not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def as_utc(value: datetime) -> datetime:
    """Aware UTC (SQLite hands datetimes back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
