"""Enqueue, claim, run and retry jobs: the transactional outbox and its worker logic."""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from webview.db import utcnow
from webview.extensions import db
from webview.jobs.models import Job, JobState
from webview.jobs.registry import HANDLERS, PERIODIC

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 4000
DEFAULT_BACKOFF_BASE = 2.0
DEFAULT_BACKOFF_CAP = 600.0


class JobError(ValueError):
    """A job request that cannot be honoured (bad input or wrong state); the message says why."""


def enqueue(
    kind: str,
    payload: dict,
    *,
    key: str,
    run_at: datetime | None = None,
    max_attempts: int = 8,
) -> Job:
    """Write a job in the caller's transaction (not committed); a repeat of `key` returns the existing job.

    The insert is `INSERT … ON CONFLICT (key) DO NOTHING`, so two transactions enqueueing the same key at
    once still leave one row (the second waits for the first to finish, then finds its row).
    """
    if not kind or len(kind) > 100:
        raise JobError("a job kind is 1 to 100 characters")
    if not key or len(key) > 255:
        raise JobError("a job key is 1 to 255 characters")
    if not isinstance(payload, dict):
        raise JobError("a job payload is a JSON object")
    try:
        json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise JobError(f"job payload is not JSON-serialisable: {exc}") from None
    if max_attempts < 1:
        raise JobError("max_attempts must be at least 1")
    if run_at is not None and run_at.tzinfo is None:
        raise JobError("run_at must be an aware datetime")

    existing = db.session.scalars(select(Job).where(Job.key == key)).one_or_none()
    if existing is not None:
        return existing
    now = utcnow()
    values: dict[str, Any] = {
        "kind": kind, "key": key, "payload": payload, "state": JobState.QUEUED, "attempts": 0,
        "max_attempts": max_attempts, "run_at": run_at or now, "created_at": now,
    }
    dialect = db.session.get_bind(mapper=Job.__mapper__).dialect.name
    if dialect in {"postgresql", "sqlite"}:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.session.execute(insert(Job).values(**values).on_conflict_do_nothing(index_elements=["key"]))
        return db.session.scalars(select(Job).where(Job.key == key)).one()
    job = Job(**values)  # other databases: the unique constraint still guards the key
    db.session.add(job)
    db.session.flush()
    return job


def backoff_seconds(attempts: int, *, base: float = DEFAULT_BACKOFF_BASE, cap: float = DEFAULT_BACKOFF_CAP,
                    rand: Callable[[], float] = random.random) -> float:
    """Delay before the next try: full jitter over min(cap, base * 2^(attempts-1))."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return rand() * ceiling


def worker_identity() -> str:
    """A name for this worker thread: host, process and a random suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _config(name: str) -> Any:
    """A JOBS_* setting from the settings table."""
    return current_app.config[name]


def claim_jobs(worker_id: str, limit: int = 1, exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Claim up to `limit` due jobs (queued and due, or running with an expired lease) and commit the claim.

    PostgreSQL locks candidate rows with FOR UPDATE SKIP LOCKED so workers never claim the same row;
    every database also checks the row's state again in the UPDATE, so a claim is a compare-and-set.
    `exclude` skips jobs the caller already ran in this pass (a failed job whose jittered backoff is near
    zero is due again at once; it waits for the next pass rather than spinning).
    """
    now = utcnow()
    lease = timedelta(seconds=float(_config("JOBS_LEASE_SECONDS")))
    due = or_(
        and_(Job.state == JobState.QUEUED, Job.run_at <= now),
        and_(Job.state == JobState.RUNNING, Job.lease_expires_at < now),
    )
    query = select(Job.id, Job.state, Job.locked_by).where(due).order_by(Job.run_at, Job.id).limit(limit)
    if exclude:
        query = query.where(Job.id.not_in(exclude))
    if db.session.get_bind(mapper=Job.__mapper__).dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed: list[int] = []
    for job_id, state, locked_by in db.session.execute(query).all():
        result = db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == state,
                   Job.locked_by.is_(None) if locked_by is None else Job.locked_by == locked_by)
            .values(state=JobState.RUNNING, locked_by=worker_id, lease_expires_at=now + lease,
                    attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(job_id)
    db.session.commit()
    return claimed


def _finish(job_id: int, worker_id: str, **values: Any) -> bool:
    """Update a job this worker still holds; False when the lease was lost to another worker."""
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING, Job.locked_by == worker_id)
        .values(locked_by=None, lease_expires_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def renew_lease(job_id: int, worker_id: str) -> bool:
    """Extend the lease of a job this worker still holds by JOBS_LEASE_SECONDS from now; commits.

    False when the job is no longer this worker's (its lease ran out and another worker claimed it).
    """
    lease = timedelta(seconds=float(_config("JOBS_LEASE_SECONDS")))
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING, Job.locked_by == worker_id)
        .values(lease_expires_at=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


class LeaseKeeper:
    """Renews a running job's lease from a background thread (every third of the lease) until the job ends.

    The thread has its own app context, session and connection, so renewals commit while the handler's own
    transaction is still open. When a renewal finds the job gone to another worker, `lost` is set and logged;
    the handler's work is then rolled back by run_job (its finish is a compare-and-set on the lease holder).
    The thread is not joined on exit: on SQLite it may be waiting for the write lock the finishing job holds.
    """

    def __init__(self, app: Flask, job_id: int, worker_id: str) -> None:
        self.app, self.job_id, self.worker_id = app, job_id, worker_id
        self.every = float(app.config["JOBS_LEASE_SECONDS"]) / 3
        self.done = threading.Event()
        self.lost = threading.Event()
        self.thread = threading.Thread(target=self._renew, name=f"lease-{job_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()

    def _renew(self) -> None:
        with self.app.app_context():
            while not self.done.wait(self.every):
                try:
                    renewed = renew_lease(self.job_id, self.worker_id)
                except Exception:  # the database may be busy or away for a moment: try at the next beat
                    db.session.rollback()
                    log.warning("job %s: lease renewal failed; trying again", self.job_id, exc_info=True)
                    continue
                if not renewed and not self.done.is_set():
                    self.lost.set()
                    log.warning("job %s: lease lost to another worker while running; its work will be rolled back",
                                self.job_id)
                    return


def run_job(job_id: int, worker_id: str) -> str:
    """Run one claimed job in its own transaction, renewing its lease meanwhile; returns the job's new state
    (or "lost")."""
    db.session.rollback()
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    if job is None or job.state != JobState.RUNNING or job.locked_by != worker_id:
        return "lost"
    handler = HANDLERS.get(job.kind)
    now = utcnow()
    if handler is None:
        _finish(job_id, worker_id, state=JobState.DEAD, finished_at=now, last_error=f"unknown job kind: {job.kind}")
        db.session.commit()
        log.error("job %s dead: unknown job kind: %s", job_id, job.kind)
        return JobState.DEAD
    if job.attempts > job.max_attempts:  # a reclaimed job whose worker died on its last attempt
        _finish(job_id, worker_id, state=JobState.DEAD, finished_at=now,
                last_error=(job.last_error or "") + f"\nlease expired on attempt {job.max_attempts}; giving up")
        db.session.commit()
        return JobState.DEAD
    attempts, max_attempts, kind = job.attempts, job.max_attempts, job.kind
    try:
        with LeaseKeeper(current_app._get_current_object(), job_id, worker_id):
            handler(job)
        if not _finish(job_id, worker_id, state=JobState.DONE, finished_at=utcnow(), last_error=None):
            db.session.rollback()  # another worker holds it now: its run will commit the effect
            log.warning("job %s (%s): lease lost before commit; work rolled back", job_id, kind)
            return "lost"
        db.session.commit()
        return JobState.DONE
    except Exception as exc:  # any handler failure is recorded on the job and retried
        db.session.rollback()
        error = _error_text(exc)
        if attempts >= max_attempts:
            state, values = JobState.DEAD, {"finished_at": utcnow()}
        else:
            delay = backoff_seconds(
                attempts,
                base=float(_config("JOBS_BACKOFF_BASE_SECONDS")),
                cap=float(_config("JOBS_BACKOFF_CAP_SECONDS")),
            )
            state, values = JobState.QUEUED, {"run_at": utcnow() + timedelta(seconds=delay)}
        if not _finish(job_id, worker_id, state=state, last_error=error, **values):
            db.session.rollback()
            return "lost"
        db.session.commit()
        log.warning("job %s (%s) attempt %s/%s failed -> %s: %s", job_id, kind, attempts, max_attempts, state,
                    error.splitlines()[0] if error else "")
        return state


def _error_text(exc: BaseException) -> str:
    """The exception line first, then the traceback, truncated to fit the column."""
    summary = f"{type(exc).__name__}: {exc}"
    trace = "".join(traceback.format_exception(exc))
    text = summary + "\n\n" + trace
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def schedule_periodic(now: datetime | None = None) -> int:
    """Enqueue the current period's job of every periodic schedule (once per period across workers)."""
    now = now or utcnow()
    epoch = int(now.timestamp())
    added = 0
    for schedule in PERIODIC.values():
        start = epoch - epoch % schedule.every_seconds
        key = f"periodic:{schedule.name}:{start}"
        if db.session.scalar(select(Job.id).where(Job.key == key)) is not None:
            continue
        enqueue(schedule.kind, {"period_start": start}, key=key,
                run_at=datetime.fromtimestamp(start, UTC), max_attempts=3)
        added += 1
    db.session.commit()
    return added


def run_once(limit: int | None = None, *, schedule: bool = False, worker_id: str | None = None) -> int:
    """Claim and run the jobs due now, one at a time, until none is due or `limit` ran; returns how many ran.

    Each job runs at most once per call, even if it failed and is already due again.

    Periodic schedules are enqueued first only with `schedule=True` (the worker and `flask jobs run-once`
    do; tests call their periodic functions or `schedule_periodic` explicitly).
    """
    if schedule:
        schedule_periodic()
    worker_id = worker_id or worker_identity()
    ran: set[int] = set()
    while limit is None or len(ran) < limit:
        claimed = claim_jobs(worker_id, 1, exclude=ran)
        if not claimed:
            break
        run_job(claimed[0], worker_id)
        ran.add(claimed[0])
    return len(ran)


def retry_job(job_id: int) -> Job:
    """Put a dead job back in the queue with its attempts reset (the caller commits)."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise JobError(f"no job with id {job_id}")
    if job.state != JobState.DEAD:
        raise JobError(f"job {job_id} is {job.state}; only dead jobs can be retried")
    job.state, job.attempts, job.run_at, job.finished_at = JobState.QUEUED, 0, utcnow(), None
    return job


def list_jobs(state: str | None = None, limit: int = 100) -> list[Job]:
    """The most recent jobs, optionally of one state."""
    if state is not None and state not in tuple(JobState):
        raise JobError(f"state must be one of {', '.join(JobState)}")
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        query = query.where(Job.state == state)
    return list(db.session.scalars(query))


def purge_finished_jobs(retention_days: int) -> int:
    """Delete done jobs finished before the retention period (dead jobs stay for an operator)."""
    cutoff = utcnow() - timedelta(days=retention_days)
    result = db.session.execute(delete(Job).where(Job.state == JobState.DONE, Job.finished_at < cutoff))
    return result.rowcount or 0
