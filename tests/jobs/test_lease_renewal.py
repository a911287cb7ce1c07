"""A running job keeps its lease: the worker renews it while the handler runs, and notices when it was lost."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import select, text

from tests.jobs import handlers
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import Job, enqueue
from webview.jobs.services import claim_jobs, run_job

LEASE_S = 1.0
RUN_S = 3.5  # the handler runs 3.5 leases long


def run_in_thread(app, job_id: int, worker_id: str, outcome: list) -> threading.Thread:
    """run_job in a worker thread of its own (own app context, own session)."""

    def work() -> None:
        with app.app_context():
            outcome.append(run_job(job_id, worker_id))

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def effect_count(key: str) -> int:
    return db.session.execute(text("SELECT COUNT(*) FROM test_job_effect WHERE job_key = :key"),
                              {"key": key}).scalar_one()


def test_a_job_longer_than_its_lease_is_never_taken_over(app, effects):
    app.config["JOBS_LEASE_SECONDS"] = LEASE_S
    job = enqueue("test.record", {"sleep": RUN_S}, key="long-job")
    db.session.commit()
    assert claim_jobs("worker-a") == [job.id]
    outcome: list[str] = []
    worker_a = run_in_thread(app, job.id, "worker-a", outcome)
    taken_by_b: list[int] = []
    while worker_a.is_alive():  # a second worker keeps trying to claim meanwhile
        taken_by_b += claim_jobs("worker-b")
        time.sleep(0.1)
    worker_a.join()
    db.session.rollback()
    assert taken_by_b == []
    assert outcome == ["done"]
    assert handlers.CALLS == [("long-job", 1)]
    assert effect_count("long-job") == 1
    done = db.session.scalar(select(Job).where(Job.id == job.id))
    assert (done.state, done.attempts, done.locked_by) == ("done", 1, None)


def test_a_lost_lease_is_noticed_while_the_job_runs(app, effects, caplog):
    app.config["JOBS_LEASE_SECONDS"] = LEASE_S
    job = enqueue("test.record", {"sleep": 2.0}, key="stolen-job")
    db.session.commit()
    assert claim_jobs("worker-a") == [job.id]
    outcome: list[str] = []
    with caplog.at_level(logging.WARNING, logger="webview.jobs"):
        worker_a = run_in_thread(app, job.id, "worker-a", outcome)
        time.sleep(0.3)
        db.session.execute(text("UPDATE job SET locked_by = 'worker-x', lease_expires_at = :t WHERE id = :id"),
                           {"t": (utcnow() + timedelta(minutes=5)).replace(tzinfo=None), "id": job.id})
        db.session.commit()
        time.sleep(LEASE_S)  # a renewal is due within a third of the lease
        noticed = [r.getMessage() for r in caplog.records if "lease" in r.getMessage()]
        assert worker_a.is_alive(), "the handler is still running when the loss is noticed"
        worker_a.join()
    assert any(f"job {job.id}" in message and "lost" in message for message in noticed), noticed
    assert outcome == ["lost"]
    db.session.rollback()
    assert effect_count("stolen-job") == 0  # its work was rolled back; worker-x owns the job now
