"""The certification case runner against a live app (the suite's database, the jobs worker running): every case
passes for the demo partners, reports export as HTML and JSON, the CLI exits 1 on failure; and, with one guard of
webview switched off at a time, the matching case fails (the runner can fail)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from sandbox.cases.cli import run_cases_command
from sandbox.cases.runner import CASES, run_cases
from sandbox.credentials import load_credentials
from tests.live import LiveServer, clear_rows, start_live_server
from webview import create_app
from webview.demo import run_seed

NOT_RUN = {
    "demo-redirect": set(), "demo-bridge": set(),
    "demo-envelope": {"decline-then-retry", "lost-ipn-query", "wrong-amount"},
    "demo-legacy": {"decline-then-retry", "lost-ipn-query", "wrong-amount", "replay-refused"},  # no replay window
}
LIVE_CONFIG = {"JOBS_EMBEDDED_WORKER": True, "JOBS_POLL_SECONDS": 0.2, "RESULT_SYNC_AFTER_SECONDS": 1}


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


def run_for(server: LiveServer, partner_code: str, only: set[str] | None = None):
    with server.app.app_context():
        return run_cases(server.url, load_credentials(partner_code), only)


def failures(report) -> list[tuple[str, str, list[str]]]:
    return [(result.case_id, result.detail, result.evidence) for result in report.results
            if result.outcome == "failed"]


@pytest.mark.parametrize("partner_code", ["demo-redirect", "demo-bridge", "demo-envelope", "demo-legacy"])
def test_every_case_passes_for_the_demo_partners(server, partner_code):
    report = run_for(server, partner_code)
    assert not failures(report), failures(report)
    outcomes = {result.case_id: result.outcome for result in report.results}
    assert set(outcomes) == {case.case_id for case in CASES}
    not_run = {case_id for case_id, outcome in outcomes.items() if outcome == "not run"}
    assert not_run == NOT_RUN[partner_code]
    for result in report.results:
        if result.outcome == "not run":
            assert result.detail.startswith(("hmac partners only", "the legacy envelope suite")), result.detail
            continue
        assert result.evidence, result.case_id
    booking_cases = [result for result in report.results if result.outcome == "passed"
                     and result.case_id not in {"launch-valid", "launch-bad-signature", "launch-token-reused",
                                                "replay-refused", "release-hold", "reconciliation-file"}]
    assert len(booking_cases) >= 6
    for result in booking_cases:  # each paid case carries the logged exchanges of the orders it made
        assert any(line.startswith("exchange ") for line in result.evidence), result.case_id


def test_cli_writes_reports_and_exits_1_on_failure(server, tmp_path):
    runner = server.app.test_cli_runner()
    html, data = tmp_path / "out.html", tmp_path / "out.json"
    result = runner.invoke(run_cases_command, ["--partner", "demo-deeplink", "--report", str(html), "--json",
                                               str(data), "--case", "hold-and-pay", "--case", "launch-valid"])
    assert result.exit_code == 0, result.output
    assert "PASSED   hold-and-pay" in result.output
    report = json.loads(data.read_text())
    assert report["counts"] == {"passed": 2, "failed": 0, "not run": 0}
    assert 'data-case="hold-and-pay" data-outcome="passed"' in html.read_text()
    unknown = runner.invoke(run_cases_command, ["--partner", "nobody"])
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    # a merchant that is not there: every case fails, and the exit status says so
    down = runner.invoke(run_cases_command, ["--partner", "demo-redirect", "--base-url", "http://127.0.0.1:9",
                                             "--case", "hold-and-pay"])
    assert down.exit_code == 1 and "FAILED   hold-and-pay" in down.output


def test_cases_page_runs_and_exports(server):
    browser = requests.Session()
    page = browser.get(f"{server.url}/sandbox/cases/", timeout=10).text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    ran = browser.post(f"{server.url}/sandbox/cases/", timeout=120,
                       data={"csrf_token": token, "partner_code": "demo-deeplink"})
    assert ran.status_code == 200 and 'data-testid="cases-summary"' in ran.text
    assert 'data-outcome="failed"' not in ran.text and 'data-outcome="not run"' not in ran.text
    assert ran.text.count('data-outcome="passed"') == len(CASES)
    exported = browser.post(f"{server.url}/sandbox/cases/", timeout=120,
                            data={"csrf_token": token, "partner_code": "demo-envelope", "export": "json"})
    assert exported.headers["Content-Disposition"].endswith('.json"')
    report = exported.json()
    assert report["partner_code"] == "demo-envelope" and report["counts"]["failed"] == 0


# Guard-off: webview honours one TESTING_DISABLE_* switch per guard (TESTING outside production only); with the
# switch on, the case that checks that guard must fail, and with it off again it passes.
GUARDS = [
    ("TESTING_DISABLE_SIGNATURE_CHECK", "launch-bad-signature"),
    ("TESTING_DISABLE_REPLAY_STORE", "replay-refused"),
    ("TESTING_DISABLE_AMOUNT_CHECK", "wrong-amount"),
    ("TESTING_DISABLE_OWNERSHIP_CHECK", "result-fresh-webview"),
]


@pytest.mark.parametrize(("flag", "case_id"), GUARDS)
def test_runner_catches_a_guard_switched_off(server, flag, case_id):
    server.app.config[flag] = True
    try:
        broken = run_for(server, "demo-redirect", {case_id})
    finally:
        server.app.config.pop(flag)
    assert [result.outcome for result in broken.results] == ["failed"], broken.results
    assert broken.results[0].evidence  # the failure comes with what was seen
    whole = run_for(server, "demo-redirect", {case_id})
    assert [result.outcome for result in whole.results] == ["passed"], failures(whole)


@pytest.mark.parametrize("outside", [{"TESTING": False}, {"APP_ENV": "production"}])
def test_a_guard_switch_is_ignored_outside_testing(server, outside):
    saved = {name: server.app.config[name] for name in outside}
    server.app.config.update(TESTING_DISABLE_SIGNATURE_CHECK=True, **outside)
    try:
        report = run_for(server, "demo-redirect", {"launch-bad-signature"})
    finally:
        server.app.config.update(saved)
        server.app.config.pop("TESTING_DISABLE_SIGNATURE_CHECK")
    assert [result.outcome for result in report.results] == ["passed"], failures(report)
