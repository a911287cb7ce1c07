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


@pytest.fixture
def people(app):
    """A partner with two customers: (partner, alice, bob)."""
    from webview.partners.models import Customer, Partner

    partner = Partner(code="booking-partner", name="Booking Partner", status="active", client_id="cid-booking",
                      client_secret_sealed="sealed", api_key_hash="b" * 64, access_code="ac-booking")
    db.session.add(partner)
    db.session.flush()
    alice = Customer(partner_id=partner.id, identify_code="alice", email="alice@example.com")
    bob = Customer(partner_id=partner.id, identify_code="bob", email="bob@example.com")
    db.session.add_all([alice, bob])
    db.session.commit()
    return partner, alice, bob


@pytest.fixture
def catalog(app):
    """Three days of catalog from tomorrow (GMT+7)."""
    from datetime import timedelta

    from webview.catalog.generator import generate_catalog, local_today

    return generate_catalog(3, start=local_today() + timedelta(days=1), seed="booking-tests")
