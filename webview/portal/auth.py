"""Who is signed in to /portal/, and what they may see.

Session state (decided here, README "Partner portal"): the webview's end users keep Flask's session cookie
(`session`, path `/`, SameSite=Lax). Requests under /portal/ get their own cookie instead — `wv_portal`, path
`/portal`, HttpOnly, SameSite=Strict, Secure whenever PUBLIC_BASE_URL is https, signed with its own salt — through
`PortalSessionInterface`, so Flask-Login and Flask-WTF's CSRF token work unchanged on either side and neither side
ever reads the other's state. The cookie holds a random session token; its SHA-256 is a `PortalSession` row, which
is the authority: a revoked, idle or too-old row signs the browser out ("sign out everywhere" revokes every row).
At sign-in the cookie is cleared and a fresh token minted, so a token planted before sign-in is worthless (session
fixation). No "remember me" cookie is ever set.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user, login_user, logout_user
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from webview.db import utcnow
from webview.extensions import db
from webview.partners.models import Partner
from webview.portal.models import OPERATOR, AuditEvent, PortalSession, PortalUser

PORTAL_PATH = "/portal"
PORTAL_COOKIE = "wv_portal"
SESSION_TOKEN_KEY = "portal_sid"  # noqa: S105  (a session key's name, not a secret)
LAST_SEEN_PRECISION = timedelta(minutes=1)  # a session row is touched at most once a minute
# Words a detail key may not contain: the audit log never holds a secret, whatever a caller passes.
SECRET_WORDS = ("secret", "password", "token", "api_key", "apikey", "private", "totp", "code")
ALLOWED_CODE_KEYS = {"partner_code", "code"}  # partner codes are public names, not secrets

login_manager = LoginManager()


def is_portal_request() -> bool:
    """Whether this request is for a /portal/ page (its own cookie, locale and login)."""
    return request.path == PORTAL_PATH or request.path.startswith(PORTAL_PATH + "/")


class PortalSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with a separate cookie (name, path, SameSite=Strict, salt) under /portal/."""

    portal_salt = "webview-portal-session"

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not is_portal_request():
            return super().get_signing_serializer(app)
        if not app.secret_key:
            return None
        return URLSafeTimedSerializer(app.secret_key, salt=self.portal_salt, serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})

    def get_cookie_name(self, app: Flask) -> str:
        return PORTAL_COOKIE if is_portal_request() else super().get_cookie_name(app)

    def get_cookie_path(self, app: Flask) -> str:
        return PORTAL_PATH if is_portal_request() else super().get_cookie_path(app)

    def get_cookie_domain(self, app: Flask) -> str | None:
        return None if is_portal_request() else super().get_cookie_domain(app)

    def get_cookie_httponly(self, app: Flask) -> bool:
        return True if is_portal_request() else super().get_cookie_httponly(app)

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "Strict" if is_portal_request() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        if is_portal_request():
            return app.config["PREFERRED_URL_SCHEME"] == "https" or app.config.get("APP_ENV") == "production"
        return super().get_cookie_secure(app)


def hash_token(token: str) -> str:
    """SHA-256 hex of a random token (session tokens and emailed links are stored only this way)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def client_ip() -> str:
    """The client's address as the app sees it (PROXY_FIX_X_FOR decides whether X-Forwarded-For counts)."""
    return (request.remote_addr or "")[:45]


def client_agent() -> str:
    return (request.user_agent.string or "")[:300]


# ---------------------------------------------------------------- sessions


def _session_is_live(row: PortalSession) -> bool:
    config = current_app.config
    now = utcnow()
    if row.revoked_at is not None:
        return False
    if now - row.created_at > timedelta(hours=config["PORTAL_SESSION_MAX_HOURS"]):
        return False
    return now - row.last_seen_at <= timedelta(minutes=config["PORTAL_SESSION_IDLE_MINUTES"])


@login_manager.user_loader
def load_user(user_id: str) -> PortalUser | None:
    """The signed-in user, only while the cookie's session row is live and belongs to that active user."""
    if not is_portal_request():
        return None
    token = session.get(SESSION_TOKEN_KEY)
    if not isinstance(token, str) or len(token) > 100:
        return None
    row = db.session.scalar(select(PortalSession).where(PortalSession.token_hash == hash_token(token)))
    if row is None or str(row.user_id) != str(user_id) or not _session_is_live(row) or not row.user.is_active:
        return None
    if utcnow() - row.last_seen_at >= LAST_SEEN_PRECISION:
        row.last_seen_at = utcnow()
        db.session.commit()
    g.portal_session_id = row.id
    return row.user


def start_session(user: PortalUser) -> PortalSession:
    """Sign `user` in on this browser: a fresh cookie and a new session row (commits)."""
    session.clear()  # nothing from before the sign-in survives it (session fixation)
    token = secrets.token_urlsafe(32)
    row = PortalSession(user_id=user.id, token_hash=hash_token(token), ip=client_ip(), user_agent=client_agent())
    db.session.add(row)
    user.last_signin_at = utcnow()
    db.session.flush()
    session[SESSION_TOKEN_KEY] = token
    login_user(user, remember=False)
    g.portal_session_id = row.id
    return row


def end_session() -> None:
    """Sign this browser out: its row is revoked and the cookie emptied (the caller commits)."""
    row_id = g.get("portal_session_id")
    if row_id is not None:
        db.session.execute(update(PortalSession).where(PortalSession.id == row_id, PortalSession.revoked_at.is_(None))
                           .values(revoked_at=utcnow()))
    logout_user()
    session.clear()


def revoke_sessions(user: PortalUser, *, keep_id: int | None = None) -> int:
    """Revoke every live session of `user` but `keep_id`; returns how many (the caller commits)."""
    query = update(PortalSession).where(PortalSession.user_id == user.id, PortalSession.revoked_at.is_(None))
    if keep_id is not None:
        query = query.where(PortalSession.id != keep_id)
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount or 0


def current_session_id() -> int | None:
    """The session row of this browser (None when signed out)."""
    return g.get("portal_session_id")


# ---------------------------------------------------------------- access rules


def totp_required(user: PortalUser) -> bool:
    """Operators must use TOTP when PORTAL_REQUIRE_TOTP_FOR_OPERATORS is on (always, in production)."""
    return user.role == OPERATOR and bool(current_app.config["PORTAL_REQUIRE_TOTP_FOR_OPERATORS"])


TOTP_ENROL_ENDPOINTS = {"portal.totp_setup", "portal.sign_out", "portal.set_language"}


def portal_login_required(view: Callable) -> Callable:
    """Signed-in users only (others go to the sign-in page); an operator without the required TOTP is sent to set
    it up before anything else."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if totp_required(current_user) and not current_user.has_totp and request.endpoint not in TOTP_ENROL_ENDPOINTS:
            return redirect(url_for("portal.totp_setup"))
        return view(*args, **kwargs)

    return wrapper


def require_role(*roles: str) -> Callable:
    """Signed in, with one of `roles` (else 403). A route with a `<code>` argument is a partner's page: its partner
    is loaded for `current_partner()`, and a partner user of another partner gets 404 (operators see every
    partner, if `operator` is among the roles)."""
    unknown = set(roles) - {"admin", "developer", "finance", OPERATOR}
    if unknown or not roles:
        raise ValueError(f"unknown portal roles: {sorted(unknown)}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if current_user.role not in roles:
                abort(403)
            code = kwargs.get("code")
            if code is not None:
                g.portal_partner = partner_in_scope(code)
            return view(*args, **kwargs)

        wrapper.portal_roles = roles  # the IDOR walk reads them
        return portal_login_required(wrapper)

    return decorate


def partner_in_scope(code: str) -> Partner:
    """The partner with this code if the signed-in user may see it, else 404 (never 403: no existence oracle)."""
    partner = db.session.scalar(select(Partner).where(Partner.code == code)) if len(code) <= 40 else None
    if partner is None:
        abort(404)
    if current_user.role != OPERATOR and partner.id != current_user.partner_id:
        abort(404)
    return partner


def current_partner() -> Partner | None:
    """The partner this page is about: the one in the URL (checked by require_role), else the user's own."""
    partner = g.get("portal_partner")
    if partner is not None:
        return partner
    if current_user.is_authenticated and current_user.partner_id is not None:
        return current_user.partner
    return None


# ---------------------------------------------------------------- audit


def _check_detail(detail: dict[str, Any]) -> dict[str, Any]:
    for key in detail:
        lowered = key.lower()
        if lowered not in ALLOWED_CODE_KEYS and any(word in lowered for word in SECRET_WORDS):
            raise ValueError(f"audit detail {key!r} looks like a secret: the audit log never holds one")
    return detail


def audit(action: str, *, partner: Partner | int | None = None, actor: PortalUser | None = None,
          **detail: Any) -> AuditEvent:
    """Record who did `action` (to which partner, from where) in the caller's transaction (the caller commits).

    The actor is the signed-in user unless given ("cli" outside a request); `partner` defaults to
    current_partner(). `detail` is JSON and may not hold secrets (a key naming one is refused).
    """
    from flask import has_request_context

    in_request = has_request_context()
    if actor is None and in_request and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if partner is None and in_request:
        partner = current_partner() if current_user.is_authenticated else None
    partner_id = partner.id if isinstance(partner, Partner) else partner
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor=actor.email if actor is not None else ("anonymous" if in_request else "cli"),
        partner_id=partner_id, action=action[:60], detail=_check_detail(dict(detail)),
        ip=client_ip() if in_request else "", user_agent=client_agent() if in_request else "",
    )
    db.session.add(event)
    return event


REQUEST_STATE = ("_login_user", "portal_partner", "portal_session_id")


def forget_previous_request() -> None:
    """Drop per-request state kept on `g`: when a caller pushed an app context (tests, the embedded worker), `g`
    outlives one request, and the previous request's user, partner or CSRF token must not carry over."""
    if is_portal_request():
        for name in (*REQUEST_STATE, current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
            g.pop(name, None)


@login_manager.unauthorized_handler
def send_to_sign_in():
    """Signed-out visitors go to the sign-in page, which brings them back here (a same-site path only)."""
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("portal.sign_in", next=target))


def init_auth(app: Flask) -> None:
    """Bind Flask-Login and the portal's session cookie to the app."""
    app.before_request(forget_previous_request)
    login_manager.init_app(app)
    login_manager.login_view = "portal.sign_in"
    login_manager.session_protection = None  # the server-side session row is the authority (see above)
    login_manager.login_message = None
    app.session_interface = PortalSessionInterface()
