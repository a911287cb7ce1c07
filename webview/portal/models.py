"""Portal accounts, their server-side sessions, single-use emailed tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webview.db import Base, utcnow
from webview.partners.models import Partner

# Partner roles: `admin` manages the partner's account and colleagues, `developer` the integration, `finance`
# reads money (transactions, refunds, reports). `operator` is the merchant's own staff and sees every partner.
ADMIN, DEVELOPER, FINANCE, OPERATOR = "admin", "developer", "finance", "operator"
PARTNER_ROLES = (ADMIN, DEVELOPER, FINANCE)
ROLES = (*PARTNER_ROLES, OPERATOR)

# What a single-use emailed token is for.
ACTIVATION, INVITE, RESET = "activation", "invite", "reset"
TOKEN_PURPOSES = (ACTIVATION, INVITE, RESET)


class PortalUser(UserMixin, Base):
    """A person who signs in to /portal/: a partner's admin, developer or finance user, or a merchant operator.

    `password_hash` is None until the emailed activation (or invitation) link is used. The TOTP secret is sealed
    with the vault; `totp_last_step` refuses a code used twice. `failed_signins` and `locked_until` are the
    per-account lock-out.
    """

    __tablename__ = "portal_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    last_signin_at: Mapped[datetime | None]

    partner: Mapped[Partner | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated or never-activated accounts cannot sign in
        return bool(self.active) and self.password_hash is not None

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR

    @property
    def has_totp(self) -> bool:
        return self.totp_secret_sealed is not None

    def __repr__(self) -> str:
        return f"<PortalUser {self.id} {self.role}>"


class PortalSession(Base):
    """One signed-in browser: the portal cookie carries a random token whose SHA-256 is `token_hash`.

    Revoking the row ends that browser's session at its next request ("sign out everywhere" revokes all).
    """

    __tablename__ = "portal_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    revoked_at: Mapped[datetime | None]

    user: Mapped[PortalUser] = relationship(lazy="joined")


class PortalToken(Base):
    """A single-use emailed link (activation, invitation, password reset); only its SHA-256 is stored."""

    __tablename__ = "portal_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # When the holder of an expired or used link asked an operator for a new one (shown in the operator area).
    renewal_requested_at: Mapped[datetime | None]

    user: Mapped[PortalUser] = relationship(lazy="joined")


class AuditEvent(Base):
    """Who did what, to which partner, when and from where; `detail` never holds a secret (webview.portal.auth)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_partner_at", "partner_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(254), default="")  # the email (or "cli"), kept if the user goes
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
