"""Screen fixtures: a themed partner, a customer with a live launch session, a small demo catalog, SQL counting."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from webview.catalog.generator import generate_catalog, local_today
from webview.db import utcnow
from webview.extensions import db
from webview.launch.models import LaunchSession
from webview.launch.sessions import SESSION_KEY
from webview.partners.models import Customer, Partner

CATALOG_DAYS = 4
THEME = {
    "bg_color": "#fff8fb", "text_color": "#3b0a24", "button_color": "#c2185b", "button_text_color": "#ffffff",
    "link_color": "#ad1457", "radius": 18,
    "dark": {"bg_color": "#25101a", "text_color": "#fde7f0", "button_color": "#f48fb1", "button_text_color": "#3b0a24"},
}


@pytest.fixture
def catalog(app) -> date:
    """A few days of the deterministic catalog; returns the first bookable day (tomorrow in GMT+7)."""
    generate_catalog(CATALOG_DAYS)
    return local_today() + timedelta(days=1)


def make_partner(code: str = "screens", theme: dict | None = None) -> Partner:
    """An active partner row (no API credentials needed by the screens)."""
    partner = Partner(code=code, name=f"{code.title()} Wallet", status="active", client_id=f"cid-{code}",
                      client_secret_sealed="sealed", api_key_hash=code.ljust(64, "0"), access_code=f"ac-{code}",
                      theme=THEME if theme is None else theme)
    db.session.add(partner)
    db.session.flush()
    return partner


def make_launch(partner: Partner, identify_code: str = "user-1", *, product: str = "flight", layout: str = "dual",
                locale: str = "vi", theme_override: dict | None = None, ttl: timedelta = timedelta(hours=1)
                ) -> LaunchSession:
    """A customer of the partner and a live launch session for them (committed)."""
    customer = db.session.query(Customer).filter_by(partner_id=partner.id, identify_code=identify_code).first()
    if customer is None:
        customer = Customer(partner_id=partner.id, identify_code=identify_code, fullname="Nguyễn Văn An",
                            phone="0912345678", email=f"{identify_code}@example.com")
        db.session.add(customer)
        db.session.flush()
    launch = LaunchSession(id=f"sess-{partner.code}-{identify_code}-{product}-{layout}-{locale}",
                           partner_id=partner.id, customer_id=customer.id, product=product, layout=layout,
                           locale=locale, theme_override=theme_override or {}, expires_at=utcnow() + ttl)
    db.session.add(launch)
    db.session.commit()
    return launch


def sign_in(client: FlaskClient, launch: LaunchSession) -> FlaskClient:
    """Point the client's session cookie at a launch session."""
    with client.session_transaction() as session:
        session[SESSION_KEY] = launch.id
    return client


@pytest.fixture
def partner(app) -> Partner:
    return make_partner()


@pytest.fixture
def screen(app, partner, catalog) -> Callable[..., FlaskClient]:
    """A client signed in to a fresh launch session: screen(product=..., layout=..., locale=..., user=...)."""

    def factory(user: str = "user-1", **launch_args) -> FlaskClient:
        return sign_in(app.test_client(), make_launch(partner, user, **launch_args))

    return factory


@pytest.fixture
def user(screen) -> FlaskClient:
    """A Vietnamese-speaking customer in the dual layout, launched on flights."""
    return screen()


@dataclass
class StatementCounter:
    """SQL statements seen by the engine while `counting` is on."""

    statements: list[str] = field(default_factory=list)
    counting: bool = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if self.counting:
            self.statements.append(statement)

    def count(self, call: Callable[[], object]) -> int:
        """Run `call` and return how many statements it sent."""
        self.statements.clear()
        self.counting = True
        try:
            call()
        finally:
            self.counting = False
        return len(self.statements)


@pytest.fixture
def sql_counter(app) -> Iterator[StatementCounter]:
    """Counts statements through a before_cursor_execute listener on the app's engine."""
    counter = StatementCounter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)
