"""The certification case runner for every preset style (and a wallet invented for the test), against a live app.

A demo hmac partner is switched to the style through the sandbox operator's control (the merchant stores the style,
the sandbox partner speaks it); then every case runs over real HTTP: the merchant's create/query/refund calls in the
style, the wallet's styled IPNs with the knobs, the lost IPN recovered by the merchant's styled query. A case the
style cannot express (a wallet that calls back on success only cannot decline) is reported not run, with why.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sandbox.cases.runner import run_cases
from sandbox.credentials import load_credentials
from sandbox.operator.styles import set_sandbox_style
from tests.live import LiveServer, clear_rows, start_live_server
from tests.sandbox.test_styles_protocol import ACME
from webview import create_app
from webview.demo import run_seed

LIVE_CONFIG = {"JOBS_EMBEDDED_WORKER": True, "JOBS_POLL_SECONDS": 0.2, "RESULT_SYNC_AFTER_SECONDS": 1}
PARTNER = "demo-redirect"
NOT_RUN = {"zalopay-like": {"decline-then-retry"}}  # its callback means SUCCESS: a decline is never reported


def acme_wallet() -> dict:
    """The invented wallet in full: form status-in with a header HMAC-SHA512, form calls, answers {"ok": true}."""
    call_signature = {"algorithm": "HMAC-SHA512", "placement": {"header": "X-Acme-Signature"}, "encoding": "base64",
                      "canonical": {"recipe": "ordered", "parts": [{"header": "X-Acme-Time"}, {"raw_body": True}],
                                    "separator": "\n"}}
    headers = {"X-Acme-Merchant": "{client_id}", "X-Acme-Time": "{timestamp}"}
    answer = {"code": "ok", "success": ["true"], "message": "error"}
    return {**ACME, "description": "A wallet invented for the test", "create": {
        "method": "POST", "transport": "form", "timestamp_format": "unix_s", "headers": headers,
        "body": {"order": "{reference}", "total": "{amount}", "title": "{description}", "notify": "{ipn_url}",
                 "back": "{return_url}", "until": "{expires_at}", "user": "{identify_code}"},
        "signature": call_signature,
        "answer": {**answer, "fields": {"transaction_id": "payment", "payment_url": "url"}}},
        "query": {"method": "POST", "transport": "form", "timestamp_format": "unix_s", "headers": headers,
                  "body": {"order": "{reference}"}, "signature": call_signature,
                  "answer": {**answer, "not_found": ["missing"], "fields": {
                      "transaction_id": "payment", "status": "state", "amount": "total"},
                      "status_values": {"SUCCESS": ["paid"], "FAILURE": ["failed"], "PENDING": ["waiting"]}}},
        "refund": {"method": "POST", "transport": "form", "timestamp_format": "unix_s", "headers": headers,
                   "body": {"payment": "{transaction_id}", "refund": "{request_id}", "total": "{amount}",
                            "why": "{reason}"}, "signature": call_signature, "answer": answer}}


@pytest.fixture(scope="module")
def server(base_config, _schema) -> Iterator[LiveServer]:
    """One live server for the module: demo partners and catalog seeded, the embedded jobs worker running."""
    live = start_live_server(lambda **config: create_app({**base_config, **LIVE_CONFIG, **config}))
    app = live.app
    with app.app_context():
        run_seed()
    worker = app.extensions["webview.start_embedded_worker"](app)
    yield live
    worker.worker.stop.set()
    worker.join(timeout=10)
    live.stop()
    clear_rows(app)


def switch(server: LiveServer, style: str) -> None:
    with server.app.app_context():
        source = json.dumps(acme_wallet()) if style == "acme-pay" else style
        set_sandbox_style(PARTNER, source)


@pytest.mark.parametrize("style", ["standard", "momo-like", "zalopay-like", "vnpay-like", "acme-pay"])
def test_every_case_passes_for_a_sandbox_partner_in_each_style(server, style):
    switch(server, style)
    with server.app.app_context():
        report = run_cases(server.url, load_credentials(PARTNER))
    failed = [(result.case_id, result.detail, result.evidence) for result in report.results
              if result.outcome == "failed"]
    assert not failed, failed
    not_run = {result.case_id for result in report.results if result.outcome == "not run"}
    assert not_run == NOT_RUN.get(style, set())
