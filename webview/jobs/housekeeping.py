"""The jobs feature's own daily housekeeping: finished jobs past retention.

Every feature schedules the purge of what it keeps where it lives (the message log, the replay store, used result
links), so this package never reaches into the features built on it.
"""

from __future__ import annotations

import logging

from flask import current_app

from webview.jobs.registry import periodic
from webview.jobs.services import purge_finished_jobs

log = logging.getLogger(__name__)

DAY = 24 * 3600


@periodic("purge", every_seconds=DAY)
def purge() -> None:
    """Delete done jobs past retention (JOBS_RETENTION_DAYS)."""
    jobs = purge_finished_jobs(int(current_app.config["JOBS_RETENTION_DAYS"]))
    log.info("purge: %s finished jobs", jobs)
