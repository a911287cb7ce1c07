"""Job kinds used only by the tests (imported by test modules and, via JOBS_EXTRA_MODULES, by worker processes).

Effects go to a table the tests create with raw SQL (`test_job_effect`), in the handler's transaction, and
each run is also appended to a log file outside the database, so a test can see runs that were rolled back.
"""

from __future__ import annotations

import os
import time

from sqlalchemy import text

from webview.extensions import db
from webview.jobs import Job, job_handler

EFFECT_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS test_job_effect (id {serial} PRIMARY KEY, job_key VARCHAR(255) NOT NULL, "
    "pid INTEGER NOT NULL)"
)
CALLS: list[tuple[str, int]] = []  # in-process record of (job key, attempt) for single-process tests
HEALED: set[str] = set()  # keys whose "test.fail" jobs succeed from now on (the outside fault was fixed)


def create_effect_table() -> None:
    """Create the effect table (raw SQL: it is not part of the application's schema)."""
    serial = "SERIAL" if db.engine.dialect.name == "postgresql" else "INTEGER"
    with db.engine.begin() as connection:
        connection.execute(text(EFFECT_TABLE_SQL.format(serial=serial)))
        connection.execute(text("DELETE FROM test_job_effect"))


def drop_effect_table() -> None:
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS test_job_effect"))


def _log_run(job: Job, event: str) -> None:
    path = job.payload.get("log")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{event} {job.key} {os.getpid()} {time.time():.3f}\n")


@job_handler("test.record")
def record(job: Job) -> None:
    """Write one effect row; with `sleep` in the payload, take that long (a slow job)."""
    CALLS.append((job.key, job.attempts))
    _log_run(job, "start")
    time.sleep(float(job.payload.get("sleep", 0)))
    db.session.execute(text("INSERT INTO test_job_effect (job_key, pid) VALUES (:key, :pid)"),
                       {"key": job.key, "pid": os.getpid()})
    _log_run(job, "end")


@job_handler("test.fail")
def fail(job: Job) -> None:
    """Fail the first `failures` attempts (all of them by default) with a recognisable error."""
    CALLS.append((job.key, job.attempts))
    if job.key not in HEALED and job.attempts <= int(job.payload.get("failures", 10**6)):
        raise RuntimeError(f"boom on attempt {job.attempts} <tag>")
    db.session.execute(text("INSERT INTO test_job_effect (job_key, pid) VALUES (:key, :pid)"),
                       {"key": job.key, "pid": os.getpid()})
