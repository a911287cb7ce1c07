"""The merchant-driven certification cases started from the portal: a queued job runs the sandbox's own-partner
runner (`sandbox/cases/own_partner.py`) against the partner's own endpoints and keeps its report here.

webview never imports the sandbox: the sandbox registers its runner (`register_case_runner`) when it is enabled,
and a deployment without the sandbox says so instead of offering the button. A run is bounded (it waits at most
CASE_RUN_WAIT_S for the partner's IPN and result link) and one partner has at most one run queued or running.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import JSON

from webview.db import Base, utcnow
from webview.extensions import db
from webview.jobs import Job, enqueue, job_handler
from webview.partners.models import Partner

JOB_KIND = "portal.certification-cases"
CASE_RUN_WAIT_S = 45
RUNNER_KEY = "webview.certification_case_runner"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

Runner = Callable[[str, Partner, float], dict[str, Any]]


class CaseRun(Base):
    """One run of the merchant-driven cases for a sandbox partner, and its report (cases, outcomes, evidence)."""

    __tablename__ = "portal_case_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    wait_s: Mapped[int] = mapped_column(Integer, default=CASE_RUN_WAIT_S)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class CaseRunError(ValueError):
    """A run cannot start (no runner here, one already running); the message is one line."""


def register_case_runner(app, runner: Runner) -> None:
    """The sandbox's own-partner runner: `runner(base_url, partner, wait_s)` returns the report as a dict."""
    app.extensions[RUNNER_KEY] = runner


def case_runner() -> Runner | None:
    """The registered runner, or None when this deployment has no sandbox."""
    return current_app.extensions.get(RUNNER_KEY)


def latest_run(partner: Partner) -> CaseRun | None:
    return db.session.scalar(select(CaseRun).where(CaseRun.partner_id == partner.id).order_by(CaseRun.id.desc())
                             .limit(1))


def start_case_run(partner: Partner, *, requested_by: str, wait_s: int = CASE_RUN_WAIT_S) -> CaseRun:
    """Queue a run of the cases (the caller commits); the jobs worker runs it, never the request."""
    if case_runner() is None:
        raise CaseRunError("the certification cases run on the sandbox deployment (SANDBOX_ENABLED)")
    if partner.environment != "sandbox":
        raise CaseRunError("the certification cases run against sandbox partners only")
    latest = latest_run(partner)
    if latest is not None and latest.state in (QUEUED, RUNNING):
        raise CaseRunError("a run of the cases is already under way")
    run = CaseRun(partner_id=partner.id, requested_by=requested_by[:254], state=QUEUED,
                  wait_s=max(1, min(int(wait_s), CASE_RUN_WAIT_S)), report={})
    db.session.add(run)
    db.session.flush()
    enqueue(JOB_KIND, {"run_id": run.id}, key=f"portal-cases:{run.id}", max_attempts=1)
    return run


@job_handler(JOB_KIND)
def run_cases_job(job: Job) -> None:
    """Run the cases of one queued run and keep the report (a crash keeps the reason, not a half report)."""
    run = db.session.get(CaseRun, job.payload["run_id"])
    if run is None or run.state not in (QUEUED, RUNNING):
        return
    partner = db.session.get(Partner, run.partner_id)
    runner = case_runner()
    run.state = RUNNING
    db.session.commit()
    if partner is None or runner is None:
        run.state, run.error, run.finished_at = FAILED, "no partner or no runner on this deployment", utcnow()
        return
    try:
        report = runner(current_app.config["PUBLIC_BASE_URL"], partner, float(run.wait_s))
    except Exception as error:  # a runner bug is the run's failure, reported on the page, not a retried job
        db.session.rollback()
        run = db.session.get(CaseRun, job.payload["run_id"])
        run.state, run.error, run.finished_at = FAILED, f"{type(error).__name__}: {error}"[:500], utcnow()
        return
    run = db.session.get(CaseRun, job.payload["run_id"])
    run.state, run.report, run.finished_at = DONE, report, utcnow()
