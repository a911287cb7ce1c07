"""Onboarding to the portal: the partner administrator's activation link, colleagues' invitations, password
reset links and operator accounts. Each queues its email in the caller's transaction (the caller commits)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from webview.emails.portal import queue_portal_email
from webview.partners.models import Partner
from webview.portal.accounts import (
    AccountError,
    activation_purpose,
    add_user,
    find_user,
    issue_token,
    partner_admin,
    token_lifetime,
)
from webview.portal.auth import audit, hash_token
from webview.portal.models import ACTIVATION, ADMIN, INVITE, OPERATOR, RESET, PortalUser

LINK_PATHS = {ACTIVATION: "/portal/activate", INVITE: "/portal/activate", RESET: "/portal/reset"}


def role_label(role: str) -> str:
    """The role's name in the current language."""
    return {"admin": _("administrator"), "developer": _("developer"), "finance": _("finance"),
            "operator": _("operator")}.get(role, role)


def link_for(purpose: str, token: str) -> str:
    """The absolute single-use URL (the token travels as `token=`, which every log redacts)."""
    return f"{current_app.config['PUBLIC_BASE_URL']}{LINK_PATHS[purpose]}?token={token}"


def send_link(user: PortalUser, purpose: str, *, locale: str | None = None, inviter: PortalUser | None = None) -> str:
    """Issue a new single-use link of `purpose` for `user` and queue its email; returns the link (for the CLI's
    development echo only — never shown on a page or logged)."""
    token = issue_token(user, purpose)
    link = link_for(purpose, token)
    hours = token_lifetime(purpose).total_seconds() / 3600
    partner_name = user.partner.name if user.partner is not None else current_app.config["MERCHANT_NAME"]
    kind = "reset" if purpose == RESET else purpose
    queue_portal_email(kind, to=user.email, locale=locale or user.locale or "vi", name=user.name,
                       partner_name=partner_name, link=link, hours=hours,
                       key=f"{purpose}:{hash_token(token)[:32]}",
                       inviter=inviter.name if inviter is not None else "", role=role_label(user.role))
    return link


def onboard_partner_admin(partner: Partner, *, locale: str = "vi") -> tuple[PortalUser, str]:
    """The partner's administrator account (from its admin name and email) and its emailed activation link.

    An administrator account that exists already gets a fresh link instead (the old one stops working).
    """
    user = partner_admin(partner)
    if user is None:
        existing = find_user(partner.admin_email)
        if existing is not None:
            raise AccountError(_("%(email)s already has a portal account", email=partner.admin_email))
        user = add_user(email=partner.admin_email, name=partner.admin_name or partner.name, role=ADMIN,
                        partner=partner)
        user.locale = locale
    if user.password_hash is not None:
        raise AccountError(_("the administrator has already activated the account"))
    link = send_link(user, ACTIVATION, locale=locale)
    audit("portal.activation_sent", partner=partner, user_email=user.email)
    return user, link


def invite_user(partner: Partner, *, email: str, name: str, role: str, inviter: PortalUser,
                locale: str = "vi") -> PortalUser:
    """A colleague's account with `role` and an emailed invitation link."""
    if role not in ("admin", "developer", "finance"):
        raise AccountError(_("role must be administrator, developer or finance"))
    user = add_user(email=email, name=name, role=role, partner=partner)
    user.locale = locale
    send_link(user, INVITE, locale=locale, inviter=inviter)
    audit("portal.user_invited", partner=partner, user_email=user.email, role=role)
    return user


def resend_link(user: PortalUser, *, inviter: PortalUser | None = None) -> str:
    """A new activation or invitation link for an account that has no password yet."""
    if user.password_hash is not None:
        raise AccountError(_("this account is already active"))
    purpose = activation_purpose(user) if user.partner is not None else ACTIVATION
    link = send_link(user, purpose, inviter=inviter)
    audit("portal.link_resent", partner=user.partner_id, user_email=user.email)
    return link


def send_reset_link(email: str, *, locale: str) -> bool:
    """Email a password-reset link when the address belongs to an active account; the caller answers the same
    either way (no account oracle). Returns whether a link was sent."""
    user = find_user(email)
    if user is None or not user.active or user.password_hash is None:
        return False
    send_link(user, RESET, locale=locale)
    audit("portal.reset_requested", partner=user.partner_id, actor=user)
    return True


def create_operator(email: str, name: str) -> tuple[PortalUser, str]:
    """A merchant operator account and its emailed activation link."""
    user = add_user(email=email, name=name, role=OPERATOR, partner=None)
    link = send_link(user, ACTIVATION, locale="en")
    audit("portal.operator_created", user_email=user.email)
    return user, link


def on_partner_created(partner: Partner, *, locale: str = "vi") -> str:
    """`flask partners create` committed a partner: email its administrator the activation link (committed here).
    Returns the line the CLI prints; a refusal (the address has an account already) is reported, not raised."""
    from flask_babel import force_locale

    from webview.extensions import db

    with force_locale("en"):
        try:
            user, _link = onboard_partner_admin(partner, locale=locale)
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            return f"Portal: no activation link sent ({error}); see `flask portal send-activation {partner.code}`."
    hours = current_app.config["PORTAL_ACTIVATION_HOURS"]
    return f"Portal: activation link emailed to {user.email} (single use, valid {hours} h)."
