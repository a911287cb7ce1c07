"""Periodic schedules, the worker loop, the embedded worker thread and the `flask jobs` commands."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select, text

from tests.jobs import handlers
from webview.extensions import db
from webview.jobs import Job, enqueue, periodic, run_once, schedule_periodic, start_embedded_worker
from webview.jobs.registry import PERIODIC
from webview.jobs.worker import Worker

TICKS: list[int] = []


@periodic("test-tick", every_seconds=60)
def tick() -> None:
    """A periodic function that counts its runs."""
    TICKS.append(1)


def test_periodic_runs_once_per_period_across_workers(app):
    TICKS.clear()
    moment = datetime(2020, 1, 1, 12, 0, 10, tzinfo=UTC)
    assert schedule_periodic(moment) == len(PERIODIC)
    # other workers (or the same one) scheduling within the same period add nothing for this schedule
    schedule_periodic(datetime(2020, 1, 1, 12, 0, 59, tzinfo=UTC))
    schedule_periodic(datetime(2020, 1, 1, 12, 0, 30, tzinfo=UTC))
    ticks = select(db.func.count()).select_from(Job).where(Job.kind == "periodic.test-tick")
    assert db.session.scalar(ticks) == 1
    run_once()
    assert TICKS == [1]
    assert schedule_periodic(datetime(2020, 1, 1, 12, 1, 0, tzinfo=UTC)) >= 1  # the next minute is a new period
    run_once()
    assert TICKS == [1, 1]
    keys = db.session.scalars(select(Job.key).where(Job.kind == "periodic.test-tick").order_by(Job.key)).all()
    start = int(datetime(2020, 1, 1, 12, 0, tzinfo=UTC).timestamp())
    assert keys == [f"periodic:test-tick:{start}", f"periodic:test-tick:{start + 60}"]


def test_daily_purge_is_declared_and_runs(app):
    assert PERIODIC["purge"].every_seconds == 24 * 3600
    schedule_periodic()
    run_once()
    job = db.session.scalars(select(Job).where(Job.kind == "periodic.purge")).one()
    assert job.state == "done", job.last_error


def test_worker_loop_runs_jobs_and_stops_on_request(app, effects):
    for n in range(3):
        enqueue("test.record", {}, key=f"w{n}")
    db.session.commit()
    stop = threading.Event()
    worker = Worker(app, poll=0.05, stop=stop)
    thread = threading.Thread(target=worker.run)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        db.session.rollback()
        if db.session.execute(text("SELECT COUNT(*) FROM test_job_effect")).scalar_one() == 3:
            break
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    db.session.rollback()
    assert set(db.session.scalars(select(Job.state).where(Job.kind == "test.record"))) == {"done"}


def test_embedded_worker_only_when_enabled(make_app, effects):
    off = make_app(JOBS_EMBEDDED_WORKER=False)
    assert off.extensions["webview.start_embedded_worker"](off) is None
    on = make_app(JOBS_EMBEDDED_WORKER=True, JOBS_POLL_SECONDS=0.05)
    with on.app_context():
        enqueue("test.record", {}, key="embedded")
        db.session.commit()
    thread = on.extensions["webview.start_embedded_worker"](on)
    try:
        assert thread.daemon and thread.is_alive()
        assert start_embedded_worker(on) is thread  # started once per app
        deadline = time.monotonic() + 10
        state = None
        while time.monotonic() < deadline and state != "done":
            with on.app_context():
                state = db.session.scalar(select(Job.state).where(Job.key == "embedded"))
            time.sleep(0.05)
        assert state == "done"
    finally:
        thread.worker.stop.set()
        thread.join(timeout=5)


def test_cli_list_retry_and_run_once(app, runner, effects):
    job = enqueue("test.fail", {}, key="cli-dead", max_attempts=1)
    enqueue("test.record", {}, key="cli-ok")
    db.session.commit()
    result = runner.invoke(args=["jobs", "run-once"])
    assert result.exit_code == 0, result.output
    assert "ran " in result.output
    result = runner.invoke(args=["jobs", "list", "--state", "dead"])
    assert result.exit_code == 0
    assert "cli-dead" in result.output and "boom on attempt 1" in result.output
    assert "cli-ok" not in result.output
    result = runner.invoke(args=["jobs", "list", "--state", "bogus"])
    assert result.exit_code != 0 and "Invalid value" in result.output
    handlers.HEALED.add("cli-dead")
    result = runner.invoke(args=["jobs", "retry", str(job.id)])
    assert result.exit_code == 0 and "queued again" in result.output
    result = runner.invoke(args=["jobs", "retry", str(job.id)])
    assert result.exit_code == 1 and "only dead jobs can be retried" in result.output
    # run-once also schedules the periodic work of a period that may have begun meanwhile: no exact count
    result = runner.invoke(args=["jobs", "run-once"])
    assert result.exit_code == 0 and "ran " in result.output
    db.session.rollback()
    assert db.session.scalar(select(Job.state).where(Job.key == "cli-dead")) == "done"


def test_cli_retry_unknown_job(app, runner):
    result = runner.invoke(args=["jobs", "retry", "424242"])
    assert result.exit_code == 1 and "no job with id 424242" in result.output
