"""A live server with the demo partners seeded, for running the sample clients against it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import live_server, live_server_factory  # noqa: F401  (fixtures)
from webview.demo import run_seed


@dataclass
class DemoServer:
    url: str
    credentials_file: Path
    routes: set[str]


@pytest.fixture
def demo_server(live_server_factory) -> DemoServer:  # noqa: F811
    """A live app on a free port with `flask demo seed` applied (instance/demo-partners.json written)."""
    server = live_server_factory()
    with server.app.app_context():
        run_seed()
    routes = {rule.rule for rule in server.app.url_map.iter_rules()}
    return DemoServer(server.url, Path(server.app.instance_path) / "demo-partners.json", routes)
