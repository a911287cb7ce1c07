"""Units of work: one explicit transaction per business step.

    with unit_of_work():
        booking = locked_booking(...)
        ...change it...

The block's changes commit when it ends and roll back when anything inside raises (the exception goes on). Outbound
calls (a partner's API) happen between two units, never inside one, so no row lock is held while waiting on the
network. New services write their transactions this way; the older ones that still call commit/rollback themselves
are listed in docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from webview.extensions import db


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run the block in the session's transaction: commit at its end, roll back (and re-raise) on an exception."""
    session = db.session
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()
