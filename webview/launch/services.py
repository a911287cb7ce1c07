"""Issue single-use launch tokens and turn them into server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from webview.db import utcnow
from webview.extensions import db
from webview.i18n.locale import normalise_locale
from webview.launch.models import LaunchSession, LaunchToken
from webview.launch.options import WEB_BAR_SHOW, OpenOptions
from webview.partners.models import Customer, Partner
from webview.partners.services import partner_suspended
from webview.products import DEFAULT_PRODUCT


@dataclass(frozen=True)
class LaunchRequest:
    """What a partner sends to open the webview for one of its users."""

    identify_code: str
    identify_phone: str = ""
    identify_fullname: str | None = None
    email: str | None = None
    product: str = DEFAULT_PRODUCT.code
    layout: str = "dual"
    locale: str | None = None  # None or "": no choice, each request follows the device (Accept-Language)
    theme: dict[str, Any] | None = None
    web_bar: str | None = None  # None: "show" (the webview draws its bar); "hide": the host app's header only


@dataclass(frozen=True)
class LaunchGrant:
    """A fresh launch: the plaintext token exists only here."""

    token: str
    request_id: str
    expires_at_ms: int
    customer_id: int


def hash_token(token: str) -> str:
    """Launch tokens are stored as sha256 only."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def chosen_locale(launch: LaunchRequest) -> str:
    """The language the launch names ("vi", "en"), or "" when it names none: then the screens' words and their
    dates, times and durations all follow the request's Accept-Language (webview.i18n.select_locale)."""
    return normalise_locale(launch.locale) or ""


def upsert_customer(partner: Partner, launch: LaunchRequest) -> Customer:
    """Create the partner's user on first launch, refresh their details on later ones."""
    customer = db.session.scalar(
        select(Customer).where(Customer.partner_id == partner.id, Customer.identify_code == launch.identify_code)
    )
    if customer is None:
        customer = Customer(partner_id=partner.id, identify_code=launch.identify_code)
        db.session.add(customer)
    if launch.identify_phone:
        customer.phone = launch.identify_phone
    if launch.identify_fullname:
        customer.fullname = launch.identify_fullname
    if launch.email:
        customer.email = launch.email
    if chosen_locale(launch):
        customer.locale = chosen_locale(launch)
    db.session.flush()
    return customer


def issue_launch_token(partner: Partner, launch: LaunchRequest, ttl_seconds: int) -> LaunchGrant:
    """Create or update the customer and a single-use launch token (the caller commits)."""
    customer = upsert_customer(partner, launch)
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=ttl_seconds)
    record = LaunchToken(
        token_hash=hash_token(token),
        request_id=uuid.uuid4().hex,
        partner_id=partner.id,
        customer_id=customer.id,
        product=launch.product,
        layout=launch.layout,
        locale=chosen_locale(launch),
        theme_override=launch.theme or {},
        web_bar=launch.web_bar or WEB_BAR_SHOW,
        expires_at=expires_at,
    )
    db.session.add(record)
    db.session.flush()
    return LaunchGrant(token, record.request_id, int(expires_at.timestamp() * 1000), customer.id)


def consume_launch_token(token: str, session_ttl_seconds: int,
                         options: OpenOptions | None = None) -> LaunchSession | None:
    """Use a launch token once (atomically, across nodes) and open a session; None if unusable. `options` are what
    the partner app appended to the URL when it opened it (they win over the launch request's)."""
    options = options or OpenOptions()
    if not token or len(token) > 200:
        return None
    now = utcnow()
    token_hash = hash_token(token)
    claimed = db.session.execute(
        update(LaunchToken)
        .where(LaunchToken.token_hash == token_hash, LaunchToken.used_at.is_(None), LaunchToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    record = db.session.scalar(select(LaunchToken).where(LaunchToken.token_hash == token_hash))
    partner = db.session.get(Partner, record.partner_id)
    if partner is None or not partner.is_active:
        db.session.commit()  # the token stays used: a suspended partner's link never works later
        return None
    launch_session = LaunchSession(
        id=secrets.token_urlsafe(32),
        partner_id=record.partner_id,
        customer_id=record.customer_id,
        product=record.product,
        layout=record.layout,
        locale=options.locale or record.locale,
        theme_override=record.theme_override,
        web_bar=options.web_bar or record.web_bar,
        expires_at=now + timedelta(seconds=session_ttl_seconds),
    )
    db.session.add(launch_session)
    db.session.commit()
    return launch_session


def end_session(session_id: str | None) -> None:
    """End a launch session (logout, relaunch); the caller commits."""
    if session_id:
        db.session.execute(
            update(LaunchSession)
            .where(LaunchSession.id == session_id, LaunchSession.ended_at.is_(None))
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def load_session(session_id: str | None) -> LaunchSession | None:
    """The live launch session behind a cookie, or None if ended, expired or its partner is not active."""
    if not session_id:
        return None
    # populate_existing: another node (or the CLI) may have ended it since this session last looked
    launch_session = db.session.get(LaunchSession, session_id, populate_existing=True)
    if launch_session is None or launch_session.ended_at is not None or launch_session.expires_at <= utcnow():
        return None
    if not launch_session.partner.is_active:
        return None
    return launch_session


def end_partner_sessions(partner_id: int) -> None:
    """End every session of a partner (suspension) and spend its unused launch tokens.

    The caller commits.
    """
    db.session.execute(
        update(LaunchSession)
        .where(LaunchSession.partner_id == partner_id, LaunchSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(LaunchToken)
        .where(LaunchToken.partner_id == partner_id, LaunchToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


@partner_suspended.connect
def _end_sessions_of_suspended_partner(partner: Partner, **_signal) -> None:
    """A suspended partner's users lose their sessions at once, on every node (same transaction)."""
    end_partner_sessions(partner.id)


def switch_session_locale(launch_session: LaunchSession, locale: str) -> None:
    """The user chose a language in the page: this session speaks it from the next request on, and the customer's
    remembered language follows (the caller commits)."""
    launch_session.locale = locale
    launch_session.customer.locale = locale
