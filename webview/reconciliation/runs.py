"""A reconciliation run for (partner, day, part): get the partner's file, check it, match it against ours,
settle what the rules allow, open cases for the rest, keep and email the report. Idempotent per part.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from webview.db import as_utc, utcnow
from webview.extensions import db
from webview.partners.models import Partner
from webview.reconciliation.delivery import archive_by_sftp, fetch_by_sftp
from webview.reconciliation.fetch import FetchFailed, fetch_by_api
from webview.reconciliation.files import ReconciliationError, closes_at, day_records
from webview.reconciliation.matching import FileRejected, InboundFile, Match, check_file, match
from webview.reconciliation.models import (
    ReconciliationInbound,
    ReconciliationItem,
    ReconciliationRun,
)
from webview.reconciliation.report import queue_report_emails, render_report
from webview.reconciliation.settings import settings_of
from webview.reconciliation.settle import settle
from webview.reconciliation.sftp import SftpError
from webview.reconciliation.templates import stored_template

MISSING_FILE = "the partner's file is missing"
STALE_RUN = timedelta(minutes=30)  # a run "running" longer than this lost its worker and may be taken over


@dataclass
class DryRun:
    """What a run would find, without settling or storing anything."""

    finding: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    mismatches: list[tuple[str, str, str, str]] = field(default_factory=list)  # outcome, type, reference, refund


def get_partner_file(partner: Partner, day: date) -> tuple[str, InboundFile]:
    """(source, file): from the partner's reconciliation URL (api, or both with a URL), else from its SFTP
    INBOUND/ (sftp, both); FetchFailed when there is none to get (an SFTP host key that changed included)."""
    settings = settings_of(partner)
    if settings.transport in {"api", "both"} and settings.reconciliation_url:
        return "api", fetch_by_api(partner, settings.reconciliation_url, day)
    if settings.transport in {"sftp", "both"}:
        try:
            return "sftp", fetch_by_sftp(partner, day)
        except SftpError as error:
            raise FetchFailed(f"SFTP: {error}") from error
    raise FetchFailed(f"reconciliation of {partner.code} is {settings.transport} with no URL to fetch from")


def _check(partner: Partner, day: date, inbound: InboundFile) -> tuple[Match, str]:
    """(the match, "") for a good file; (duplicates only, the finding) for a rejected one."""
    template = stored_template(settings_of(partner).template)
    try:
        theirs = check_file(partner, template, day, inbound)
    except FileRejected as rejected:
        duplicates = Match(counts={"duplicate": len(rejected.duplicates)} if rejected.duplicates else {})
        for key in rejected.duplicates:
            duplicates.mismatches.append(("duplicate", key, None, None))
        return duplicates, rejected.finding
    return match(day_records(partner, day), theirs), ""


def dry_run(partner: Partner, day: date, inbound: InboundFile | None = None) -> DryRun:
    """Check and match without settling or storing anything."""
    if inbound is None:
        try:
            _, inbound = get_partner_file(partner, day)
        except FetchFailed as failed:
            return DryRun(finding=str(failed))
    result, finding = _check(partner, day, inbound)
    return DryRun(finding=finding, counts=dict(result.counts),
                  mismatches=[(outcome, *key) for outcome, key, _, _ in result.mismatches])


def run_day(partner: Partner, day: date, *, inbound: InboundFile | None = None, source: str = "file",
            part: int = 1, now: datetime | None = None) -> ReconciliationRun:
    """Run (partner, day, part) once: a completed run is returned as it is (nothing settled twice); a rejected
    one (bad or missing file) runs again, as does one left running by a dead worker (the settlement rules are
    idempotent). ReconciliationError: not_closed before the day is closed, busy while another run is at it."""
    now = now or utcnow()
    if now < closes_at(day, settings_of(partner).close_time):
        raise ReconciliationError("not_closed", f"day {day:%Y%m%d} is not closed yet")
    partner_id = partner.id
    run = _claim(partner_id, day, part, now)
    if run.status == "completed":
        return run
    finding, result = "", Match()
    if inbound is None:
        try:
            source, inbound = get_partner_file(partner, day)
        except FetchFailed as failed:
            finding = f"{MISSING_FILE}: {failed}"
    if inbound is not None:
        result, finding = _check(partner, day, inbound)
    partner = db.session.get(Partner, partner_id)
    run = db.session.get(ReconciliationRun, run.id)
    run.source, run.finding = source, finding  # the status stays "running" until every mismatch is recorded
    run.counts = dict(result.counts)
    run.amounts = {"ours": result.ours_total, "theirs": result.theirs_total}
    if inbound is not None:
        run.file_name, run.file_sha256 = inbound.name[:200], hashlib.sha256(inbound.data).hexdigest()
        db.session.add(ReconciliationInbound(run_id=run.id, name=inbound.name[:200], sha256=run.file_sha256,
                                             status="rejected" if finding else "accepted", data=inbound.data))
    db.session.commit()
    run_id = run.id
    if source == "sftp" and inbound is not None:
        try:
            archive_by_sftp(partner, inbound.name, rejected=bool(finding))
        except SftpError as error:
            run = db.session.get(ReconciliationRun, run_id)
            run.finding = (run.finding + "; " if run.finding else "") + f"not archived on SFTP: {error}"
            db.session.commit()
    for outcome, key, ours, their in result.mismatches:
        settlement = settle(partner, outcome, key, ours, their) if not finding else None
        db.session.add(ReconciliationItem(
            run_id=run_id, partner_id=partner_id, outcome=outcome, record_type=key[0], reference=key[1][:40],
            refund_request_id=key[2][:64], our_amount=ours.amount if ours else None,
            their_amount=their.amount if their else None, our_status=ours.status if ours else "",
            their_status=their.status[:20] if their else "",
            state=settlement.state if settlement else "open",
            settlement=(settlement.text if settlement else "nothing settled from a rejected file")[:300],
            evidence=settlement.evidence if settlement else {}))
        db.session.commit()
    run = db.session.get(ReconciliationRun, run_id)
    run.status = "rejected" if finding else "completed"
    run.report_html, run.report_csv = render_report(run)
    if not (finding.startswith(MISSING_FILE) and run.attempts > 1):  # "still missing" is said once
        queue_report_emails(run)
    run.updated_at = now  # set last: an earlier flush would stamp the clock time instead
    db.session.commit()
    return run


def _claim(partner_id: int, day: date, part: int, now: datetime) -> ReconciliationRun:
    """The run row of (partner, day, part), created once across workers; a rejected one is reopened."""
    query = select(ReconciliationRun).where(ReconciliationRun.partner_id == partner_id,
                                            ReconciliationRun.day == day, ReconciliationRun.part == part)
    run = db.session.scalar(query)
    if run is None:
        run = ReconciliationRun(partner_id=partner_id, day=day, part=part, source="file", status="running",
                                created_at=now, updated_at=now)
        db.session.add(run)
        try:
            db.session.commit()
            return run
        except IntegrityError:  # another worker claimed it first: decide on its row
            db.session.rollback()
            run = db.session.scalar(query)
    if run.status == "running" and as_utc(run.updated_at) > now - STALE_RUN:
        raise ReconciliationError("busy", f"run {run.id} of {day:%Y%m%d} is in progress")
    if run.status in {"rejected", "running"}:  # rejected: a new file; running past STALE_RUN: its worker died
        db.session.execute(delete(ReconciliationItem).where(ReconciliationItem.run_id == run.id,
                                                            ReconciliationItem.state != "resolved"))
        run.status, run.attempts, run.updated_at = "running", run.attempts + 1, now
        db.session.commit()
    return run


def open_cases(partner: Partner | None = None) -> list[ReconciliationItem]:
    """Open cases, oldest first."""
    query = select(ReconciliationItem).where(ReconciliationItem.state == "open").order_by(ReconciliationItem.id)
    if partner is not None:
        query = query.where(ReconciliationItem.partner_id == partner.id)
    return list(db.session.scalars(query))


RESOLUTIONS = ("accept", "write-off", "refunded", "escalated")


def resolve_case(case_id: int, action: str, note: str) -> ReconciliationItem:
    """Close an open case with an operator's action and note (the caller commits); ValueError if refused."""
    if action not in RESOLUTIONS:
        raise ValueError(f"--action must be one of {', '.join(RESOLUTIONS)} (got {action!r})")
    note = (note or "").strip()
    if not note:
        raise ValueError("--note must say what was done")
    case = db.session.get(ReconciliationItem, case_id)
    if case is None:
        raise ValueError(f"no case {case_id}")
    if case.state != "open":
        raise ValueError(f"case {case_id} is {case.state}, not open")
    case.state, case.resolution, case.note, case.resolved_at = "resolved", action, note[:500], utcnow()
    return case
