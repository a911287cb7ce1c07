"""Daily housekeeping run by the worker: old partner messages, closed replay windows, finished jobs."""

from __future__ import annotations

import logging

from flask import current_app

from webview.api.replay import purge_seen_signatures
from webview.jobs.registry import periodic
from webview.jobs.services import purge_finished_jobs
from webview.messagelog.services import purge_old_messages

log = logging.getLogger(__name__)

DAY = 24 * 3600


@periodic("purge", every_seconds=DAY)
def purge() -> None:
    """Delete partner messages past retention, expired replay entries and done jobs past retention."""
    messages = purge_old_messages(int(current_app.config.get("MESSAGE_LOG_RETENTION_DAYS", 90)))
    signatures = purge_seen_signatures()
    jobs = purge_finished_jobs(int(current_app.config.get("JOBS_RETENTION_DAYS", 30)))
    log.info("purge: %s partner messages, %s seen signatures, %s finished jobs", messages, signatures, jobs)
