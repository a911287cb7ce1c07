"""A hosted sandbox (SANDBOX_TOKEN set) over real HTTP: loopback without the token is refused, and the case runner
(its test API calls and the operator panel) still works, carrying the configured token (issue 9 finding 8)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sandbox.cases.cli import run_cases_command
from tests.live import LiveServer, clear_rows, start_live_server
from webview import create_app
from webview.demo import run_seed

TOKEN = "hosted-sandbox-token-0123456789abcdef0123"


@pytest.fixture(scope="module")
def server(base_config, _schema) -> Iterator[LiveServer]:
    live = start_live_server(lambda **config: create_app({
        **base_config, "SANDBOX_TOKEN": TOKEN, "JOBS_EMBEDDED_WORKER": True, "JOBS_POLL_SECONDS": 0.2, **config}))
    app = live.app
    with app.app_context():
        run_seed()
    worker = app.extensions["webview.start_embedded_worker"](app)
    yield live
    worker.worker.stop.set()
    worker.join(timeout=10)
    live.stop()
    clear_rows(app)


def test_loopback_needs_the_token_once_one_is_set(server):
    refused = requests.get(f"{server.url}/sandbox/operator/", timeout=10)
    assert refused.status_code == 401
    api = requests.post(f"{server.url}/sandbox/api/launch", json={"partner_code": "demo-redirect"}, timeout=10)
    assert api.status_code == 401 and api.json()["error"]
    browser = requests.Session()
    opened = browser.get(f"{server.url}/sandbox/operator/?token={TOKEN}", timeout=10)
    assert opened.status_code == 200 and opened.url == f"{server.url}/sandbox/operator/"


def test_the_case_runner_carries_the_configured_token(server):
    result = server.app.test_cli_runner().invoke(run_cases_command, [
        "--partner", "demo-redirect", "--case", "hold-and-pay", "--case", "cancel"])
    assert result.exit_code == 0, result.output
    assert "PASSED   hold-and-pay" in result.output and "PASSED   cancel" in result.output
