"""pytest plugin for outside test suites: a live webview with the sandbox, and helpers over the sandbox test API.

Use it from any suite that can import webview:  `pytest -p sandbox.pytest_plugin`  (or
`pytest_plugins = ["sandbox.pytest_plugin"]` in a conftest.py). Fixtures:

* `webview_live` (session): a live server on a free loopback port, a fresh SQLite database in a temporary
  directory, the demo partners and catalog seeded, the jobs worker running in-process — `make run` in a box.
  With `--webview-url URL` (and `--sandbox-token TOKEN` off loopback) the suite targets a running server instead.
* `sandbox_api`: `launch(partner_code, identify_code, **fields)`, `approve(transaction_id, faults=None)`,
  `decline`, `pend`, `cancel`, `refund(reference, amount)`, `mail(to)`, `messages(reference)`, `transaction(ref)`.
* `webview_user(partner_code, identify_code=None)`: a customer's webview over plain HTTP (sandbox.cases.webview_user).
* `webview_live_config` (session): override it to change the live app's config.

docs/sandbox.md shows an example test.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from sandbox.cases.client import SandboxApi
from sandbox.cases.webview_user import WebviewUser


@dataclass
class LiveWebview:
    """A running webview: its base URL, the test API client, and (when started here) the app and server."""

    url: str
    sandbox: SandboxApi
    app: Flask | None = None
    _stops: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def user(self, partner_code: str, identify_code: str | None = None) -> WebviewUser:
        """A customer of a demo partner with a fresh webview (own cookies); a random user id by default."""
        return WebviewUser(self.url, self.sandbox, partner_code, identify_code or f"qa-{secrets.token_hex(4)}")

    def stop(self) -> None:
        """Stop the worker and the server (nothing to do for a server started elsewhere)."""
        for stop in reversed(self._stops):
            stop()
        self._stops.clear()


class _LateBoundApp:
    """The WSGI callable, bound once the port (and so PUBLIC_BASE_URL) is known."""

    app: Flask | None = None

    def __call__(self, environ, start_response):
        if self.app is None:
            raise RuntimeError("the live webview is still starting")
        return self.app(environ, start_response)


def start_webview(directory: Path, **config: object) -> LiveWebview:
    """Create a fresh SQLite database under `directory`, seed the demo, serve on 127.0.0.1:<free port>."""
    from webview import create_app
    from webview.demo import run_seed
    from webview.extensions import db

    directory.mkdir(parents=True, exist_ok=True)
    late = _LateBoundApp()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = {
        "TESTING": True, "APP_ENV": "development", "SANDBOX_ENABLED": True, "PUBLIC_BASE_URL": url,
        "DATABASE_URL": f"sqlite:///{directory / 'webview.db'}", "INSTANCE_PATH": str(directory / "instance"),
        "SECRET_KEY": secrets.token_urlsafe(32), "MASTER_KEY": secrets.token_urlsafe(32),
        "JOBS_EMBEDDED_WORKER": True, "JOBS_POLL_SECONDS": 0.2, "CATALOG_SEED_DAYS": 14,
        **config,
    }
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        run_seed()
    late.app = app
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name=f"webview-live-{server.server_port}")
    thread.start()
    live = LiveWebview(url, SandboxApi(url), app)

    def stop_server() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    live._stops.append(stop_server)
    start_worker = app.extensions.get("webview.start_embedded_worker")
    worker = start_worker(app) if start_worker is not None and settings["JOBS_EMBEDDED_WORKER"] else None
    if worker is not None:
        def stop_worker() -> None:
            worker.worker.stop.set()
            worker.join(timeout=10)
        live._stops.append(stop_worker)
    return live


def pytest_addoption(parser: pytest.Parser) -> None:
    """--webview-url / --sandbox-token: run against a webview that is already running."""
    group = parser.getgroup("webview sandbox")
    group.addoption("--webview-url", default=None,
                    help="Use this running webview (sandbox on) instead of starting one.")
    group.addoption("--sandbox-token", default=None, help="SANDBOX_TOKEN of a sandbox that is not on loopback.")


@pytest.fixture(scope="session")
def webview_live_config() -> dict:
    """Config overrides for the live webview the plugin starts (override this fixture in a conftest.py)."""
    return {}


@pytest.fixture(scope="session")
def webview_live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 webview_live_config: dict) -> Iterator[LiveWebview]:
    """A live webview with the sandbox for the whole run (started here, or the one at --webview-url)."""
    url = request.config.getoption("--webview-url")
    if url:
        yield LiveWebview(url.rstrip("/"), SandboxApi(url, request.config.getoption("--sandbox-token")))
        return
    live = start_webview(tmp_path_factory.mktemp("webview-live"), **webview_live_config)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def sandbox_api(webview_live: LiveWebview) -> SandboxApi:
    """The sandbox test API of the live webview (launch, approve/decline/pend, refund, mail, messages)."""
    return webview_live.sandbox


@pytest.fixture
def webview_user(webview_live: LiveWebview) -> Callable[..., WebviewUser]:
    """Factory: webview_user(partner_code, identify_code=None) → a customer with a fresh webview."""
    return webview_live.user
