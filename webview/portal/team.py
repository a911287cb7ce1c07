"""A partner's team (invite colleagues, change roles, deactivate) and its audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from webview.extensions import db
from webview.partners.models import Partner
from webview.portal import bp
from webview.portal.accounts import (
    AccountError,
    can_deactivate,
    change_role,
    partner_users,
    set_user_active,
)
from webview.portal.auth import audit, current_partner, require_role
from webview.portal.forms import ConfirmForm, InviteForm, RoleForm
from webview.portal.models import ADMIN, OPERATOR, AuditEvent, PortalUser
from webview.portal.nav import add_nav
from webview.portal.onboarding import invite_user, resend_link, role_label

AUDIT_PAGE = 100

add_nav("portal.team", _l("Team"), roles=(ADMIN, OPERATOR), order=70, icon="users")
add_nav("portal.audit_log", _l("Audit log"), roles=(ADMIN, OPERATOR), order=80, icon="list")


def _member(partner: Partner, user_id: int) -> PortalUser:
    """A user of this partner (404 for anyone else's, including operators' own accounts)."""
    user = db.session.get(PortalUser, user_id)
    if user is None or user.partner_id != partner.id:
        abort(404)
    return user


def _team_page(partner: Partner, invite: InviteForm, status: int = 200):
    return render_template("portal/team.html", partner=partner, users=partner_users(partner), invite=invite,
                           confirm=ConfirmForm(), role_form=RoleForm(), role_label=role_label,
                           can_deactivate=can_deactivate), status


@bp.get("/p/<code>/team")
@require_role(ADMIN, OPERATOR)
def team(code: str):
    """The partner's portal users and their roles; invite a colleague."""
    return _team_page(current_partner(), InviteForm())


@bp.post("/p/<code>/team/invite")
@require_role(ADMIN, OPERATOR)
def invite(code: str):
    """Invite a colleague by email with a role (admin, developer, finance)."""
    partner = current_partner()
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_("Enter a name, an email address and a role."), "error")
        return _team_page(partner, form, 400)
    try:
        user = invite_user(partner, email=form.email.data, name=form.name.data, role=form.role.data,
                           inviter=current_user._get_current_object(), locale=str(get_locale() or "vi"))
    except AccountError as error:
        db.session.rollback()
        flash(_("Not invited: %(reason)s", reason=str(error)), "error")
        return _team_page(partner, form, 400)
    db.session.commit()
    flash(_("Invitation sent to %(email)s.", email=user.email), "info")
    return redirect(url_for("portal.team", code=code))


@bp.post("/p/<code>/team/<int:user_id>/role")
@require_role(ADMIN, OPERATOR)
def set_role(code: str, user_id: int):
    """Change a colleague's role (the partner keeps an administrator)."""
    partner = current_partner()
    user = _member(partner, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            before = user.role
            change_role(user, form.role.data)
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            audit("team.role_changed", partner=partner, user_email=user.email, before=before, after=user.role)
            db.session.commit()
            flash(_("%(name)s is now %(role)s.", name=user.name, role=role_label(user.role)), "info")
    return redirect(url_for("portal.team", code=code))


@bp.post("/p/<code>/team/<int:user_id>/active")
@require_role(ADMIN, OPERATOR)
def set_active(code: str, user_id: int):
    """Deactivate (their sessions end at once) or reactivate a colleague."""
    partner = current_partner()
    user = _member(partner, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        activate = request.form.get("active") == "1"
        if not activate and (user.id == current_user.id or not can_deactivate(user)):
            flash(_("The partner must keep at least one administrator."), "error")
            return redirect(url_for("portal.team", code=code))
        set_user_active(user, activate)
        audit("team.user_activated" if activate else "team.user_deactivated", partner=partner,
              user_email=user.email)
        db.session.commit()
    return redirect(url_for("portal.team", code=code))


@bp.post("/p/<code>/team/<int:user_id>/resend")
@require_role(ADMIN, OPERATOR)
def resend(code: str, user_id: int):
    """Send a new activation or invitation link to a colleague who has not set a password yet."""
    partner = current_partner()
    user = _member(partner, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            resend_link(user, inviter=current_user._get_current_object())
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("A new link was sent to %(email)s.", email=user.email), "info")
    return redirect(url_for("portal.team", code=code))


def audit_events(partner_id: int | None, limit: int = AUDIT_PAGE, before: int | None = None) -> list[AuditEvent]:
    """The newest audit events (of one partner, or all when `partner_id` is None), `before` an event id."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if partner_id is not None:
        query = query.where(AuditEvent.partner_id == partner_id)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    return list(db.session.scalars(query))


@bp.get("/p/<code>/audit")
@require_role(ADMIN, OPERATOR)
def audit_log(code: str):
    """Every action on the partner's account: who, what, when, from where."""
    partner = current_partner()
    before = request.args.get("before", type=int)
    events = audit_events(partner.id, before=before)
    return render_template("portal/audit.html", partner=partner, events=events,
                           more=len(events) == AUDIT_PAGE and events[-1].id)
