"""Durable background jobs: a transactional outbox, a worker with leases, retries and periodic schedules."""

from __future__ import annotations

import importlib

from flask import Flask

from webview.config import ConfigError
from webview.jobs import housekeeping  # noqa: F401  (declares the daily purge)
from webview.jobs.models import Job, JobState
from webview.jobs.registry import job_handler, periodic
from webview.jobs.services import (
    JobError,
    backoff_seconds,
    enqueue,
    list_jobs,
    retry_job,
    run_once,
    schedule_periodic,
)
from webview.jobs.worker import start_embedded_worker

__all__ = [
    "Job",
    "JobError",
    "JobState",
    "backoff_seconds",
    "enqueue",
    "job_handler",
    "list_jobs",
    "periodic",
    "retry_job",
    "run_once",
    "schedule_periodic",
    "start_embedded_worker",
]

def init_app(app: Flask) -> None:
    """Import extra handler modules (JOBS_* settings: webview.config.SETTINGS), add the CLI and the worker starter."""
    from webview.jobs.cli import jobs_cli

    for name in app.config["JOBS_EXTRA_MODULES"]:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"JOBS_EXTRA_MODULES: cannot import {name!r}: {exc}") from None
    app.cli.add_command(jobs_cli)
    app.extensions["webview.start_embedded_worker"] = start_embedded_worker
