"""Portal account services: users, passwords, emailed single-use links, sign-in with lock-out, TOTP.

Plain functions with no `request` or `session` inside: the views, `flask portal` and `flask partners create` share
them. None of them commits; the caller does (with the audit event of the same action).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import pyotp
import segno
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from webview.db import utcnow
from webview.extensions import db
from webview.partners.models import Partner
from webview.portal.auth import hash_token
from webview.portal.models import (
    ACTIVATION,
    ADMIN,
    INVITE,
    OPERATOR,
    PARTNER_ROLES,
    RESET,
    TOKEN_PURPOSES,
    PortalToken,
    PortalUser,
)
from webview.vault import open_sealed, seal

MIN_PASSWORD = 12
MAX_PASSWORD = 128
TOTP_PURPOSE = "portal-totp"
TOTP_ISSUER = "webview partner portal"
PASSWORD_METHOD = "scrypt"  # noqa: S105  (a hashing method's name, not a password)
# A hash to compare against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16), method=PASSWORD_METHOD)


class AccountError(ValueError):
    """A refused account operation; the message is one clear line (translated by the caller's page)."""


# ---------------------------------------------------------------- users


def normalise_email(value: str | None) -> str:
    """The lower-case form of an email address, or AccountError."""
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(_("%(value)s is not an email address", value=value or "")) from error


def find_user(email: str) -> PortalUser | None:
    """The account with this email (any case), or None."""
    if not isinstance(email, str) or not email or len(email) > 254:
        return None
    return db.session.scalar(select(PortalUser).where(func.lower(PortalUser.email) == email.strip().lower()))


def add_user(*, email: str, name: str, role: str, partner: Partner | None) -> PortalUser:
    """A new account without a password (it is set through an emailed link); AccountError if refused."""
    address = normalise_email(email)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AccountError(_("a name is required (at most 200 characters)"))
    if role == OPERATOR:
        if partner is not None:
            raise AccountError(_("operators belong to no partner"))
    elif role in PARTNER_ROLES:
        if partner is None:
            raise AccountError(_("partner users belong to a partner"))
    else:
        raise AccountError(_("role must be administrator, developer, finance or operator"))
    if find_user(address) is not None:
        raise AccountError(_("%(email)s already has a portal account", email=address))
    user = PortalUser(email=address, name=name, role=role, partner_id=partner.id if partner else None,
                      failed_signins=0, active=True)
    db.session.add(user)
    db.session.flush()
    return user


def check_password(password: str | None, user: PortalUser) -> str:
    """The password if it is acceptable for `user`, else AccountError saying why."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(_("the password must be %(min)s to %(max)s characters", min=MIN_PASSWORD, max=MAX_PASSWORD))
    if len(set(password)) < 5:
        raise AccountError(_("the password repeats too few different characters"))
    local = user.email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in password.lower():
        raise AccountError(_("the password must not contain your email address"))
    return password


def set_password(user: PortalUser, password: str) -> None:
    """Hash (scrypt) and store a new password; unlocks the account."""
    user.password_hash = generate_password_hash(check_password(password, user), method=PASSWORD_METHOD)
    user.failed_signins = 0
    user.locked_until = None
    if user.activated_at is None:
        user.activated_at = utcnow()


def partner_admin(partner: Partner) -> PortalUser | None:
    """The partner's first administrator account (made at onboarding), or None."""
    return db.session.scalar(select(PortalUser).where(PortalUser.partner_id == partner.id, PortalUser.role == ADMIN)
                             .order_by(PortalUser.id))


def partner_users(partner: Partner) -> list[PortalUser]:
    return list(db.session.scalars(select(PortalUser).where(PortalUser.partner_id == partner.id)
                                   .order_by(PortalUser.id)))


def set_user_active(user: PortalUser, active: bool) -> None:
    """Deactivate (every session ends at its next request) or reactivate an account."""
    from webview.portal.auth import revoke_sessions

    user.active = active
    if not active:
        revoke_sessions(user)


def change_role(user: PortalUser, role: str) -> None:
    """A partner user's new role; the partner keeps at least one active admin."""
    if role not in PARTNER_ROLES or user.role not in PARTNER_ROLES:
        raise AccountError(_("role must be administrator, developer or finance"))
    if user.role == ADMIN and role != ADMIN and _other_admins(user) == 0:
        raise AccountError(_("The partner must keep at least one administrator."))
    user.role = role


def _other_admins(user: PortalUser) -> int:
    return db.session.scalar(select(func.count()).select_from(PortalUser).where(
        PortalUser.partner_id == user.partner_id, PortalUser.role == ADMIN, PortalUser.active.is_(True),
        PortalUser.id != user.id)) or 0


def can_deactivate(user: PortalUser) -> bool:
    return not (user.role == ADMIN and _other_admins(user) == 0)


# ---------------------------------------------------------------- emailed single-use links


@dataclass(frozen=True)
class TokenCheck:
    """What a link's token turned out to be: `state` is ok, expired, used or unknown."""

    state: str
    token: PortalToken | None = None


def token_lifetime(purpose: str) -> timedelta:
    config = current_app.config
    if purpose == RESET:
        return timedelta(minutes=config["PORTAL_RESET_MINUTES"])
    return timedelta(hours=config["PORTAL_ACTIVATION_HOURS"])


def issue_token(user: PortalUser, purpose: str) -> str:
    """A new single-use link token for `user` (only its hash is stored); earlier unused ones of the same purpose
    stop working. Returns the raw token, to be emailed and never kept."""
    if purpose not in TOKEN_PURPOSES:
        raise AccountError(f"unknown token purpose {purpose!r}")
    now = utcnow()
    for earlier in db.session.scalars(select(PortalToken).where(
            PortalToken.user_id == user.id, PortalToken.purpose == purpose, PortalToken.used_at.is_(None))):
        earlier.used_at = now  # superseded
    raw = secrets.token_urlsafe(32)
    db.session.add(PortalToken(purpose=purpose, user_id=user.id, token_hash=hash_token(raw),
                               expires_at=now + token_lifetime(purpose)))
    db.session.flush()
    return raw


def check_token(raw: str | None, purposes: tuple[str, ...]) -> TokenCheck:
    """Look a link's token up without using it."""
    if not isinstance(raw, str) or not 20 <= len(raw) <= 100:
        return TokenCheck("unknown")
    token = db.session.scalar(select(PortalToken).where(PortalToken.token_hash == hash_token(raw)))
    if token is None or token.purpose not in purposes:
        return TokenCheck("unknown")
    if token.used_at is not None:
        return TokenCheck("used", token)
    if token.expires_at <= utcnow() or not token.user.active:
        return TokenCheck("expired", token)
    return TokenCheck("ok", token)


def use_token(raw: str, purposes: tuple[str, ...], password: str) -> PortalUser:
    """Set the password through a link, once: the token is spent and the account's sessions end."""
    from webview.portal.auth import revoke_sessions

    checked = check_token(raw, purposes)
    if checked.state != "ok" or checked.token is None:
        raise AccountError(_("This link no longer works"))
    user = checked.token.user
    set_password(user, password)
    checked.token.used_at = utcnow()
    revoke_sessions(user)
    return user


def request_renewal(token: PortalToken) -> None:
    """The holder of an expired or used activation link asks an operator for a new one (shown in the operator
    area); asking again changes nothing."""
    if token.renewal_requested_at is None:
        token.renewal_requested_at = utcnow()


def pending_renewals() -> list[PortalToken]:
    """Links whose holders asked for a new one and have none newer yet, oldest first."""
    rows = db.session.scalars(select(PortalToken).where(PortalToken.renewal_requested_at.is_not(None))
                              .order_by(PortalToken.renewal_requested_at))
    found = []
    for row in rows:
        newer = db.session.scalar(select(func.count()).select_from(PortalToken).where(
            PortalToken.user_id == row.user_id, PortalToken.id > row.id))
        if not newer and row.user.password_hash is None:
            found.append(row)
    return found


def activation_purpose(user: PortalUser) -> str:
    """A partner's first admin is activated; everyone else was invited."""
    admin = partner_admin(user.partner) if user.partner is not None else None
    return ACTIVATION if admin is not None and admin.id == user.id else INVITE


# ---------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class SignInResult:
    """`outcome`: ok, needs_totp, bad (wrong email or password, or inactive), locked (until `locked_until`)."""

    outcome: str
    user: PortalUser | None = None
    locked_until: object = None


def is_locked(user: PortalUser) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def record_failure(user: PortalUser) -> None:
    """One more failed sign-in; at PORTAL_MAX_FAILED_SIGNINS the account locks for PORTAL_LOCKOUT_MINUTES."""
    config = current_app.config
    user.failed_signins = (user.failed_signins or 0) + 1
    if user.failed_signins >= config["PORTAL_MAX_FAILED_SIGNINS"]:
        user.locked_until = utcnow() + timedelta(minutes=config["PORTAL_LOCKOUT_MINUTES"])
        user.failed_signins = 0


def check_credentials(email: str, password: str) -> SignInResult:
    """The first sign-in step. A locked account is refused before its password is checked (so guessing on
    cannot unlock it); a wrong password counts towards the lock-out."""
    user = find_user(email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return SignInResult("bad")
    if is_locked(user):
        return SignInResult("locked", user, user.locked_until)
    if not check_password_hash(user.password_hash, password or ""):
        record_failure(user)
        if is_locked(user):
            return SignInResult("locked", user, user.locked_until)
        return SignInResult("bad", user)
    if not user.active:
        return SignInResult("bad", user)
    if user.has_totp:
        return SignInResult("needs_totp", user)
    user.failed_signins = 0
    return SignInResult("ok", user)


def check_second_factor(user: PortalUser, code: str) -> SignInResult:
    """The TOTP step; a wrong code counts towards the same lock-out as a wrong password."""
    if is_locked(user):
        return SignInResult("locked", user, user.locked_until)
    if not verify_totp(user, code):
        record_failure(user)
        if is_locked(user):
            return SignInResult("locked", user, user.locked_until)
        return SignInResult("bad", user)
    user.failed_signins = 0
    return SignInResult("ok", user)


# ---------------------------------------------------------------- TOTP


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: PortalUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def totp_qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no image request, nothing leaves the server)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#1b1f24", light="#ffffff", title="TOTP")


def _matching_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    for offset in (-1, 0, 1):  # one 30 s step of clock drift either way
        step = int(now // totp.interval) + offset
        if (last_step is None or step > last_step) and secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def enable_totp(user: PortalUser, secret: str, code: str) -> None:
    """Turn TOTP on once the user proved the authenticator works (a code for `secret`)."""
    step = _matching_step(secret, code, None)
    if step is None:
        raise AccountError(_("that code does not match: check the time on your phone and try the next code"))
    user.totp_secret_sealed = seal(current_app.config["MASTER_KEY"], secret, TOTP_PURPOSE)
    user.totp_last_step = step


def disable_totp(user: PortalUser) -> None:
    user.totp_secret_sealed = None
    user.totp_last_step = None


def verify_totp(user: PortalUser, code: str) -> bool:
    """Whether `code` is the user's current TOTP code and was not used before (a replay is refused)."""
    if not user.totp_secret_sealed:
        return False
    secret = open_sealed(current_app.config["MASTER_KEY"], user.totp_secret_sealed, TOTP_PURPOSE).decode()
    step = _matching_step(secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True
