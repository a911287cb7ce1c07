"""The test-case runner against a live app: passes for the demo partners, exports HTML/JSON, exits 1 on failure;
and (guard-off) fails when one of webview's guards is switched off."""

from __future__ import annotations

import json

import pytest
import requests

from sandbox.cases.cli import run_cases_command
from sandbox.cases.runner import run_cases
from sandbox.credentials import load_credentials
from webview.demo import run_seed


@pytest.fixture
def seeded(live_server_factory):
    def start(**config):
        server = live_server_factory(**config)
        with server.app.app_context():
            run_seed()
        return server
    return start


@pytest.mark.parametrize("partner_code", ["demo-redirect", "demo-bridge", "demo-envelope", "demo-legacy"])
def test_cases_pass_for_the_demo_partners(seeded, partner_code):
    server = seeded()
    with server.app.app_context():
        report = run_cases(server.url, load_credentials(partner_code))
    outcomes = {result.case_id: result.outcome for result in report.results}
    assert "failed" not in outcomes.values(), [r for r in report.results if r.outcome == "failed"]
    assert outcomes["launch-valid"] == outcomes["launch-bad-signature"] == "passed"
    assert all(result.evidence for result in report.results if result.outcome == "passed")


def test_cli_writes_reports_and_exits_1_on_failure(seeded, tmp_path):
    server = seeded()
    runner = server.app.test_cli_runner()
    html, data = tmp_path / "out.html", tmp_path / "out.json"
    result = runner.invoke(run_cases_command, ["--partner", "demo-redirect", "--report", str(html),
                                               "--json", str(data)])
    assert result.exit_code == 0, result.output
    assert 'data-outcome="passed"' in html.read_text() and json.loads(data.read_text())["counts"]["failed"] == 0
    unknown = runner.invoke(run_cases_command, ["--partner", "nobody"])
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    # a merchant that is not there: every automated case fails, and the exit status says so
    down = runner.invoke(run_cases_command, ["--partner", "demo-redirect", "--base-url", "http://127.0.0.1:9"])
    assert down.exit_code == 1 and "FAILED" in down.output


def test_cases_page_runs_and_exports(seeded):
    server = seeded()
    browser = requests.Session()
    page = browser.get(f"{server.url}/sandbox/cases/", timeout=10).text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    ran = browser.post(f"{server.url}/sandbox/cases/", timeout=60,
                       data={"csrf_token": token, "partner_code": "demo-deeplink"})
    assert ran.status_code == 200 and 'data-testid="cases-summary"' in ran.text
    assert 'data-outcome="failed"' not in ran.text
    exported = browser.post(f"{server.url}/sandbox/cases/", timeout=60,
                            data={"csrf_token": token, "partner_code": "demo-deeplink", "export": "json"})
    assert exported.headers["Content-Disposition"].endswith('.json"') and exported.json()["partner_code"] == \
        "demo-deeplink"


# Guard-off: webview must offer one config flag per guard (testing only) so the runner can be shown to catch a
# broken guard. Until they exist these are expected failures.
GUARDS = [
    ("TESTING_DISABLE_SIGNATURE_CHECK", "launch-bad-signature"),
    ("TESTING_DISABLE_REPLAY_STORE", "replay-refused"),
    ("TESTING_DISABLE_AMOUNT_CHECK", "wrong-amount"),
    ("TESTING_DISABLE_OWNERSHIP_CHECK", "result-fresh-webview"),
]


@pytest.mark.xfail(strict=False, reason="webview has no guard-off config flags yet (see the sandbox report)")
@pytest.mark.parametrize(("flag", "case_id"), GUARDS)
def test_runner_catches_a_guard_switched_off(seeded, flag, case_id):
    server = seeded(**{flag: True})
    with server.app.app_context():
        report = run_cases(server.url, load_credentials("demo-redirect"), {case_id})
    assert [result.outcome for result in report.results] == ["failed"]
