"""The periodic job: at each partner's agreed time, the day just closed gets its file (once per part), and the
partner's file of that day is fetched and matched (once: a rejected run, e.g. the partner's file missing, is run
again by an operator with `flask recon run`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, select

from webview.db import as_utc, utcnow
from webview.extensions import db
from webview.jobs import periodic
from webview.partners.models import Partner, served_environments
from webview.reconciliation.delivery import deliver_by_sftp
from webview.reconciliation.files import generate_day, last_closed_day, stored_parts
from webview.reconciliation.models import ReconciliationRun, ReconciliationSettings
from webview.reconciliation.runs import MISSING_FILE, run_day
from webview.reconciliation.sftp import SftpError

log = logging.getLogger(__name__)

EVERY_SECONDS = 60
RETRY_FIRST = timedelta(minutes=15)
MAX_ATTEMPTS = 6


def _due_settings(*conditions: ColumnElement[bool]) -> Sequence[Row]:
    """(partner_id, close_time) of the reconciliation settings matching `conditions`, of partners this deployment
    serves: a sandbox deployment sharing the database never writes, delivers or fetches a production partner's
    files with its credentials, nor the reverse."""
    return db.session.execute(
        select(ReconciliationSettings.partner_id, ReconciliationSettings.close_time)
        .join(Partner, Partner.id == ReconciliationSettings.partner_id)
        .where(Partner.environment.in_(served_environments()), *conditions)).all()


def generate_due_files(now: datetime | None = None) -> list[str]:
    """Generate the file of the last closed day for every partner whose reconciliation is on and has none yet.

    Returns the names of the parts written. A partner whose generation fails is logged and left for the next
    run; the others go on. The unique (partner, day, part) makes concurrent runs write each part once.
    """
    now = now or utcnow()
    written: list[str] = []
    rows = _due_settings(ReconciliationSettings.transport != "off")
    for partner_id, close_time in rows:
        partner = db.session.get(Partner, partner_id)
        day = last_closed_day(close_time, now)
        if stored_parts(partner, day):
            continue
        try:
            written += [part.name for part in generate_day(partner, day, now=now)]
        except Exception:
            db.session.rollback()
            log.exception("reconciliation file of partner %s for %s not written", partner_id, day)
    return written


def deliver_due_files(now: datetime | None = None) -> list[str]:
    """Upload to OUTBOUND/ the last closed day's parts not yet delivered, for partners on sftp or both; a
    server that fails is logged and tried again on the next run (a changed host key included, until fixed)."""
    now = now or utcnow()
    delivered: list[str] = []
    rows = _due_settings(ReconciliationSettings.transport.in_(("sftp", "both")))
    for partner_id, close_time in rows:
        partner = db.session.get(Partner, partner_id)
        try:
            delivered += deliver_by_sftp(partner, last_closed_day(close_time, now))
        except SftpError as error:
            db.session.rollback()
            log.error("reconciliation file of partner %s not delivered by SFTP: %s", partner_id, error)
    return delivered


def _due(run: ReconciliationRun | None, now: datetime) -> bool:
    """No run yet, or the partner's file was missing and its next try (backoff from RETRY_FIRST) has come."""
    if run is None:
        return True
    return run.status == "rejected" and run.finding.startswith(MISSING_FILE) and run.attempts < MAX_ATTEMPTS \
        and as_utc(run.updated_at) <= now - RETRY_FIRST * 2 ** (run.attempts - 1)


def run_due_matching(now: datetime | None = None) -> list[int]:
    """Fetch and match the partner's file of the last closed day for every partner with reconciliation on, once;
    a missing partner file (itself a finding, reported once) is looked for again after 15 min, 30 min, 1 h, …
    (MAX_ATTEMPTS in all). Returns the ids of the runs made."""
    now = now or utcnow()
    made: list[int] = []
    rows = _due_settings(ReconciliationSettings.transport != "off")
    for partner_id, close_time in rows:
        day = last_closed_day(close_time, now)
        existing = db.session.scalar(select(ReconciliationRun).where(
            ReconciliationRun.partner_id == partner_id, ReconciliationRun.day == day))
        if not _due(existing, now):
            continue
        try:
            made.append(run_day(db.session.get(Partner, partner_id), day, now=now).id)
        except Exception:
            db.session.rollback()
            log.exception("reconciliation run of partner %s for %s failed", partner_id, day)
    return made


@periodic("reconciliation.files", every_seconds=EVERY_SECONDS)
def reconciliation_files() -> None:
    """Worker entry point: write the files that are due, deliver them by SFTP, then match the partners' files."""
    names = generate_due_files()
    if names:
        log.info("reconciliation files written: %s", ", ".join(names))
    uploaded = deliver_due_files()
    if uploaded:
        log.info("reconciliation files delivered by SFTP: %s", ", ".join(uploaded))
    runs = run_due_matching()
    if runs:
        log.info("reconciliation runs made: %s", ", ".join(map(str, runs)))
