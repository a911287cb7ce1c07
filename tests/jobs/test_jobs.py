"""The outbox: enqueue idempotency, running, retries with backoff, dead jobs, unknown kinds, CLI."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.jobs import handlers
from webview.db import utcnow
from webview.extensions import db
from webview.jobs import Job, JobError, backoff_seconds, enqueue, retry_job, run_once
from webview.jobs.services import claim_jobs, run_job


def effect_count(key: str | None = None) -> int:
    if key is None:
        return db.session.execute(text("SELECT COUNT(*) FROM test_job_effect")).scalar_one()
    return db.session.execute(text("SELECT COUNT(*) FROM test_job_effect WHERE job_key = :key"),
                              {"key": key}).scalar_one()


def make_due(job_id: int) -> None:
    """Skip the backoff wait of a queued job."""
    db.session.execute(text("UPDATE job SET run_at = :now WHERE id = :id"),
                       {"now": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None), "id": job_id})
    db.session.commit()


def test_enqueue_is_in_the_callers_transaction(app, effects):
    enqueue("test.record", {"n": 1}, key="tx-1")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    job = enqueue("test.record", {"n": 1}, key="tx-1")
    db.session.commit()
    assert job.state == "queued" and job.attempts == 0 and job.max_attempts == 8


def test_enqueue_same_key_returns_existing_job(app, effects):
    first = enqueue("test.record", {"n": 1}, key="dup")
    db.session.commit()
    again = enqueue("test.record", {"n": 2}, key="dup")
    db.session.commit()
    assert again.id == first.id and again.payload == {"n": 1}
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1


def test_enqueue_same_key_twice_in_one_transaction(app, effects):
    a = enqueue("test.record", {}, key="same-tx")
    b = enqueue("test.record", {}, key="same-tx")
    db.session.commit()
    assert a.id == b.id


@pytest.mark.parametrize(("kind", "payload", "key", "message"), [
    ("", {}, "k", "kind"),
    ("test.record", {}, "", "key"),
    ("test.record", {"x": object()}, "k", "JSON"),
    ("test.record", ["not", "a", "dict"], "k", "JSON object"),
])
def test_enqueue_refuses_bad_input(app, kind, payload, key, message):
    with pytest.raises(JobError, match=message):
        enqueue(kind, payload, key=key)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_run_once_runs_due_jobs_and_commits_their_work(app, effects):
    enqueue("test.record", {}, key="a")
    enqueue("test.record", {}, key="b")
    enqueue("test.record", {}, key="later", run_at=utcnow() + timedelta(hours=1))
    db.session.commit()
    assert run_once() == 2
    assert effect_count() == 2
    states = dict(db.session.execute(select(Job.key, Job.state)).all())
    assert states == {"a": "done", "b": "done", "later": "queued"}
    done = db.session.scalars(select(Job).where(Job.key == "a")).one()
    assert done.finished_at is not None and done.locked_by is None and done.attempts == 1
    assert run_once() == 0


def test_run_once_limit(app, effects):
    for n in range(3):
        enqueue("test.record", {}, key=f"l{n}")
    db.session.commit()
    assert run_once(limit=2) == 2
    assert run_once() == 1


def test_failing_handler_keeps_error_and_retries_later(app, effects):
    job = enqueue("test.fail", {"failures": 2}, key="flaky")
    db.session.commit()
    before = utcnow()
    assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "queued" and job.attempts == 1
    assert job.last_error.startswith("RuntimeError: boom on attempt 1 <tag>")
    assert "Traceback" in job.last_error
    assert job.run_at >= before  # retried later, never in the past
    assert effect_count() == 0  # the failed attempt's work was rolled back
    make_due(job.id)
    assert run_once() == 1
    make_due(job.id)
    assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "done" and job.attempts == 3 and job.last_error is None
    assert effect_count("flaky") == 1


def test_job_goes_dead_after_max_attempts(app, effects):
    job = enqueue("test.fail", {}, key="doomed", max_attempts=3)
    db.session.commit()
    for _ in range(3):
        make_due(job.id)
        assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "dead" and job.attempts == 3 and job.finished_at is not None
    assert "boom on attempt 3" in job.last_error
    make_due(job.id)
    assert run_once() == 0


def test_unknown_kind_is_dead_at_once(app):
    job = enqueue("no.such.kind", {}, key="unknown")
    db.session.commit()
    assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "dead" and job.attempts == 1
    assert job.last_error == "unknown job kind: no.such.kind"


def test_long_error_text_is_truncated(app, effects):
    @handlers.job_handler("test.long-error")
    def long_error(job):
        raise ValueError("x" * 10000)

    job = enqueue("test.long-error", {}, key="long", max_attempts=1)
    db.session.commit()
    run_once()
    db.session.refresh(job)
    assert job.state == "dead" and len(job.last_error) <= 4000
    assert job.last_error.startswith("ValueError: xxx")


def test_backoff_bounds():
    assert backoff_seconds(1, rand=lambda: 1.0) == 2
    assert backoff_seconds(2, rand=lambda: 1.0) == 4
    assert backoff_seconds(5, rand=lambda: 1.0) == 32
    assert backoff_seconds(30, rand=lambda: 1.0) == 600  # capped at 10 minutes
    assert backoff_seconds(3, rand=lambda: 0.0) == 0  # full jitter reaches down to zero
    rng = random.Random(7)
    delays = [backoff_seconds(20, rand=rng.random) for _ in range(500)]
    assert all(0 <= d <= 600 for d in delays)
    assert max(delays) > 500 and min(delays) < 100  # spread over the whole window


def test_failed_attempt_waits_within_backoff_window(app, effects):
    app.config.update(JOBS_BACKOFF_BASE_SECONDS=100.0, JOBS_BACKOFF_CAP_SECONDS=150.0)
    job = enqueue("test.fail", {}, key="window")
    db.session.commit()
    for attempt in (1, 2, 3):
        make_due(job.id)
        before = utcnow()
        run_once()
        db.session.refresh(job)
        ceiling = min(150, 100 * 2 ** (attempt - 1))
        assert before - timedelta(seconds=1) <= job.run_at <= utcnow() + timedelta(seconds=ceiling)


def test_expired_lease_is_reclaimed_and_the_old_worker_cannot_finish(app, effects):
    app.config["JOBS_LEASE_SECONDS"] = 60.0
    job = enqueue("test.record", {}, key="lease")
    db.session.commit()
    assert claim_jobs("worker-a") == [job.id]
    assert claim_jobs("worker-b") == []  # leased to a
    db.session.execute(text("UPDATE job SET lease_expires_at = :t WHERE id = :id"),
                       {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None), "id": job.id})
    db.session.commit()
    assert claim_jobs("worker-b") == [job.id]
    assert run_job(job.id, "worker-a") == "lost"  # a's lease is gone: it must not run or commit
    assert run_job(job.id, "worker-b") == "done"
    db.session.refresh(job)
    assert job.attempts == 2 and effect_count("lease") == 1


def test_reclaimed_job_past_its_last_attempt_is_dead(app, effects):
    job = enqueue("test.record", {}, key="crashy", max_attempts=1)
    db.session.commit()
    claim_jobs("worker-a")
    db.session.execute(text("UPDATE job SET lease_expires_at = :t WHERE id = :id"),
                       {"t": (utcnow() - timedelta(seconds=1)).replace(tzinfo=None), "id": job.id})
    db.session.commit()
    assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "dead" and "lease expired" in job.last_error
    assert effect_count() == 0


def test_retry_dead_job(app, effects):
    job = enqueue("test.fail", {"failures": 1}, key="revive", max_attempts=1)
    db.session.commit()
    run_once()
    db.session.refresh(job)
    assert job.state == "dead"
    handlers.HEALED.add("revive")
    retry_job(job.id)
    db.session.commit()
    db.session.refresh(job)
    assert job.state == "queued" and job.attempts == 0
    assert run_once() == 1
    db.session.refresh(job)
    assert job.state == "done" and effect_count("revive") == 1


def test_retry_refuses_jobs_that_are_not_dead(app, effects):
    job = enqueue("test.record", {}, key="alive")
    db.session.commit()
    with pytest.raises(JobError, match="only dead jobs"):
        retry_job(job.id)
    with pytest.raises(JobError, match="no job"):
        retry_job(999999)


def test_run_once_runs_each_job_at_most_once_per_call(app, effects):
    app.config["JOBS_BACKOFF_BASE_SECONDS"] = 0.000001  # the retry is due again at once
    job = enqueue("test.fail", {}, key="spin")
    db.session.commit()
    assert run_once() == 1
    db.session.refresh(job)
    assert job.attempts == 1 and job.state == "queued"
