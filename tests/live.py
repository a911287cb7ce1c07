"""A live server for tests that need real HTTP (sample clients, the sandbox calling the partner API, browsers).

Import the fixtures into a conftest.py:  `from tests.live import live_server, live_server_factory  # noqa: F401`.
The app is served by werkzeug on 127.0.0.1:<free port> in a thread (threaded=True), with PUBLIC_BASE_URL
pointing at it, on the same test database as the `app` fixture (rows are deleted after the test as usual).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


class _DeferredApp:
    """A WSGI callable bound to its Flask app after the server socket (and so the port) exists."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def __call__(self, environ, start_response):
        assert self.app is not None, "live server app not bound yet"
        return self.app(environ, start_response)


@dataclass
class LiveServer:
    """A running server: its base URL (no trailing slash) and the Flask app it serves."""

    url: str
    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def start_live_server(make_app: Callable[..., Flask], **config) -> LiveServer:
    """Bind a free loopback port, build the app for it with make_app(**config), serve it in a daemon thread."""
    deferred = _DeferredApp()
    server = make_server("127.0.0.1", 0, deferred, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    deferred.app = make_app(**{"PUBLIC_BASE_URL": url, **config})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name=f"live-server-{server.server_port}")
    thread.start()
    return LiveServer(url, deferred.app, server, thread)


def clear_rows(app: Flask) -> None:
    """Delete every test row (the tables in tests.conftest.KEPT_TABLES survive) and close the app's pool."""
    from sqlalchemy import delete

    from tests.conftest import KEPT_TABLES
    from webview.extensions import db

    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                db.session.execute(delete(table))
        db.session.commit()
        db.engine.dispose()


@contextmanager
def seeded_live_server(base_config: dict, catalog_days: int | None = None, **config) -> Iterator[LiveServer]:
    """A module-long live server with the demo partners (and `catalog_days` of catalog) seeded; rows cleared after."""
    from webview import create_app
    from webview.catalog.generator import generate_catalog
    from webview.demo import run_seed
    from webview.extensions import db

    server = start_live_server(lambda **overrides: create_app({**base_config, **overrides}), **config)
    with server.app.app_context():
        run_seed()
        if catalog_days is not None:
            generate_catalog(catalog_days)
            db.session.commit()
    try:
        yield server
    finally:
        server.stop()
        clear_rows(server.app)


@pytest.fixture
def live_server_factory(make_app) -> Iterator[Callable[..., LiveServer]]:
    """Start live servers with config overrides; all are stopped after the test."""
    servers: list[LiveServer] = []

    def factory(**config) -> LiveServer:
        server = start_live_server(make_app, **config)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(live_server_factory) -> str:
    """The base URL of a live server running the default test app."""
    return live_server_factory().url
