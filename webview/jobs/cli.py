"""`flask jobs worker|list|retry|run-once`."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from webview.extensions import db
from webview.jobs.models import JobState
from webview.jobs.services import JobError, list_jobs, retry_job, run_once
from webview.jobs.worker import Worker

jobs_cli = AppGroup("jobs", help="Background jobs: run workers, inspect and retry.")


@jobs_cli.command("worker")
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads in this process (SQLite allows one).")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60),
              help="Seconds to wait when no job is due.")
@with_appcontext
def worker_command(concurrency: int, poll: float) -> None:
    """Run jobs until SIGTERM or SIGINT; the jobs in hand finish first."""
    app = current_app._get_current_object()
    if concurrency > 1 and db.engine.dialect.name == "sqlite":
        click.echo("SQLite runs a single worker thread; use PostgreSQL for more.", err=True)
        concurrency = 1
    stop = threading.Event()

    def request_stop(signum: int, _frame) -> None:
        click.echo(f"jobs worker: {signal.Signals(signum).name} received, finishing the jobs in hand", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    threads = [threading.Thread(target=Worker(app, poll=poll, stop=stop).run, name=f"jobs-worker-{n}")
               for n in range(concurrency)]
    for thread in threads:
        thread.start()
    click.echo(f"jobs worker: {concurrency} thread(s), polling every {poll}s")
    while any(thread.is_alive() for thread in threads):
        for thread in threads:
            thread.join(timeout=0.5)  # short joins keep the main thread free to take signals


@jobs_cli.command("list")
@click.option("--state", type=click.Choice([state.value for state in JobState]), help="Only jobs in this state.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@with_appcontext
def list_command(state: str | None, limit: int) -> None:
    """List the most recent jobs."""
    jobs = list_jobs(state, limit)
    if not jobs:
        click.echo("no jobs")
        return
    for job in jobs:
        error = (job.last_error or "").splitlines()[0][:100] if job.last_error else ""
        click.echo(f"{job.id}\t{job.state}\t{job.kind}\t{job.attempts}/{job.max_attempts}\t"
                   f"{job.run_at:%Y-%m-%d %H:%M:%S}Z\t{job.key}\t{error}")


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
@with_appcontext
def retry_command(job_id: int) -> None:
    """Queue a dead job again with its attempts reset."""
    try:
        job = retry_job(job_id)
    except JobError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"job {job.id} ({job.kind}) queued again")


@jobs_cli.command("run-once")
@click.option("--limit", type=click.IntRange(1), help="Run at most this many jobs.")
@with_appcontext
def run_once_command(limit: int | None) -> None:
    """Enqueue due periodic work, run every due job now, and exit (for cron and tests)."""
    ran = run_once(limit, schedule=True)
    click.echo(f"ran {ran} job(s)")
