"""The hold-expiry sweeper: every minute, expire unpaid holds past their deadline and give their inventory back."""

from __future__ import annotations

from webview.booking.services import expire_due_holds
from webview.jobs import periodic

SWEEP_BATCH = 500  # per run; the rest waits one minute (a backlog that large means the worker was down)


@periodic("booking.expire_holds", every_seconds=60)
def expire_holds() -> None:
    """Expire one batch of due holds inside the job's own transaction (committed with the job's state)."""
    expire_due_holds(batch_size=SWEEP_BATCH, commit=False)
