"""Shared fixtures: an app on a fresh database (SQLite by default, DATABASE_URL for PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete

from webview import create_app
from webview.extensions import db

# Tables whose rows survive between tests because they are expensive to make and never asserted on.
KEPT_TABLES = {"merchant_key"}


def database_url(tmp_root: Path) -> str:
    """PostgreSQL when DATABASE_URL says so (the CI pass), otherwise a SQLite file for this run.

    Under pytest-xdist each PostgreSQL worker gets its own fresh database (`<name>_<worker>`), created here.
    """
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgres"):
        return url
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def test_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("webview")


@pytest.fixture(scope="session")
def base_config(test_root: Path) -> dict:
    """The config every test app starts from."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url(test_root),
        "INSTANCE_PATH": str(test_root / "instance"),
        "SECRET_KEY": "test-secret-key",
        "MASTER_KEY": "test-master-key",
        "SANDBOX_ENABLED": True,
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "RATELIMIT_ENABLED": False,
        "JOBS_EMBEDDED_WORKER": False,
        "CATALOG_SEED_DAYS": 14,  # enough for every journey; the full 60 days cost seconds per seed
    }


@pytest.fixture(scope="session")
def _schema(base_config):
    """Create the schema once per run on an empty database."""
    app = create_app(base_config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(base_config, _schema):
    """Factory for an app with config overrides; rows are deleted after the test."""
    apps = []

    def factory(**overrides):
        # Rate-limit counters of a shared storage (Redis in CI) are this app's own: no count survives into a later
        # run or leaks between tests and xdist workers.
        overrides.setdefault("RATELIMIT_KEY_PREFIX", f"test-{uuid.uuid4().hex}")
        app = create_app({**base_config, **overrides})
        apps.append(app)
        return app

    yield factory
    for app in apps[:1]:
        with app.app_context():
            db.session.remove()
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in KEPT_TABLES:
                    db.session.execute(delete(table))
            db.session.commit()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The application, with an app context pushed for the test."""
    application = make_app()
    with application.app_context():
        yield application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's chromium where it exists, Playwright's own browser elsewhere."""
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    if CHROMIUM.exists():
        args["executable_path"] = str(CHROMIUM)
    return args


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots and reports that CI keeps (test-artifacts/, git-ignored)."""
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
