"""Real `flask jobs worker` processes on one queue: graceful stop, no double runs, lease takeover, 1,000 jobs.

The multi-worker tests need PostgreSQL (FOR UPDATE SKIP LOCKED); they run in the CI PostgreSQL pass.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.jobs import handlers
from webview.extensions import db
from webview.jobs import Job, enqueue

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
IS_POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith("postgres")
postgres_only = pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")


class Workers:
    """Start and stop `flask jobs worker` processes against the test database."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []

    def start(self, *, lease: float = 30, concurrency: int = 1) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "test-secret-key",
            "MASTER_KEY": "test-master-key",
            "SANDBOX_ENABLED": "0",
            "JOBS_EMBEDDED_WORKER": "0",
            "JOBS_EXTRA_MODULES": "tests.jobs.handlers",
            "JOBS_LEASE_SECONDS": str(lease),
            "JOBS_BACKOFF_BASE_SECONDS": "0.1",
            "PYTHONUNBUFFERED": "1",
        }
        log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115 (kept for the process)
        process = subprocess.Popen(
            [FLASK, "--app", "wsgi", "jobs", "worker", "--poll", "0.05", "--concurrency", str(concurrency)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp_path.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(app, base_config, tmp_path, effects):
    pool = Workers(base_config["DATABASE_URL"], tmp_path)
    yield pool
    pool.stop_all()


def wait_for(predicate, timeout: float, what: str, workers: Workers | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}" + (f"\n{workers.output()}" if workers else ""))


def log_lines(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split() for line in path.read_text().splitlines() if line.strip()]


def effect_count() -> int:
    return db.session.execute(text("SELECT COUNT(*) FROM test_job_effect")).scalar_one()


def test_worker_stops_gracefully_after_the_job_in_hand(workers, tmp_path):
    log = tmp_path / "runs.log"
    enqueue("test.record", {"sleep": 1.0, "log": str(log)}, key="graceful")
    db.session.commit()
    process = workers.start()
    wait_for(lambda: any(line[0] == "start" for line in log_lines(log)), 30, "the job to start", workers)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0, workers.output()
    db.session.rollback()
    assert db.session.scalar(select(Job.state).where(Job.key == "graceful")) == "done"
    assert effect_count() == 1
    assert "SIGTERM received" in workers.output()


@pytest.mark.postgres
@postgres_only
def test_two_workers_never_run_a_job_twice_at_once(workers, tmp_path):
    log = tmp_path / "runs.log"
    for n in range(150):
        enqueue("test.record", {"sleep": 0.02, "log": str(log)}, key=f"pair-{n}")
    db.session.commit()
    first, second = workers.start(), workers.start()
    wait_for(lambda: effect_count() == 150, 90, "150 effects", workers)
    lines = log_lines(tmp_path / "runs.log")
    starts = Counter(line[1] for line in lines if line[0] == "start")
    assert len(starts) == 150 and set(starts.values()) == {1}, "a job was started twice"
    pids = {line[2] for line in lines}
    assert pids == {str(first.pid), str(second.pid)}, "both workers should have taken jobs"
    rows = db.session.execute(text("SELECT job_key, COUNT(*) FROM test_job_effect GROUP BY job_key")).all()
    assert len(rows) == 150 and {count for _, count in rows} == {1}


@pytest.mark.postgres
@postgres_only
def test_a_killed_workers_job_is_finished_by_the_other_after_the_lease(workers, tmp_path):
    lease = 3.0
    log = tmp_path / "runs.log"
    job = enqueue("test.record", {"sleep": 1.5, "log": str(log)}, key="orphan")
    db.session.commit()
    first, second = workers.start(lease=lease), workers.start(lease=lease)
    by_pid = {str(first.pid): first, str(second.pid): second}
    started = wait_for(lambda: [line for line in log_lines(log) if line[0] == "start"], 30, "the job", workers)
    victim_pid = started[0][2]
    victim = by_pid[victim_pid]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    killed_at = time.time()
    survivor_pid = next(pid for pid in by_pid if pid != victim_pid)

    wait_for(lambda: effect_count() == 1, 30, "the survivor to finish the job", workers)
    finished = db.session.execute(text("SELECT pid FROM test_job_effect")).scalar_one()
    assert str(finished) == survivor_pid
    lines = log_lines(log)
    second_start = next(line for line in lines if line[0] == "start" and line[2] == survivor_pid)
    assert float(second_start[3]) >= float(started[0][3]) + lease - 0.5  # only after the lease ran out
    assert float(second_start[3]) >= killed_at - 0.5
    assert [line[0] for line in lines if line[2] == victim_pid] == ["start"]  # the victim never finished
    db.session.refresh(job)
    assert job.state == "done" and job.attempts == 2


@pytest.mark.postgres
@pytest.mark.slow
@postgres_only
def test_a_thousand_jobs_drain_with_each_effect_once(workers, tmp_path):
    log = tmp_path / "runs.log"
    for n in range(1000):
        enqueue("test.record", {"log": str(log)}, key=f"bulk-{n:04d}")
    db.session.commit()
    workers.start(concurrency=2)
    workers.start(concurrency=2)
    wait_for(lambda: effect_count() == 1000, 180, "1,000 effects", workers)
    wait_for(lambda: db.session.scalar(
        select(db.func.count()).select_from(Job).where(Job.kind == "test.record", Job.state == "done")) == 1000,
        30, "all jobs done", workers)
    rows = db.session.execute(text("SELECT job_key, COUNT(*) FROM test_job_effect GROUP BY job_key")).all()
    assert len(rows) == 1000 and {count for _, count in rows} == {1}
    starts = Counter(line[1] for line in log_lines(log) if line[0] == "start")
    assert len(starts) == 1000 and set(starts.values()) == {1}
    assert handlers.CALLS == []  # every run happened in the worker processes, none in the test process
