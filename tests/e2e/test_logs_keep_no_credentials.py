"""Issue 9, finding 12: a full journey writes no credential to any log line.

A live server (real HTTP, werkzeug's access log, the jobs worker) runs the sandbox's certification journeys for
an hmac and an envelope demo partner: launch, hold and pay (wallet PIN), the IPN or commit, and the result link
opened in a fresh webview. Every log record of the process is captured (root logger at DEBUG, werkzeug and
urllib3 included), and so is every credential that crossed the wire (launch tokens, result-link and request
signatures, sealed envelopes); none of them, no demo partner secret and not the PIN may appear in the logs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest

from sandbox.cases.runner import run_cases
from sandbox.credentials import load_credentials
from tests.live import LiveServer, clear_rows, start_live_server
from webview import create_app
from webview.demo import run_seed

PARTNERS = ("demo-redirect", "demo-envelope")
CASES = {"launch-valid", "hold-and-pay", "result-fresh-webview"}
WIRE_SECRETS = {"token", "sig", "signature", "key", "data", "access_code", "apikey"}
SECRET_HEADERS = ("X-Signature", "apikey", "x-ibe-req-name")
PIN = "123456"
LIVE_CONFIG = {"JOBS_EMBEDDED_WORKER": True, "JOBS_POLL_SECONDS": 0.2, "RESULT_SYNC_AFTER_SECONDS": 1}


class Capture(logging.Handler):
    """Keeps every formatted record."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class WireRecorder:
    """WSGI middleware: notes every credential value a request carried (query, headers, form body)."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app
        self.values: set[str] = set()

    def __call__(self, environ, start_response):
        for name, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
            if name.lower() in WIRE_SECRETS and len(value) >= 16:
                self.values.add(value)
        for header in SECRET_HEADERS:
            value = environ.get("HTTP_" + header.upper().replace("-", "_"), "")
            if len(value) >= 16:
                self.values.add(value)
        return self.wsgi_app(environ, start_response)


@pytest.fixture(scope="module")
def server(base_config, _schema) -> Iterator[tuple[LiveServer, WireRecorder]]:
    live = start_live_server(lambda **config: create_app({**base_config, **LIVE_CONFIG, **config}))
    recorder = WireRecorder(live.app.wsgi_app)
    live.app.wsgi_app = recorder
    with live.app.app_context():
        run_seed()
    worker = live.app.extensions["webview.start_embedded_worker"](live.app)
    yield live, recorder
    worker.worker.stop.set()
    worker.join(timeout=10)
    live.stop()
    clear_rows(live.app)


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    root, werkzeug = logging.getLogger(), logging.getLogger("werkzeug")
    levels = (root.level, werkzeug.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    werkzeug.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(levels[0])
    werkzeug.setLevel(levels[1])


def test_a_full_journey_of_both_profiles_logs_no_credential(server, captured):
    live, recorder = server
    with live.app.app_context():
        partners = [load_credentials(code) for code in PARTNERS]
        for partner in partners:
            report = run_cases(live.url, partner, CASES)
            failed = [(r.case_id, r.detail) for r in report.results if r.outcome != "passed"]
            assert not failed, failed
        demo = [load_credentials(code) for code in ("demo-redirect", "demo-deeplink", "demo-bridge",
                                                    "demo-envelope", "demo-legacy")]
    text = "\n".join(captured.lines)
    assert "GET /w/launch" in text and "GET /w/result" in text  # the access log was captured
    assert len(captured.lines) > 100
    secrets = {value for partner in demo for value in (partner.client_secret, partner.api_key,
                                                       partner.access_code)}
    secrets |= {live.app.config["SECRET_KEY"], live.app.config["MASTER_KEY"]}
    wire = set(recorder.values)
    assert any(len(value) > 30 for value in wire)  # tokens, signatures and envelopes were recorded
    leaked = sorted(value for value in secrets | wire if value in text)
    assert not leaked, [line for line in captured.lines if any(value in line for value in leaked)][:5]
    assert not re.search(rf"(?<![0-9]){PIN}(?![0-9])", text), [line for line in captured.lines if PIN in line][:5]
