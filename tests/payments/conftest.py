"""Payments fixtures: partners registered through the onboarding service, a scripted partner stub, SQL counting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from tests.payments.stub_partner import StubPartner
from webview.extensions import db
from webview.partners.services import PartnerSpec, create_partner


@pytest.fixture
def stub() -> Iterator[StubPartner]:
    """A scripted partner HTTP server on loopback."""
    server = StubPartner()
    yield server
    server.stop()


def register_hmac_partner(base: str, *, code: str = "stub-wallet", handoff: str = "redirect"):
    """An active sandbox hmac partner whose partner-side URLs live under `base`; returns (partner, credentials)."""
    spec = PartnerSpec(
        code=code, name=f"{code} (test)", environment="sandbox", profile="hmac", handoff=handoff,
        admin_name="Ops", admin_email="ops@example.com",
        create_transaction_url=f"{base}/transactions", query_transaction_url=f"{base}/transactions/query",
        refund_url=f"{base}/refunds", payment_url=f"{base}/pay/",
        deeplink_template="sandboxpay://pay?transaction_id={transaction_id}&amount={amount}"
        if handoff == "deeplink" else None,
        bridge_function="window.SandboxBridge.openPayment" if handoff == "bridge" else None,
        return_hosts=("127.0.0.1",),
    )
    partner, issued = create_partner(spec)
    db.session.commit()
    return partner, issued


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
