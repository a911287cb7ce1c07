"""The replay store: a verified signature may be used once within its window, across all nodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from webview.api.models import SeenSignature
from webview.config import guard_switched_off
from webview.db import utcnow
from webview.extensions import db
from webview.jobs.registry import periodic


def remember_signature(client_id: str, timestamp_ms: int, digest: str, window_s: int = 300) -> bool:
    """Record a verified signature; False when it was seen before (a replay). Commits on its own."""
    if guard_switched_off("TESTING_DISABLE_REPLAY_STORE"):  # guard-off test switch (TESTING outside production)
        return True
    expires_at = datetime.fromtimestamp(timestamp_ms / 1000, UTC) + timedelta(seconds=window_s)
    return _first_arrival(SeenSignature(client_id=client_id, timestamp_ms=timestamp_ms, digest=digest,
                                        expires_at=expires_at))


def _first_arrival(seen: SeenSignature) -> bool:
    """Store a verified message's digest; False when it is there already (a replay). Commits on its own."""
    session = db.session()
    session.add(seen)
    keep = session.expire_on_commit
    # The caller's partner row, read a moment ago in this request, stays loaded: not read again at its next use.
    session.expire_on_commit = False
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    finally:
        session.expire_on_commit = keep
    return True


def remember_sealed_message(sender: str, digest: str, keep_s: int) -> bool:
    """Record a verified message that carries no timestamp (legacy envelope) for keep_s seconds from now.

    False when the same message arrived before (a replay). Commits on its own.
    """
    if guard_switched_off("TESTING_DISABLE_REPLAY_STORE"):  # guard-off test switch (TESTING outside production)
        return True
    return _first_arrival(SeenSignature(client_id=sender, timestamp_ms=0, digest=digest,
                                        expires_at=utcnow() + timedelta(seconds=keep_s)))


def remember_own_signature(client_id: str, timestamp_ms: int, digest: str, window_s: int = 300) -> None:
    """Enter a signature the merchant made for its own call to a partner before the call is sent.

    Our outbound calls are signed with the partner's secret and the same recipe as the partner's calls to us; a
    copy of one sent to our inbound API (e.g. a query URL whose path is /api/v1/transaction) is then answered
    as a replay. Commits on its own; the caller must hold no pending changes.
    """
    remember_signature(client_id, timestamp_ms, digest, window_s)


def purge_seen_signatures() -> int:
    """Forget signatures whose window has closed (they would be refused as stale anyway)."""
    result = db.session.execute(delete(SeenSignature).where(SeenSignature.expires_at < utcnow()))
    return result.rowcount or 0


@periodic("api.replay.purge", every_seconds=24 * 3600)
def purge_replay_store() -> None:
    """Daily: forget signatures whose replay window has closed."""
    purge_seen_signatures()
