"""Go-live: a certified sandbox partner's admin requests production, an operator approves (portal or `flask
partners promote CODE`), and the partner's production twin is created — a new `Partner` row of environment
`production`, linked to the sandbox one by its `GoLiveRequest`.

Decisions (README "Partner portal"):
* The production partner is a separate row with its own code (`<sandbox code>-live` unless the admin chose one), its
  own client_id, secret, api key and access code: the two environments never share a credential, and a
  production deployment (APP_ENV=production) serves only the production row (`served_environments`).
* The production settings (URLs, return hosts, deep-link template, public key) are given with the request,
  defaulting to the sandbox registration, and checked with the production rules of onboarding
  (`validate_spec`: https on public hosts, no legacy suite unless allowed, RSA keys of 2048 bits or more) when the
  request is made and again at approval; a registration that fails them is refused with the first reason.
* No secret is ever stored for later display: the approval creates the partner (its initial secret and api key are
  discarded unseen), and the partner admin's one reveal issues the working client secret and api key through the
  registry's own rotation services and shows them in that response only. A second reveal is refused.
* The notice email says the environment is live and where to reveal the credentials; it never carries one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from webview.db import Base, utcnow
from webview.extensions import db
from webview.partners.keys import merchant_public_key_pem
from webview.partners.models import Partner
from webview.partners.services import (
    CODE_PATTERN,
    IssuedCredentials,
    PartnerError,
    PartnerSpec,
    activate_partner,
    create_partner,
    find_partner,
    rotate_api_key,
    rotate_secret,
    validate_spec,
)
from webview.portal.certification import Checklist, evaluate_checklist, require_sandbox_partner

REQUESTED, APPROVED, REJECTED, WITHDRAWN = "requested", "approved", "rejected", "withdrawn"
GOLIVE_STATES = (REQUESTED, APPROVED, REJECTED, WITHDRAWN)
OPEN_STATES = (REQUESTED, APPROVED)
PRODUCTION_SUFFIX = "-live"
SANDBOX_SUFFIXES = ("-sandbox", "-sbx", "-test")
SETTING_FIELDS = ("create_transaction_url", "query_transaction_url", "refund_url", "payment_url",
                  "deeplink_template", "bridge_function", "return_hosts", "public_key")
MAX_REASON = 500


class GoLiveError(ValueError):
    """A go-live step was refused; the message is one line saying why."""


class GoLiveRequest(Base):
    """A sandbox partner's request for production, the operator's decision, and the production partner made.

    `open_key` is the sandbox partner's id while the request is requested or approved (NULL otherwise), so the
    unique constraint allows one open request per partner on every database.
    """

    __tablename__ = "golive_request"
    __table_args__ = (UniqueConstraint("open_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sandbox_partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    production_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"))
    open_key: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=REQUESTED)
    production_code: Mapped[str] = mapped_column(String(40))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the production URLs, hosts, key
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # as the admin saw it when requesting
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    revealed_by: Mapped[str | None] = mapped_column(String(254))
    revealed_at: Mapped[datetime | None]

    @property
    def awaits_reveal(self) -> bool:
        """Approved, and the partner admin has not yet seen the production secrets."""
        return self.status == APPROVED and self.revealed_at is None


# ---------------------------------------------------------------- reading


def latest_request(partner: Partner) -> GoLiveRequest | None:
    """The sandbox partner's newest go-live request."""
    return db.session.scalar(select(GoLiveRequest).where(GoLiveRequest.sandbox_partner_id == partner.id)
                             .order_by(GoLiveRequest.id.desc()).limit(1))


def open_request(partner: Partner) -> GoLiveRequest | None:
    """The sandbox partner's requested or approved request, if any."""
    return db.session.scalar(select(GoLiveRequest).where(GoLiveRequest.open_key == partner.id))


def pending_requests() -> list[GoLiveRequest]:
    """Requests waiting for an operator, oldest first."""
    return list(db.session.scalars(select(GoLiveRequest).where(GoLiveRequest.status == REQUESTED)
                                   .order_by(GoLiveRequest.id)))


def production_partner_of(partner: Partner) -> Partner | None:
    """The production partner made from this sandbox partner, once approved."""
    found = db.session.scalar(select(GoLiveRequest.production_partner_id).where(
        GoLiveRequest.sandbox_partner_id == partner.id, GoLiveRequest.status == APPROVED))
    return db.session.get(Partner, found) if found is not None else None


def default_production_code(sandbox_code: str) -> str:
    """`wallet-sandbox` → `wallet`; otherwise `<code>-live` (cut to the code's 39 characters)."""
    for suffix in SANDBOX_SUFFIXES:
        if sandbox_code.endswith(suffix) and CODE_PATTERN.fullmatch(sandbox_code[: -len(suffix)]):
            return sandbox_code[: -len(suffix)]
    return sandbox_code[: 39 - len(PRODUCTION_SUFFIX)].rstrip("-") + PRODUCTION_SUFFIX


def default_settings(partner: Partner) -> dict[str, Any]:
    """The production settings a request starts from: the sandbox registration's."""
    return {"create_transaction_url": partner.create_transaction_url or "",
            "query_transaction_url": partner.query_transaction_url or "", "refund_url": partner.refund_url or "",
            "payment_url": partner.payment_url or "", "deeplink_template": partner.deeplink_template or "",
            "bridge_function": partner.bridge_function or "", "return_hosts": list(partner.return_hosts or []),
            "public_key": partner.public_key_pem or ""}


# ---------------------------------------------------------------- the production spec


def production_spec(partner: Partner, production_code: str, settings: dict[str, Any]) -> PartnerSpec:
    """The onboarding spec of the production twin: the sandbox registration with the production settings."""
    values = {**default_settings(partner), **{k: v for k, v in settings.items() if k in SETTING_FIELDS}}
    hosts = values.get("return_hosts") or []
    if isinstance(hosts, str):
        hosts = [host for host in re.split(r"[\s,]+", hosts) if host]
    theme = dict(partner.theme or {})
    theme.pop("font_stack", None)
    return PartnerSpec(
        code=production_code, name=partner.name, address=partner.address, website=partner.website,
        environment="production", profile=partner.profile, suite=partner.suite,
        allow_legacy=partner.allow_legacy_in_production, handoff=partner.handoff,
        public_key=values.get("public_key") or None, admin_name=partner.admin_name,
        admin_email=partner.admin_email, admin_phone=partner.admin_phone, support_email=partner.support_email,
        support_phone=partner.support_phone, support_hours=partner.support_hours,
        create_transaction_url=values.get("create_transaction_url") or None,
        query_transaction_url=values.get("query_transaction_url") or None,
        refund_url=values.get("refund_url") or None, payment_url=values.get("payment_url") or None,
        deeplink_template=values.get("deeplink_template") or None,
        bridge_function=values.get("bridge_function") or None, return_hosts=tuple(hosts), theme=theme,
        logo_url=partner.logo_url, font_stack=partner.font_stack or "system")


def check_production_rules(partner: Partner, production_code: str, settings: dict[str, Any]) -> PartnerSpec:
    """The production spec when it passes every production rule of onboarding; GoLiveError with the reason."""
    if not CODE_PATTERN.fullmatch(production_code or ""):
        raise GoLiveError("the production partner code must be 2-39 characters of a-z, 0-9 and '-'")
    spec = production_spec(partner, production_code, settings)
    try:
        validate_spec(spec)
    except PartnerError as error:
        raise GoLiveError(f"the registration would not pass the production rules: {error}") from error
    return spec


# ---------------------------------------------------------------- the steps


def request_go_live(partner: Partner, *, requested_by: str, production_code: str | None = None,
                    settings: dict[str, Any] | None = None, checklist: Checklist | None = None) -> GoLiveRequest:
    """Record the admin's request (the caller commits): every required checklist item must be green and the
    production settings must pass the production rules. One open request per partner."""
    require_sandbox_partner(partner)
    if partner.status != "active":
        raise GoLiveError(f"partner {partner.code} is {partner.status}: only an active sandbox partner goes live")
    if open_request(partner) is not None:
        raise GoLiveError("a go-live request is already open for this partner")
    checklist = checklist or evaluate_checklist(partner)
    if not checklist.required_green:
        raise GoLiveError(f"the certification checklist is not green yet: {', '.join(checklist.missing)}")
    production_code = (production_code or "").strip() or default_production_code(partner.code)
    settings = {k: v for k, v in (settings or {}).items() if k in SETTING_FIELDS}
    check_production_rules(partner, production_code, settings)
    request = GoLiveRequest(sandbox_partner_id=partner.id, open_key=partner.id, status=REQUESTED,
                            production_code=production_code, settings=settings, checklist=checklist.as_dict(),
                            requested_by=requested_by[:254])
    db.session.add(request)
    db.session.flush()
    return request


def withdraw_request(request: GoLiveRequest) -> None:
    """The admin takes back a request the operator has not decided yet (the caller commits)."""
    if request.status != REQUESTED:
        raise GoLiveError(f"this request is {request.status}: only a pending request can be withdrawn")
    request.status, request.open_key = WITHDRAWN, None
    db.session.flush()


def reject_request(request: GoLiveRequest, *, decided_by: str, reason: str) -> None:
    """The operator refuses, with the reason the partner reads (the caller commits)."""
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > MAX_REASON:
        raise GoLiveError(f"say why the request is rejected (1 to {MAX_REASON} characters)")
    if request.status != REQUESTED:
        raise GoLiveError(f"this request is {request.status}: only a pending request can be rejected")
    request.status, request.open_key = REJECTED, None
    request.decided_by, request.decided_at, request.reason = decided_by[:254], utcnow(), reason
    db.session.flush()


def approve_request(request: GoLiveRequest, *, decided_by: str) -> Partner:
    """The operator approves: the production partner is created by the onboarding service with fresh credentials
    (none shown here), under the production rules, and activated (the caller commits)."""
    if request.status != REQUESTED:
        raise GoLiveError(f"this request is {request.status}: only a pending request can be approved")
    sandbox = db.session.get(Partner, request.sandbox_partner_id)
    if sandbox is None or sandbox.environment != "sandbox":
        raise GoLiveError("the sandbox partner of this request no longer exists")
    if find_partner(request.production_code) is not None:
        raise GoLiveError(f"partner code {request.production_code!r} is already taken")
    spec = check_production_rules(sandbox, request.production_code, request.settings or {})
    try:
        production, _unseen = create_partner(spec)  # its first secret and api key are never shown: see reveal
        activate_partner(production)
    except PartnerError as error:
        raise GoLiveError(f"the registration would not pass the production rules: {error}") from error
    request.status, request.production_partner_id = APPROVED, production.id
    request.decided_by, request.decided_at = decided_by[:254], utcnow()
    db.session.flush()
    return production


def promote(partner_code: str, *, decided_by: str) -> tuple[GoLiveRequest, Partner]:
    """Approve the pending go-live request of a sandbox partner (the CLI's `flask partners promote CODE`)."""
    partner = find_partner(partner_code)
    if partner is None:
        raise GoLiveError(f"no partner with code {partner_code!r}")
    if partner.environment != "sandbox":
        raise GoLiveError(f"partner {partner.code} is already a {partner.environment} partner")
    request = open_request(partner)
    if request is None or request.status != REQUESTED:
        raise GoLiveError(f"partner {partner.code} has no pending go-live request (its admin requests go-live in "
                          "the portal once every required certification item is green)")
    return request, approve_request(request, decided_by=decided_by)


@dataclass(frozen=True)
class RevealedCredentials:
    """The production credentials as shown once to the partner admin."""

    issued: IssuedCredentials
    partner: Partner


def reveal_production_credentials(request: GoLiveRequest, *, revealed_by: str) -> RevealedCredentials:
    """Issue the production client secret and api key now and return them for this one response (the caller
    commits; nothing of them is stored but the registry's sealed secret and the api key's hash). Once only."""
    if request.status != APPROVED or request.production_partner_id is None:
        raise GoLiveError("go-live has not been approved yet")
    if request.revealed_at is not None:
        raise GoLiveError("the production credentials were already shown once; if they were lost, an operator "
                          "rotates them (the new ones are shown once again)")
    production = db.session.get(Partner, request.production_partner_id)
    if production is None:
        raise GoLiveError("the production partner no longer exists")
    secret = rotate_secret(production, 0)  # the unseen first secret stops at once
    production.previous_client_secret_sealed, production.previous_secret_expires_at = None, None
    api_key = rotate_api_key(production)
    request.revealed_by, request.revealed_at = revealed_by[:254], utcnow()
    db.session.flush()
    issued = IssuedCredentials(partner_code=production.code, client_id=production.client_id, client_secret=secret,
                               api_key=api_key, access_code=production.access_code,
                               merchant_public_key_pem=merchant_public_key_pem("production"))
    return RevealedCredentials(issued, production)


def settings_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """The production settings of a submitted form: stripped strings, return hosts as a list."""
    settings = {name: str(data.get(name) or "").strip() for name in SETTING_FIELDS if name != "return_hosts"}
    settings["return_hosts"] = [host for host in re.split(r"[\s,]+", str(data.get("return_hosts") or "")) if host]
    return settings


def notify_decision(request: GoLiveRequest, *, link: str) -> None:
    """Queue the go-live notice to the sandbox partner's administrator in the caller's transaction (no secret in
    it: the credentials are revealed in the portal only)."""
    from webview.emails.golive import queue_golive_notice
    from webview.portal.models import ADMIN, PortalUser

    sandbox = db.session.get(Partner, request.sandbox_partner_id)
    if sandbox is None or request.status not in (APPROVED, REJECTED):
        return
    admins = list(db.session.scalars(select(PortalUser).where(PortalUser.partner_id == sandbox.id,
                                                              PortalUser.role == ADMIN, PortalUser.active)))
    recipients = {admin.email.lower(): (admin.name, admin.locale) for admin in admins}
    if sandbox.admin_email and sandbox.admin_email.lower() not in recipients:
        recipients[sandbox.admin_email.lower()] = (sandbox.admin_name, "vi")
    for address, (name, locale) in sorted(recipients.items()):
        queue_golive_notice(request.status, to=address, locale=locale or "vi", name=name or address,
                            partner_id=sandbox.id, partner_name=sandbox.name,
                            production_code=request.production_code, reason=request.reason, link=link,
                            key=f"{request.id}:{request.status}")
