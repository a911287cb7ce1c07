"""The production server: gunicorn.conf.py's defaults from the environment, its access log without query strings
(launch tokens and signatures travel in query strings), and ProxyFix from PROXY_FIX_X_* behind one proxy."""

from __future__ import annotations

import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from webview.config import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONF = PROJECT_ROOT / "gunicorn.conf.py"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TOKEN = "e6eBR_FkHCtRnoCNPADxko_gy7Yhf3p_Ffyw"
SIG = "06c5f02be2033615034a11dcb983673b6cc92838be71f6ed632bc0b1695c5559"


def load_conf(monkeypatch, **env: str) -> dict:
    for name in list(os.environ):
        if name.startswith(("GUNICORN_", "PROXY_FIX_")) or name == "FORWARDED_ALLOW_IPS":
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_come_from_cores_and_the_environment(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    conf = load_conf(monkeypatch)
    assert conf["worker_class"] == "gthread"
    assert conf["workers"] == 5 and conf["threads"] == 4
    assert conf["timeout"] == 30 and conf["graceful_timeout"] == 30 and conf["keepalive"] == 5
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert "%(U)s" in conf["access_log_format"]
    for atom in ("%(r)s", "%(q)s", "%(f)s"):  # request line and query carry tokens; so may the referer
        assert atom not in conf["access_log_format"]
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert load_conf(monkeypatch)["workers"] == 8  # capped: every worker holds database connections


def test_the_environment_overrides_and_bad_values_stop_in_one_line(monkeypatch):
    conf = load_conf(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="8", GUNICORN_TIMEOUT="60",
                     GUNICORN_GRACEFUL_TIMEOUT="20", GUNICORN_BIND="127.0.0.1:9001",
                     FORWARDED_ALLOW_IPS="10.0.0.1")
    assert (conf["workers"], conf["threads"], conf["timeout"], conf["graceful_timeout"]) == (3, 8, 60, 20)
    assert conf["bind"] == ["127.0.0.1:9001"] and conf["forwarded_allow_ips"] == "10.0.0.1"
    with pytest.raises(ConfigError, match="GUNICORN_WORKERS must be a whole number"):
        load_conf(monkeypatch, GUNICORN_WORKERS="many")
    with pytest.raises(ConfigError, match="GUNICORN_THREADS must be at least 1"):
        load_conf(monkeypatch, GUNICORN_THREADS="0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_and_its_access_log_keeps_no_query_string(tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}", "SECRET_KEY": "test-secret-key",
           "MASTER_KEY": "test-master-key", "SANDBOX_ENABLED": "0", "GUNICORN_WORKERS": "1",
           "GUNICORN_THREADS": "2", "PYTHONUNBUFFERED": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([GUNICORN, "-c", str(CONF), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                                   cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, log.read_text()
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
        assert requests.get(f"{base}/healthz?token={TOKEN}", timeout=5).status_code == 200
        requests.get(f"{base}/w/result?partner_code=x&sig={SIG}", timeout=5, allow_redirects=False,
                     headers={"Referer": f"{base}/w/launch?token={TOKEN}"})
        process.send_signal(signal.SIGTERM)  # graceful: the master waits for its workers, then exits 0
        assert process.wait(timeout=40) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert "/healthz" in text and "/w/result" in text, text
    assert TOKEN not in text and SIG not in text, text


@pytest.mark.parametrize(("hops", "expected_address", "expected_scheme"), [
    (0, "127.0.0.1", "http"),
    (1, "203.0.113.9", "https"),
])
def test_proxy_fix_trusts_the_configured_number_of_proxies(make_app, hops, expected_address, expected_scheme):
    app = make_app(PROXY_FIX_X_FOR=hops, PROXY_FIX_X_PROTO=hops)
    seen = {}

    @app.get("/_test/whoami")
    def whoami():
        from flask import request

        seen.update(address=request.remote_addr, scheme=request.scheme)
        return "ok"

    app.test_client().get("/_test/whoami", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                          headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"address": expected_address, "scheme": expected_scheme}
