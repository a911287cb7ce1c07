"""Durable background jobs: a transactional outbox, a worker with leases, retries and periodic schedules."""

from __future__ import annotations

import importlib
import os

from flask import Flask

from webview.config import ConfigError
from webview.jobs import housekeeping  # noqa: F401  (declares the daily purge)
from webview.jobs.models import JOB_STATES, Job
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
    "JOB_STATES",
    "Job",
    "JobError",
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

# Settings read from app.config, else from the environment (the worker processes get them that way).
NUMERIC_SETTINGS = {
    "JOBS_LEASE_SECONDS": 60.0,
    "JOBS_POLL_SECONDS": 1.0,
    "JOBS_BACKOFF_BASE_SECONDS": 2.0,
    "JOBS_BACKOFF_CAP_SECONDS": 600.0,
    "JOBS_RETENTION_DAYS": 30.0,
}


def _load_settings(app: Flask) -> None:
    """Fill JOBS_* settings from the environment when the config has none, and check them."""
    for name, default in NUMERIC_SETTINGS.items():
        raw = app.config.get(name, os.environ.get(name, default))
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number (got {raw!r})") from None
        if value <= 0:
            raise ConfigError(f"{name} must be positive (got {raw!r})")
        app.config[name] = value
    modules = app.config.get("JOBS_EXTRA_MODULES", os.environ.get("JOBS_EXTRA_MODULES", ""))
    if isinstance(modules, str):
        modules = [name.strip() for name in modules.split(",") if name.strip()]
    app.config["JOBS_EXTRA_MODULES"] = list(modules)


def init_app(app: Flask) -> None:
    """Read the JOBS_* settings, import extra handler modules, add the CLI and the embedded-worker starter."""
    from webview.jobs.cli import jobs_cli

    _load_settings(app)
    for name in app.config["JOBS_EXTRA_MODULES"]:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"JOBS_EXTRA_MODULES: cannot import {name!r}: {exc}") from None
    app.cli.add_command(jobs_cli)
    app.extensions["webview.start_embedded_worker"] = start_embedded_worker
