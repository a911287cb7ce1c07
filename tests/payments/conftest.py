"""Payments fixtures: partners registered through the onboarding service, a scripted partner stub, SQL counting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from tests.payments.factories import register_hmac_partner  # noqa: F401  (re-exported for the tests)
from tests.payments.stub_partner import StubPartner
from webview.extensions import db


@pytest.fixture
def stub() -> Iterator[StubPartner]:
    """A scripted partner HTTP server on loopback."""
    server = StubPartner()
    yield server
    server.stop()


@pytest.fixture
def fast_partner_http(app):
    """Short timeouts and no backoff sleeps, so fault tests run quickly."""
    app.config.update(PARTNER_CONNECT_TIMEOUT=1.0, PARTNER_READ_TIMEOUT=0.5, PARTNER_RETRIES=2,
                      PARTNER_BACKOFF_SECONDS=0.0)
    return app


class StatementCounter:
    """Counts SQL statements sent to the database while active."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.active = False

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active:
            self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        self.statements.clear()
        self.active = True
        event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc) -> None:
        self.active = False
        event.remove(self.engine, "before_cursor_execute", self._before)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_sql(app):
    """A StatementCounter on the app's engine: `with count_sql as counter: ...; counter.count`."""
    return StatementCounter(db.engine)
