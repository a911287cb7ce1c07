"""The merchant operators' area: every partner, onboarding, suspend/activate, link requests and the audit log.

Each action is the same service the `flask partners` CLI calls (create_partner, suspend_partner, activate_partner);
rotating secrets, keys, integration and support are the partner's own pages, which operators open too.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from webview.extensions import db
from webview.partners.models import Partner
from webview.partners.services import (
    PartnerError,
    PartnerSpec,
    activate_partner,
    create_partner,
    suspend_partner,
)
from webview.portal import bp
from webview.portal.accounts import AccountError, partner_users, pending_renewals
from webview.portal.auth import audit, require_role
from webview.portal.forms import ConfirmForm, OperatorCreatePartnerForm
from webview.portal.models import OPERATOR, PortalToken
from webview.portal.nav import add_nav
from webview.portal.onboarding import onboard_partner_admin, resend_link, role_label
from webview.portal.pages import Revealed, readable_error, reveal_once
from webview.portal.team import AUDIT_PAGE, audit_events
from webview.profiles import HMAC, PROFILE_CODES, PROFILES, profile_label
from webview.profiles.handoffs import HANDOFF_CODES

add_nav("portal.operator_partners", _l("Partners"), roles=(OPERATOR,), section="operator", order=10, icon="grid")
add_nav("portal.operator_new_partner", _l("Onboard a partner"), roles=(OPERATOR,), section="operator", order=20,
        icon="plus")
add_nav("portal.operator_audit", _l("Audit log (all)"), roles=(OPERATOR,), section="operator", order=90,
        icon="list")


def _partner_or_404(code: str) -> Partner:
    partner = db.session.scalar(select(Partner).where(Partner.code == code)) if len(code) <= 40 else None
    if partner is None:
        abort(404)
    return partner


@bp.get("/operator/partners")
@require_role(OPERATOR)
def operator_partners():
    """Every partner with its environment, profile and status; activation links someone asked to renew."""
    status = request.args.get("status", "")
    query = select(Partner).order_by(Partner.code)
    if status in ("pending_activation", "active", "suspended"):
        query = query.where(Partner.status == status)
    return render_template("portal/operator_partners.html", partners=list(db.session.scalars(query)),
                           status=status, renewals=pending_renewals(), confirm=ConfirmForm(),
                           profile_label=profile_label)


@bp.get("/operator/partners/<code>")
@require_role(OPERATOR)
def operator_partner(code: str):
    """One partner's registration (never its secrets), its portal users and the operator's actions."""
    partner = _partner_or_404(code)
    return render_template("portal/operator_partner.html", partner=partner, users=partner_users(partner),
                           confirm=ConfirmForm(), profile=profile_label(partner.profile, partner.suite),
                           role_label=role_label, events=audit_events(partner.id, limit=20))


@bp.post("/operator/partners/<code>/suspend")
@require_role(OPERATOR)
def operator_suspend(code: str):
    """Suspend: the partner's API calls are refused and its users' sessions end now (`flask partners suspend`)."""
    partner = _partner_or_404(code)
    if ConfirmForm().validate_on_submit():
        suspend_partner(partner)
        audit("partner.suspended", partner=partner)
        db.session.commit()
        flash(_("Partner %(code)s is suspended; its sessions have ended.", code=partner.code), "info")
    return redirect(url_for("portal.operator_partner", code=code))


@bp.post("/operator/partners/<code>/activate")
@require_role(OPERATOR)
def operator_activate(code: str):
    """Activate a pending or suspended partner (`flask partners activate`)."""
    partner = _partner_or_404(code)
    if ConfirmForm().validate_on_submit():
        try:
            activate_partner(partner)
        except PartnerError as error:
            db.session.rollback()
            flash(_("Not activated: %(reason)s", reason=readable_error(error)), "error")
        else:
            audit("partner.activated", partner=partner)
            db.session.commit()
            flash(_("Partner %(code)s is active.", code=partner.code), "info")
    return redirect(url_for("portal.operator_partner", code=code))


@bp.post("/operator/partners/<code>/send-activation")
@require_role(OPERATOR)
def operator_send_activation(code: str):
    """Email the partner's administrator a new activation link (the earlier one stops working)."""
    partner = _partner_or_404(code)
    if ConfirmForm().validate_on_submit():
        try:
            onboard_partner_admin(partner, locale=request.form.get("locale", "vi")
                                  if request.form.get("locale") in ("vi", "en") else "vi")
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("A new activation link was sent to %(email)s.", email=partner.admin_email), "info")
    return redirect(url_for("portal.operator_partner", code=code))


@bp.post("/operator/links/<int:token_id>/renew")
@require_role(OPERATOR)
def operator_renew_link(token_id: int):
    """Answer a request for a new link: a fresh one goes to the same person."""
    token = db.session.get(PortalToken, token_id)
    if token is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            resend_link(token.user)
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("A new link was sent to %(email)s.", email=token.user.email), "info")
    return redirect(url_for("portal.operator_partners"))


def _new_partner_form() -> OperatorCreatePartnerForm:
    form = OperatorCreatePartnerForm()
    form.profile.choices = [SelectChoice(code, profile_label(code, PROFILES[code].suites[0])) for code in PROFILE_CODES]
    form.handoff.choices = [SelectChoice(code, code) for code in HANDOFF_CODES]
    if not form.is_submitted():
        form.profile.data = HMAC.code
    return form


@bp.route("/operator/partners/new", methods=["GET", "POST"])
@require_role(OPERATOR)
def operator_new_partner():
    """Onboard a sandbox partner (`flask partners create`): credentials shown once here, and the administrator
    gets the activation link by email."""
    form = _new_partner_form()
    if form.validate_on_submit():
        spec = PartnerSpec(
            code=form.code.data.strip(), name=form.name.data, profile=form.profile.data, handoff=form.handoff.data,
            admin_name=form.admin_name.data, admin_email=form.admin_email.data,
            payment_url=form.payment_url.data or None, create_transaction_url=form.create_transaction_url.data or None,
            query_transaction_url=form.query_transaction_url.data or None, refund_url=form.refund_url.data or None,
            public_key=form.public_key.data or None,
        )
        try:
            partner, issued = create_partner(spec)
            audit("partner.created", partner=partner, environment=partner.environment, profile=partner.profile)
            if form.confirm.data:
                onboard_partner_admin(partner, locale=form.locale.data)
        except (PartnerError, AccountError) as error:
            db.session.rollback()
            flash(_("Not created: %(reason)s", reason=readable_error(error)), "error")
            return render_template("portal/operator_new_partner.html", form=form), 400
        db.session.commit()
        items = [Revealed(name, value, name) for name, value in issued.to_json().items()
                 if name not in ("merchant_public_key_pem", "partner_code")]
        note = _("Give these to the partner over a safe channel: the secret and the API key are shown only now.")
        if form.confirm.data:
            note += " " + _("The activation link went to %(email)s.", email=partner.admin_email)
        return reveal_once(partner, _("Partner %(code)s created", code=partner.code), items, note)
    if form.is_submitted():
        flash(_("Fill in the required fields."), "error")
        return render_template("portal/operator_new_partner.html", form=form), 400
    return render_template("portal/operator_new_partner.html", form=form)


@bp.get("/operator/audit")
@require_role(OPERATOR)
def operator_audit():
    """Every audit event of every partner and operator, newest first."""
    before = request.args.get("before", type=int)
    events = audit_events(None, before=before)
    partners = {partner.id: partner.code for partner in db.session.scalars(select(Partner))}
    return render_template("portal/audit.html", partner=None, events=events, partners=partners,
                           more=len(events) == AUDIT_PAGE and events[-1].id)
