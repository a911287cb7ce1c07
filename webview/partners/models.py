"""Partners (super apps), their issued credentials and the merchant's own key pairs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webview.db import Base, utcnow
from webview.profiles import HMAC

ENVIRONMENTS = ("sandbox", "production")
STATUSES = ("pending_activation", "active", "suspended")


def served_environments() -> tuple[str, ...]:
    """The partner environments this deployment serves (`PARTNER_ENVIRONMENTS`): a production deployment serves
    production partners only, whatever its configuration says; a sandbox deployment sandbox partners only; a
    development one both (outside an application context: both). Credentials, sessions and result links of a
    partner of any other environment do not work here (`Partner.is_active`, the partner lookups)."""
    if not has_app_context():
        return ENVIRONMENTS
    if current_app.config.get("APP_ENV") == "production":
        return ("production",)
    configured = current_app.config.get("PARTNER_ENVIRONMENTS") or ENVIRONMENTS
    return tuple(environment for environment in ENVIRONMENTS if environment in configured)


class Partner(Base):
    """A partner super app that embeds the webview, with its onboarding data and credentials."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    admin_name: Mapped[str] = mapped_column(String(200), default="")
    admin_email: Mapped[str] = mapped_column(String(254), default="")
    admin_phone: Mapped[str] = mapped_column(String(20), default="")
    # Where the partner's customers get help (emails and order screens); empty: the merchant's SUPPORT_EMAIL.
    support_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    support_phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    support_hours: Mapped[str] = mapped_column(String(100), default="", server_default="")

    environment: Mapped[str] = mapped_column(String(20), default="sandbox")
    profile: Mapped[str] = mapped_column(String(20), default=HMAC.code)
    suite: Mapped[str] = mapped_column(String(20), default="modern")
    allow_legacy_in_production: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(30), default="pending_activation")

    handoff: Mapped[str] = mapped_column(String(20), default="redirect")
    payment_hosts: Mapped[list[str]] = mapped_column(JSON, default=list)  # hosts of payment_url / app links
    deeplink_schemes: Mapped[list[str]] = mapped_column(JSON, default=list)  # custom schemes, e.g. sandboxpay
    deeplink_template: Mapped[str | None] = mapped_column(String(500))
    bridge_function: Mapped[str | None] = mapped_column(String(200))
    create_transaction_url: Mapped[str | None] = mapped_column(String(500))
    query_transaction_url: Mapped[str | None] = mapped_column(String(500))
    refund_url: Mapped[str | None] = mapped_column(String(500))
    payment_url: Mapped[str | None] = mapped_column(String(500))
    return_hosts: Mapped[list[str]] = mapped_column(JSON, default=list)

    theme: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    logo_url: Mapped[str | None] = mapped_column(String(500))
    font_stack: Mapped[str] = mapped_column(String(40), default="system")

    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret_sealed: Mapped[str] = mapped_column(Text)
    previous_client_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_code: Mapped[str] = mapped_column(String(64), unique=True)

    public_key_pem: Mapped[str | None] = mapped_column(Text)
    public_key_bits: Mapped[int | None] = mapped_column(Integer)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customers: Mapped[list[Customer]] = relationship(back_populates="partner", lazy="raise_on_sql")

    @property
    def is_served(self) -> bool:
        """Of an environment this deployment serves (otherwise it is unknown here, whatever its status)."""
        return self.environment in served_environments()

    @property
    def is_active(self) -> bool:
        """Active, and of an environment this deployment serves (its sessions and links work only then)."""
        return self.status == "active" and self.is_served

    def __repr__(self) -> str:
        return f"<Partner {self.code} {self.profile}/{self.handoff} {self.status}>"


class MerchantKey(Base):
    """The merchant's own RSA key pair for one environment; the private key is sealed at rest."""

    __tablename__ = "merchant_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    environment: Mapped[str] = mapped_column(String(20), unique=True)
    public_key_pem: Mapped[str] = mapped_column(Text)
    private_key_sealed: Mapped[str] = mapped_column(Text)
    bits: Mapped[int] = mapped_column(Integer, default=3072)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Customer(Base):
    """An end user of a partner app, identified by the partner's own user id."""

    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("partner_id", "identify_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    identify_code: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), default="")
    fullname: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="customers")


class PartnerStyle(Base):
    """One version of a partner's integration style (docs/partners/styles.md); the highest version is current."""

    __tablename__ = "partner_style"
    __table_args__ = (UniqueConstraint("partner_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))  # the style's own name (a preset's, or the partner's)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)  # the validated document, as stored
    source: Mapped[str] = mapped_column(String(300), default="")  # "preset standard", a file name, "portal"
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerStyleSecret(Base):
    """A secret a partner's style signs with besides the client secret (e.g. ZaloPay's key2), sealed at rest."""

    __tablename__ = "partner_style_secret"
    __table_args__ = (UniqueConstraint("partner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    secret_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
