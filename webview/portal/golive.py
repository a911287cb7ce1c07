"""Certification and go-live pages: the sandbox checklist with its evidence, the merchant-driven cases, the admin's
go-live request, the operator's review (approve or reject) and the one showing of the production secrets.

Every rule lives in the services (`webview.portal.certification`, `.promotion`, `.case_runs`); these views check
the role, call one service, audit, commit and render. Importing this module also registers `flask partners
promote` (`webview.portal.golive_cli`).
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webview.extensions import db
from webview.partners.models import Partner
from webview.portal import bp, golive_cli  # noqa: F401  (golive_cli: the CLI command)
from webview.portal.auth import audit, current_partner, require_role
from webview.portal.case_runs import CaseRunError, case_runner, latest_run, start_case_run
from webview.portal.certification import evaluate_checklist, evidence_message
from webview.portal.models import ADMIN, DEVELOPER, FINANCE, OPERATOR
from webview.portal.nav import add_nav
from webview.portal.promotion import (
    REQUESTED,
    GoLiveError,
    GoLiveRequest,
    approve_request,
    default_production_code,
    default_settings,
    latest_request,
    notify_decision,
    open_request,
    pending_requests,
    production_partner_of,
    reject_request,
    request_go_live,
    reveal_production_credentials,
    settings_from_form,
    withdraw_request,
)

BUILDERS = (ADMIN, DEVELOPER, OPERATOR)

add_nav("portal.certification", _l("Certification"), roles=BUILDERS, order=60, icon="check")
add_nav("portal.golive", _l("Go-live"), roles=BUILDERS, order=65, icon="rocket")
add_nav("portal.operator_golive", _l("Go-live requests"), roles=(OPERATOR,), section="operator", order=30)


class GoLiveForm(FlaskForm):
    """The production settings the admin asks go-live with (defaults: the sandbox registration)."""

    production_code = StringField(_l("Production partner code"), validators=[DataRequired(), Length(max=39)])
    create_transaction_url = StringField(_l("Create transaction URL"), validators=[Optional(), Length(max=500)])
    query_transaction_url = StringField(_l("Query transaction URL"), validators=[Optional(), Length(max=500)])
    refund_url = StringField(_l("Refund URL"), validators=[Optional(), Length(max=500)])
    payment_url = StringField(_l("Payment page URL"), validators=[Optional(), Length(max=500)])
    deeplink_template = StringField(_l("Deep-link template"), validators=[Optional(), Length(max=500)])
    bridge_function = StringField(_l("Bridge function"), validators=[Optional(), Length(max=200)])
    return_hosts = StringField(_l("Return hosts (space separated)"), validators=[Optional(), Length(max=1000)])
    public_key = TextAreaField(_l("Production RSA public key (PEM or .NET XML)"),
                               validators=[Optional(), Length(max=20_000)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason the partner reads"), validators=[DataRequired(), Length(max=500)])


class PlainForm(FlaskForm):
    """A button that only needs its CSRF token."""


def _actor() -> str:
    return current_user.email


def _golive_link(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}{url_for('portal.golive', code=code)}"


# ---------------------------------------------------------------- certification


@bp.get("/p/<code>/certification")
@require_role(*BUILDERS)
def certification(code: str):
    """The checklist as observed now, with the evidence of each item and the last run of the cases."""
    partner = current_partner()
    if partner.environment != "sandbox":
        return render_template("portal/certification.html", partner=partner, checklist=None, run=None,
                               runner=False, form=PlainForm())
    return render_template("portal/certification.html", partner=partner, checklist=evaluate_checklist(partner),
                           run=latest_run(partner), runner=case_runner() is not None, form=PlainForm(),
                           request_open=open_request(partner))


@bp.post("/p/<code>/certification/cases")
@require_role(ADMIN, DEVELOPER)
def run_certification_cases(code: str):
    """Queue the merchant-driven cases against the partner's own endpoints (the jobs worker runs them)."""
    partner = current_partner()
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        run = start_case_run(partner, requested_by=_actor())
        audit("certification.cases_started", run_id=run.id)
        db.session.commit()
        flash(_("The cases are running: pay the order on your payment page when it appears. This page shows the "
                "report when they finish."), "info")
    except CaseRunError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("portal.certification", code=partner.code))


@bp.get("/p/<code>/messages/<int:message_id>")
@require_role(ADMIN, DEVELOPER, FINANCE, OPERATOR)
def message_detail(code: str, message_id: int):
    """One logged exchange of this partner (redacted as stored): the evidence behind a checklist item."""
    partner = current_partner()
    message = evidence_message(partner, message_id)
    if message is None:
        abort(404)
    return render_template("portal/certification_message.html", partner=partner, message=message)


# ---------------------------------------------------------------- go-live (partner side)


def _form_defaults(partner: Partner) -> dict:
    values = default_settings(partner)
    values["return_hosts"] = " ".join(values["return_hosts"])
    values["production_code"] = default_production_code(partner.code)
    return values


@bp.route("/p/<code>/golive", methods=["GET", "POST"])
@require_role(*BUILDERS)
def golive(code: str):
    """The go-live state; the admin asks for production (with the production settings) once the checklist is
    green."""
    partner = current_partner()
    if partner.environment != "sandbox":
        return render_template("portal/golive.html", partner=partner, checklist=None, form=None,
                               request_row=None, production=partner, plain=PlainForm())
    checklist = evaluate_checklist(partner)
    form = GoLiveForm() if request.method == "POST" else GoLiveForm(data=_form_defaults(partner))
    status = 200
    if request.method == "POST":
        if current_user.role != ADMIN:
            abort(403)
        if form.validate():
            try:
                row = request_go_live(partner, requested_by=_actor(), production_code=form.production_code.data,
                                      settings=settings_from_form(form.data), checklist=checklist)
                audit("golive.requested", request_id=row.id, production_partner=row.production_code)
                db.session.commit()
                flash(_("Go-live requested: an operator reviews your evidence and approves."), "info")
                return redirect(url_for("portal.golive", code=partner.code))
            except GoLiveError as error:
                db.session.rollback()
                flash(str(error), "error")
        status = 422
    row = latest_request(partner)
    return render_template("portal/golive.html", partner=partner, checklist=checklist, form=form,
                           request_row=row, production=production_partner_of(partner), plain=PlainForm()), status


@bp.post("/p/<code>/golive/withdraw")
@require_role(ADMIN)
def golive_withdraw(code: str):
    partner = current_partner()
    row = open_request(partner)
    if row is None or not PlainForm().validate_on_submit():
        abort(404)
    try:
        withdraw_request(row)
        audit("golive.withdrawn", request_id=row.id)
        db.session.commit()
    except GoLiveError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("portal.golive", code=partner.code))


@bp.post("/p/<code>/golive/reveal")
@require_role(ADMIN)
def golive_reveal(code: str):
    """The one showing of the production secrets, to the partner admin, in this response only (no-store)."""
    partner = current_partner()
    row = latest_request(partner)
    if row is None or not PlainForm().validate_on_submit():
        abort(404)
    try:
        shown = reveal_production_credentials(row, revealed_by=_actor())
        audit("golive.credentials_revealed", request_id=row.id, production_partner=shown.partner.code)
        db.session.commit()
    except GoLiveError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("portal.golive", code=partner.code))
    response = Response(render_template("portal/golive_reveal.html", partner=partner, shown=shown.issued,
                                        production=shown.partner))
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- go-live (operator side)


@bp.get("/operator/golive")
@require_role(OPERATOR)
def operator_golive():
    """Requests waiting for a decision, and the latest decided ones."""
    decided = list(db.session.scalars(select(GoLiveRequest).where(GoLiveRequest.status != REQUESTED)
                                      .order_by(GoLiveRequest.id.desc()).limit(50)))
    partners = {p.id: p for p in db.session.scalars(select(Partner))}
    return render_template("portal/golive_requests.html", pending=pending_requests(), decided=decided,
                           partners=partners)


def _request_or_404(request_id: int) -> GoLiveRequest:
    row = db.session.get(GoLiveRequest, request_id)
    if row is None:
        abort(404)
    return row


@bp.get("/operator/golive/<int:request_id>")
@require_role(OPERATOR)
def operator_golive_review(request_id: int):
    """The evidence behind one request: the checklist as requested and as observed now, the production settings."""
    row = _request_or_404(request_id)
    partner = db.session.get(Partner, row.sandbox_partner_id)
    now = evaluate_checklist(partner) if partner is not None and partner.environment == "sandbox" else None
    return render_template("portal/golive_review.html", row=row, sandbox=partner, now=now,
                           production=db.session.get(Partner, row.production_partner_id)
                           if row.production_partner_id else None, reject_form=RejectForm(), plain=PlainForm())


@bp.post("/operator/golive/<int:request_id>/approve")
@require_role(OPERATOR)
def operator_golive_approve(request_id: int):
    """Approve: the production partner is created and activated; the admin is told (no secret by email)."""
    row = _request_or_404(request_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        production = approve_request(row, decided_by=_actor())
        sandbox = db.session.get(Partner, row.sandbox_partner_id)
        audit("golive.approved", partner=sandbox, request_id=row.id, production_partner=production.code)
        notify_decision(row, link=_golive_link(sandbox.code))
        db.session.commit()
        flash(_("Approved: %(code)s is live in production. Its admin sees the credentials once in the portal.",
                code=production.code), "info")
    except GoLiveError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("portal.operator_golive_review", request_id=request_id))


@bp.post("/operator/golive/<int:request_id>/reject")
@require_role(OPERATOR)
def operator_golive_reject(request_id: int):
    row = _request_or_404(request_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Say why the request is rejected."), "error")
        return redirect(url_for("portal.operator_golive_review", request_id=request_id))
    try:
        reject_request(row, decided_by=_actor(), reason=form.reason.data)
        sandbox = db.session.get(Partner, row.sandbox_partner_id)
        audit("golive.rejected", partner=sandbox, request_id=row.id, reason=row.reason)
        notify_decision(row, link=_golive_link(sandbox.code))
        db.session.commit()
        flash(_("Rejected: the partner's admin is told why."), "info")
    except GoLiveError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("portal.operator_golive_review", request_id=request_id))
