"""Result links: the partner's signed return to the result screen, and our own links for envelope partners.

A result link is `<PUBLIC_BASE_URL>/w/result?partner_code=…&transaction_id=…&timestamp=<ms>&sig=…` with sig =
hex HMAC-SHA256(key, base64url_nopad(timestamp.client_id.partner_code.transaction_id)) (DESIGN "Result URL").
hmac partners sign with their client secret and `transaction_id` is theirs; for envelope partners we sign
(`merchant_return_url`) with a key only the merchant holds, derived from SECRET_KEY, and `transaction_id` is the
booking number. A valid link (signature good, within ±300 s, never used before) grants one read-only view.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from webview.booking.models import Booking
from webview.booking.states import PaymentStatus
from webview.db import as_utc, utcnow
from webview.extensions import db
from webview.jobs.registry import periodic
from webview.partners.models import Partner
from webview.partners.services import find_partner, partner_secrets
from webview.payments.gateway import CallBudget
from webview.payments.models import CheckoutHandoff, UsedResultLink
from webview.payments.services import sync_payment_status
from webview.profiles import profile_of
from webview.signing.hmac import DEFAULT_WINDOW_S, sign_result_link, verify_result_link

MAX_VALUE = 100


def _merchant_link_key(partner: Partner) -> str:
    """The key of our own result links for one partner: HMAC(SECRET_KEY, purpose and partner code)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"result-link:{partner.code}".encode(), hashlib.sha256).hexdigest()


def _link_keys(partner: Partner) -> list[str]:
    if profile_of(partner).merchant_signs_result_links:
        return [_merchant_link_key(partner)]
    return partner_secrets(partner, utcnow())


def return_link_column(partner: Partner):
    """The booking column the `transaction_id` of the partner's return link names (its profile says which)."""
    if profile_of(partner).return_link_names == "reference":
        return Booking.reference
    return Booking.partner_transaction_id


def result_url(partner_code: str) -> str:
    """The partner's url_checkout_result (and return_url in create transaction)."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/w/result?{urlencode({'partner_code': partner_code})}"


def merchant_return_url(booking: Booking, partner: Partner | None = None, now_ms: int | None = None) -> str:
    """A merchant-signed, single-use link to this booking's result screen (envelope `return_url`)."""
    partner = partner or db.session.get(Partner, booking.partner_id)
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    sig = sign_result_link(_merchant_link_key(partner), partner.client_id, partner.code, booking.reference,
                           timestamp)
    query = urlencode({"partner_code": partner.code, "transaction_id": booking.reference,
                       "timestamp": timestamp, "sig": sig})
    return f"{current_app.config['PUBLIC_BASE_URL']}/w/result?{query}"


def verify_result_link_access(partner_code: str, transaction_id: str, timestamp: str, sig: str,
                              now_ms: int | None = None) -> Booking | None:
    """The booking a result link opens read-only, or None (bad, stale, tampered or reused link). Commits.

    The link is marked used in the same call, so a second opening of the same link gets None.
    """
    values = (partner_code, transaction_id, timestamp, sig)
    if not all(isinstance(value, str) and 0 < len(value) <= MAX_VALUE for value in values):
        return None
    partner = find_partner(partner_code)
    if partner is None or not partner.is_active:  # active and served by this deployment
        return None
    check = verify_result_link(_link_keys(partner), client_id=partner.client_id, partner_code=partner.code,
                               transaction_id=transaction_id, timestamp=timestamp, sig=sig,
                               now_ms=now_ms if now_ms is not None else int(time.time() * 1000))
    if not check.ok:
        return None
    booking = db.session.scalar(select(Booking).where(Booking.partner_id == partner.id,
                                                      return_link_column(partner) == transaction_id))
    if booking is None:
        return None
    expires_at = datetime.fromtimestamp(int(timestamp) / 1000, UTC) + timedelta(seconds=DEFAULT_WINDOW_S)
    db.session.add(UsedResultLink(digest=check.digest, booking_id=booking.id, expires_at=expires_at))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return booking


def purge_used_result_links() -> int:
    """Forget used links whose window has closed (they would be refused as stale anyway)."""
    result = db.session.execute(delete(UsedResultLink).where(UsedResultLink.expires_at < utcnow()))
    return result.rowcount or 0


@periodic("payments.result_links.purge", every_seconds=24 * 3600)
def purge_result_links() -> None:
    """Daily: forget used result links whose window has closed (the table would grow forever)."""
    purge_used_result_links()


def refresh_from_partner(booking: Booking) -> Booking:
    """While a payment the partner opened is still PENDING here, ask the partner (after a short wait).

    One short try (RESULT_SYNC_TIMEOUT_SECONDS, no retry): the user is waiting, and a dead partner must not hold
    the screen; the background poller asks with the full budget. Rate limited per order inside
    sync_payment_status, so reloads and pollers ask at most once per interval; a lost IPN still ends in the
    right state. Envelope partners have no query API: their commit is awaited.
    """
    if booking.payment_status != PaymentStatus.PENDING or not booking.partner_transaction_id:
        return booking
    opened = db.session.get(CheckoutHandoff, booking.id)
    wait = float(current_app.config["RESULT_SYNC_AFTER_SECONDS"])
    if opened is None or as_utc(opened.created_at) > utcnow() - timedelta(seconds=wait):
        return booking
    total = float(current_app.config["RESULT_SYNC_TIMEOUT_SECONDS"])
    return sync_payment_status(booking, budget=CallBudget.one_short_try(total))
