"""The pytest plugin exactly as an outside suite uses it: the example of docs/sandbox.md, in its own directory,
run by a separate `pytest -p sandbox.pytest_plugin` (its own live webview, fresh SQLite database, seeded demo)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- plugin-example -->"


def docs_example() -> str:
    """The python block that follows the plugin-example marker in docs/sandbox.md."""
    text = (ROOT / "docs" / "sandbox.md").read_text(encoding="utf-8")
    block = text.split(MARKER, 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "def test_" in block
    return block


def run_outside_suite(directory: Path, source: str, *args: str) -> subprocess.CompletedProcess:
    (directory / "test_outside.py").write_text(source, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)  # an outside suite knows nothing of ours; the plugin makes its own database
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "sandbox.pytest_plugin", "-p", "no:cacheprovider", "-q",
         "-W", "error", "test_outside.py", *args],
        cwd=directory, env=env, capture_output=True, text=True, timeout=240, check=False)


def test_the_documented_example_passes_as_an_outside_suite(tmp_path):
    result = run_outside_suite(tmp_path, docs_example())
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


def test_an_outside_suite_sees_a_failure(tmp_path):
    failing = '''
def test_a_refund_above_the_amount_is_refused(webview_user, sandbox_api):
    user = webview_user("demo-redirect")
    user.open_webview()
    reference, amount = user.hold_vip()
    sandbox_api.approve(user.checkout(reference).transaction_id, faults={})
    user.wait_issued(reference)
    sandbox_api.refund(reference, amount + 1)  # refused: SandboxApiError fails this test
'''
    result = run_outside_suite(tmp_path, failing)
    assert result.returncode == 1, result.stdout[-4000:]
    assert "SandboxApiError" in result.stdout and "HTTP 409" in result.stdout


def test_an_outside_suite_can_target_a_running_webview(tmp_path):
    """--webview-url: the same example against a webview someone else started (here: start_webview)."""
    from sandbox.pytest_plugin import start_webview

    live = start_webview(tmp_path / "running")
    try:
        suite = tmp_path / "suite"
        suite.mkdir()
        result = run_outside_suite(suite, docs_example(), "--webview-url", live.url)
    finally:
        live.stop()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
