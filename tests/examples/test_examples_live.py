"""The partner sample clients in examples/, run as separate processes against a live server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True,
                          timeout=60, check=False)


def assert_opens_once(url_open: str, base_url: str) -> None:
    assert url_open.startswith(base_url + "/w/launch?token=")
    first = requests.get(url_open, allow_redirects=False, timeout=10)
    assert first.status_code in (302, 303), first.status_code
    assert requests.get(url_open, allow_redirects=False, timeout=10).status_code == 410


def test_examples_do_not_import_the_project():
    for path in EXAMPLES.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "import webview" not in source and "from webview" not in source, path
        assert "import sandbox" not in source and "from sandbox" not in source, path


@pytest.mark.parametrize("partner", ["demo-redirect", "demo-deeplink", "demo-bridge"])
def test_hmac_launch_prints_url_open(demo_server, partner):
    result = run_example("hmac_launch.py", "--base-url", demo_server.url, "--demo", str(demo_server.credentials_file),
                         "--partner", partner, "--identify-code", "example-user", "--locale", "en")
    assert result.returncode == 0, result.stderr
    assert_opens_once(result.stdout.strip(), demo_server.url)


def test_hmac_launch_with_explicit_flags_and_a_wrong_secret(demo_server):
    entry = next(item for item in json.loads(demo_server.credentials_file.read_text())
                 if item["partner_code"] == "demo-redirect")
    good = run_example("hmac_launch.py", "--base-url", demo_server.url, "--client-id", entry["client_id"],
                       "--client-secret", entry["client_secret"], "--product", "vip")
    assert good.returncode == 0, good.stderr
    bad = run_example("hmac_launch.py", "--base-url", demo_server.url, "--client-id", entry["client_id"],
                      "--client-secret", "not-the-secret")
    assert bad.returncode == 1 and "code 7" in bad.stderr and bad.stdout == ""


@pytest.mark.parametrize("partner", ["demo-envelope", "demo-legacy"])
def test_envelope_login_prints_the_decrypted_redirect_url(demo_server, partner):
    result = run_example("envelope_login.py", "--base-url", demo_server.url, "--demo",
                         str(demo_server.credentials_file), "--partner", partner, "--user-id", "example-user")
    assert result.returncode == 0, result.stderr
    assert_opens_once(result.stdout.strip(), demo_server.url)


def test_envelope_login_with_key_files(demo_server, tmp_path):
    entry = next(item for item in json.loads(demo_server.credentials_file.read_text())
                 if item["partner_code"] == "demo-envelope")
    (tmp_path / "partner.pem").write_text(entry["partner_private_key_pem"])
    (tmp_path / "merchant.pem").write_text(entry["merchant_public_key_pem"])
    common = ["--base-url", demo_server.url, "--access-code", entry["access_code"], "--partner-key",
              str(tmp_path / "partner.pem"), "--merchant-key", str(tmp_path / "merchant.pem"), "--suite",
              entry["suite"], "--product", "hotel"]
    good = run_example("envelope_login.py", "--api-key", entry["api_key"], *common)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(demo_server.url + "/w/launch?token=")
    bad = run_example("envelope_login.py", "--api-key", "wrong-key", *common)
    assert bad.returncode == 1 and "error_code 03" in bad.stderr


def test_missing_credentials_is_a_usage_error():
    result = run_example("hmac_launch.py", "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 2 and "--client-id" in result.stderr
