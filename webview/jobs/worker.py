"""The worker loop: in `flask jobs worker` processes or in a daemon thread of the embedded server."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

from webview.extensions import db
from webview.jobs.services import run_once, schedule_periodic, worker_identity

log = logging.getLogger(__name__)

SCHEDULE_EVERY_SECONDS = 5.0
EMBEDDED_THREAD = "webview.jobs.embedded_thread"


class Worker:
    """Claims and runs due jobs until `stop` is set; the job in hand always finishes first (graceful stop)."""

    def __init__(self, app: Flask, *, poll: float = 1.0, stop: threading.Event | None = None) -> None:
        self.app = app
        self.poll = poll
        self.stop = stop or threading.Event()
        self.worker_id = worker_identity()
        self._last_schedule = 0.0

    def run(self) -> None:
        """Loop: enqueue due periodic work now and then, run one due job, sleep `poll` when idle."""
        log.info("jobs worker %s started", self.worker_id)
        while not self.stop.is_set():
            ran = 0
            try:
                with self.app.app_context():
                    if time.monotonic() - self._last_schedule >= SCHEDULE_EVERY_SECONDS:
                        schedule_periodic()
                        self._last_schedule = time.monotonic()
                    ran = run_once(1, worker_id=self.worker_id)
            except Exception:  # the database may be away for a moment; keep the worker alive
                log.exception("jobs worker %s: loop error, retrying in %.1fs", self.worker_id, self.poll)
                with self.app.app_context():
                    db.session.rollback()
            if not ran:
                self.stop.wait(self.poll)
        log.info("jobs worker %s stopped", self.worker_id)


def start_embedded_worker(app: Flask) -> threading.Thread | None:
    """Start the in-process worker thread once per app when JOBS_EMBEDDED_WORKER is on (the `make run` path)."""
    if not app.config.get("JOBS_EMBEDDED_WORKER"):
        return None
    existing = app.extensions.get(EMBEDDED_THREAD)
    if existing is not None and existing.is_alive():
        return existing
    worker = Worker(app, poll=float(app.config["JOBS_POLL_SECONDS"]))
    thread = threading.Thread(target=worker.run, name="jobs-embedded-worker", daemon=True)
    thread.worker = worker  # type: ignore[attr-defined]  # lets tests and shutdown hooks stop it
    app.extensions[EMBEDDED_THREAD] = thread
    thread.start()
    return thread
