"""Issue 11 point 10: `flask sandbox run-cases --partner CODE` certifies ANY sandbox partner registered with
`flask partners create` on its own endpoints (here the Python sample's partner server on loopback): the merchant
drives the partner's create (and its repeat), query and refund endpoints and checks the answers with evidence; the
IPN case waits for the partner to pay and says what it waited for when it does not come."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.live import LiveServer, clear_rows, start_live_server
from webview import create_app
from webview.demo import run_seed
from webview.extensions import db
from webview.messagelog.models import PartnerMessage

ROOT = Path(__file__).resolve().parents[2]
LIVE_CONFIG = {"JOBS_EMBEDDED_WORKER": True, "JOBS_POLL_SECONDS": 0.2, "RESULT_SYNC_AFTER_SECONDS": 1}
SERIAL = count(1)


@pytest.fixture(scope="module")
def server(base_config, _schema) -> Iterator[LiveServer]:
    live = start_live_server(lambda **config: create_app({**base_config, **LIVE_CONFIG, **config}))
    with live.app.app_context():
        run_seed()
    worker = live.app.extensions["webview.start_embedded_worker"](live.app)
    yield live
    worker.worker.stop.set()
    worker.join(timeout=10)
    live.stop()
    clear_rows(live.app)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(server: LiveServer, *args: str):
    with server.app.app_context():
        return server.app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def own_partner(server) -> Iterator[dict]:
    """A freshly onboarded sandbox partner whose endpoints are the sample partner server's."""
    code, port = f"mywallet-{next(SERIAL)}", free_port()
    url = f"http://127.0.0.1:{port}"
    created = flask(server, "partners", "create", "--code", code, "--name", "My Wallet", "--environment", "sandbox",
                    "--profile", "hmac", "--handoff", "redirect", "--admin-name", "Kit Admin", "--admin-email",
                    f"{code}@example.com", "--admin-phone", "0912345678", "--create-transaction-url", f"{url}/txn",
                    "--query-transaction-url", f"{url}/txn/query", "--refund-url", f"{url}/refund",
                    "--payment-url", f"{url}/pay", "--json")
    assert created.exit_code == 0, created.output
    credentials = json.loads(created.output)
    process = subprocess.Popen([sys.executable, str(ROOT / "examples" / "partner.py"), "serve", "--port", str(port),
                                "--partner-code", code, "--client-id", credentials["client_id"],
                                "--client-secret", credentials["client_secret"], "--base-url", server.url],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    assert line.startswith("listening on "), (line, process.stderr.read() if process.poll() is not None else "")
    yield {"code": code, "url": url, "client_id": credentials["client_id"],
           "client_secret": credentials["client_secret"]}
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def merchant_has_queried(server: LiveServer, reference: str) -> bool:
    """Whether the runner has reached its query case for this order (so the user has seen the handoff)."""
    with server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(PartnerMessage).where(
            PartnerMessage.reference == reference, PartnerMessage.kind == "query-transaction")) > 0


def pay_when_created(partner: dict, server: LiveServer, stop: threading.Event) -> None:
    """The partner's user pays on the partner's page once the merchant created the payment and the customer saw
    the handoff (a real user cannot pay before; paying earlier would race the handoff page), then the partner
    sends the same IPN once more (with the sample's `ipn` command) and its user opens the signed result link."""
    base_url = server.url
    while not stop.is_set():
        transactions = requests.get(f"{partner['url']}/state", timeout=10).json()["transactions"]
        if transactions and merchant_has_queried(server, transactions[0]["reference_transaction_id"]):
            created = transactions[0]
            paid = requests.post(f"{partner['url']}/pay/{created['transaction_id']}/approve", timeout=30).json()
            subprocess.run([sys.executable, str(ROOT / "examples" / "partner.py"), "ipn", "--base-url", base_url,
                            "--client-id", partner["client_id"], "--client-secret", partner["client_secret"],
                            "--reference", created["reference_transaction_id"], "--amount", str(created["amount"]),
                            "--transaction-id", created["transaction_id"], "--status", "SUCCESS"],
                           capture_output=True, timeout=60, check=True)
            requests.get(paid["result_url"], timeout=30)
            return
        time.sleep(0.3)


def outcomes(report: dict) -> dict[str, str]:
    return {result["case_id"]: result["outcome"] for result in report["results"]}


def test_run_cases_certifies_a_partner_on_its_own_endpoints(server, own_partner, tmp_path):
    stop = threading.Event()
    payer = threading.Thread(target=pay_when_created, args=(own_partner, server, stop), daemon=True)
    payer.start()
    try:
        result = flask(server, "sandbox", "run-cases", "--partner", own_partner["code"], "--base-url", server.url,
                       "--wait", "30", "--json", str(tmp_path / "report.json"))
    finally:
        stop.set()
        payer.join(timeout=10)
    report = json.loads((tmp_path / "report.json").read_text())
    assert outcomes(report) == {"own-create": "passed", "own-create-repeat": "passed", "own-query": "passed",
                                "own-ipn": "passed", "own-duplicate-ipn": "passed", "own-result-link": "passed",
                                "own-refund": "passed"}, (result.output, report)
    assert result.exit_code == 0, result.output
    evidence = {item["case_id"]: "\n".join(item["evidence"]) for item in report["results"]}
    assert f"{own_partner['url']}/txn" in evidence["own-create"] and "→ HTTP 200 code 0" in evidence["own-create"]
    assert "/txn/query" in evidence["own-query"] and "/refund" in evidence["own-refund"]
    assert "inbound payment-ipn" in evidence["own-ipn"] and "inbound payment-ipn" in evidence["own-duplicate-ipn"]
    assert "result link" in evidence["own-result-link"]


def test_a_partner_that_never_pays_is_reported_as_waited_for(server, own_partner, tmp_path):
    result = flask(server, "sandbox", "run-cases", "--partner", own_partner["code"], "--base-url", server.url,
                   "--wait", "2", "--json", str(tmp_path / "report.json"))
    report = json.loads((tmp_path / "report.json").read_text())
    found = outcomes(report)
    assert found["own-create"] == found["own-create-repeat"] == found["own-query"] == "passed", report
    assert found["own-ipn"] == found["own-duplicate-ipn"] == found["own-refund"] == "not run"
    assert found["own-result-link"] == "not run"
    ipn = next(item for item in report["results"] if item["case_id"] == "own-ipn")
    assert "waiting for the partner's IPN for order" in ipn["detail"] and "timed out after 2 s" in ipn["detail"]
    assert result.exit_code == 0, result.output  # nothing failed


def test_an_unknown_partner_is_a_clear_error(server):
    result = flask(server, "sandbox", "run-cases", "--partner", "nobody-here")
    assert result.exit_code != 0 and "flask partners create" in result.output


def test_the_cases_page_offers_own_endpoint_partners(server, own_partner):
    page = requests.get(f"{server.url}/sandbox/cases/", timeout=10).text
    assert f'value="{own_partner["code"]}"' in page and "own endpoints" in page
