"""`make cluster`: honcho runs the Procfile's web nodes and job workers on PostgreSQL and Redis, migrations first;
`flask create-database` makes the database on a fresh server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.cluster.pg import database_exists, drop_database, own_database_url, own_redis_url, postgres_only
from tests.cluster.processes import kill_marked, marked, marked_pids, new_tag

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.slow, pytest.mark.postgres, postgres_only]


def flask(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_create_database_makes_the_database_once(tmp_path):
    url = own_database_url("create")
    drop_database(url)
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)}
    try:
        first = flask("create-database", env=env)
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip().endswith("created") and database_exists(url)
        again = flask("create-database", env=env)
        assert again.returncode == 0 and again.stdout.strip().endswith("exists")
    finally:
        drop_database(url)
    bad = flask("create-database", env={**env, "DATABASE_URL": url.rsplit("/", 1)[0] + "/bad;name"})
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr


def two_free_ports() -> int:
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
        if port > 65000:
            continue
        with socket.socket() as second:
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports in a row")


def test_make_cluster_runs_two_nodes_and_a_worker_until_stopped(tmp_path):
    url = own_database_url("make")
    drop_database(url)
    port = two_free_ports()
    log = tmp_path / "cluster.log"
    tag = new_tag()
    env = marked({**os.environ, "INSTANCE_PATH": str(tmp_path / "instance"), "CLUSTER_RUN_DIR": str(tmp_path / "run"),
                  "CATALOG_SEED_DAYS": "1", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "2",
                  "PYTHONUNBUFFERED": "1"}, tag)
    # -o install: the suite's install is done, and recompiling translations under running tests could race them
    args = ["make", "--no-print-directory", "-o", "install", "cluster", f"CLUSTER_PORT={port}", "CLUSTER_WEB=2",
            "CLUSTER_WORKERS=1", f"CLUSTER_DATABASE_URL={url}", f"CLUSTER_REDIS_URL={own_redis_url()}"]
    with open(log, "wb") as output:
        process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        for node in (port, port + 1):
            deadline = time.monotonic() + 120
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    answer = requests.get(f"http://127.0.0.1:{node}/readyz", timeout=2)
                    if answer.status_code == 200:
                        break
                except requests.RequestException:  # not listening yet, or still loading the app
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
            assert answer.json() == {"status": "ready", "database": "up", "redis": "up"}
            metrics = requests.get(f"http://127.0.0.1:{node}/metrics", timeout=5)
            assert metrics.status_code == 200 and "webview_jobs_queued" in metrics.text
            assert "webview_http_requests_total" in metrics.text  # multi-process counters of this node
        assert (tmp_path / "run" / f"metrics-{port}").is_dir()
        deadline = time.monotonic() + 30
        while "jobs worker: 1 thread(s)" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        text = log.read_text()
        assert "Running upgrade" in text or "db upgrade" in text
        os.killpg(process.pid, signal.SIGTERM)  # as Ctrl-C would: honcho stops every process
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while marked_pids(tag):  # honcho waits for its processes; gunicorn finishes gracefully
            assert time.monotonic() < deadline, "processes left after make cluster stopped"
            time.sleep(0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        kill_marked(tag, grace_s=10)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        drop_database(url)
    for node in (port, port + 1):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{node}/healthz", timeout=2)
