"""Single-use launch tokens and the server-side launch records that sessions point to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webview.db import Base, utcnow
from webview.launch.options import WEB_BAR_SHOW
from webview.partners.models import Customer, Partner
from webview.products import DEFAULT_PRODUCT


class LaunchToken(Base):
    """A one-time token in `url_open`; only its sha256 is stored."""

    __tablename__ = "launch_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(10), default=DEFAULT_PRODUCT.code)
    layout: Mapped[str] = mapped_column(String(10), default="dual")
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    theme_override: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    web_bar: Mapped[str] = mapped_column(String(8), default=WEB_BAR_SHOW, server_default=WEB_BAR_SHOW)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LaunchSession(Base):
    """What the session cookie points to: partner, customer, locale, theme, expiry."""

    __tablename__ = "launch_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random, opaque; kept in the cookie
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(10), default=DEFAULT_PRODUCT.code)
    layout: Mapped[str] = mapped_column(String(10), default="dual")
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    theme_override: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    web_bar: Mapped[str] = mapped_column(String(8), default=WEB_BAR_SHOW, server_default=WEB_BAR_SHOW)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship(lazy="joined")
    customer: Mapped[Customer] = relationship(lazy="joined")
