"""Booking test helpers: a SQL statement counter for query budgets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from webview.extensions import db


class QueryCounter:
    """Counts the statements sent to the database inside `with counter:` blocks."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @contextmanager
    def counting(self) -> Iterator[QueryCounter]:
        """Start from zero and count until the block ends."""
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._record)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def count_queries(app) -> QueryCounter:
    """`with count_queries.counting() as counted: ...; assert counted.count <= N`."""
    return QueryCounter(db.engine)
