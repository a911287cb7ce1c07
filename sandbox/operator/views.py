"""/sandbox/operator: look an order up, refund it (partial or full) or cancel it, as the CLI does."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from sandbox.operator.forms import CancelForm, RefundForm, StyleForm
from sandbox.operator.services import OperatorError, cancel_order, order_summary, refund_order
from sandbox.operator.styles import preset_names, set_sandbox_style, styled_partners

bp = Blueprint("sandbox_operator", __name__, url_prefix="/sandbox/operator")


def _page(reference: str, refund_form: RefundForm, cancel_form: CancelForm, error: str | None,
          status: int = 200) -> tuple[str, int]:
    try:
        order = order_summary(reference) if reference else None
    except OperatorError as problem:
        order, error = None, problem.message
    refund_form.reference.data = refund_form.reference.data or reference
    cancel_form.reference.data = cancel_form.reference.data or reference
    return render_template("sandbox/operator.html", reference=reference, order=order, refund_form=refund_form,
                           cancel_form=cancel_form, error=error), status


@bp.get("/")
def panel() -> tuple[str, int]:
    """The panel, with the order in ?reference= shown."""
    return _page(request.args.get("reference", "").strip()[:40], RefundForm(prefix="refund"),
                 CancelForm(prefix="cancel"), None)


@bp.post("/refund")
def refund() -> Response | tuple[str, int]:
    """Refund part or all of a paid order."""
    form = RefundForm(prefix="refund")
    if not form.validate_on_submit():
        return _page((form.reference.data or "").strip()[:40], form, CancelForm(prefix="cancel"),
                     _("Check the refund form."), 400)
    try:
        result = refund_order(form.reference.data, form.amount.data, form.reason.data)
    except OperatorError as problem:
        return _page(form.reference.data.strip(), form, CancelForm(prefix="cancel"), problem.message, 409)
    flash(_("Refund %(request_id)s: %(amount)s VND, %(status)s.", request_id=result.request_id,
            amount=f"{result.amount:,}", status=result.status))
    return redirect(url_for(".panel", reference=result.reference_transaction_id), code=303)


@bp.post("/cancel")
def cancel() -> Response | tuple[str, int]:
    """Cancel a booking (release a hold, or void and refund in full)."""
    form = CancelForm(prefix="cancel")
    if not form.validate_on_submit():
        return _page((form.reference.data or "").strip()[:40], RefundForm(prefix="refund"), form,
                     _("Check the cancel form."), 400)
    try:
        result = cancel_order(form.reference.data, form.reason.data)
    except OperatorError as problem:
        return _page(form.reference.data.strip(), RefundForm(prefix="refund"), form, problem.message, 409)
    flash(_("Booking %(reference)s cancelled (payment %(payment)s).", reference=result["reference_transaction_id"],
            payment=result["payment_status"]))
    return redirect(url_for(".panel", reference=result["reference_transaction_id"]), code=303)


def _style_form() -> StyleForm:
    form = StyleForm(prefix="style")
    partners = styled_partners()
    form.partner_code.choices = [(row["partner_code"], row["partner_code"]) for row in partners]
    form.preset.choices = [("", _("Custom (below)"))] + [(name, name) for name in preset_names()]
    return form


def _styles_page(form: StyleForm, error: str | None, status: int = 200) -> tuple[str, int]:
    return render_template("sandbox/operator_styles.html", form=form, partners=styled_partners(),
                           error=error), status


@bp.get("/styles")
def styles() -> tuple[str, int]:
    """Which style each hmac sandbox partner speaks, and the form that switches one."""
    form = _style_form()
    form.partner_code.data = request.args.get("partner_code") or form.partner_code.data
    return _styles_page(form, None)


@bp.post("/styles")
def set_style() -> Response | tuple[str, int]:
    """Switch a sandbox partner to a preset or a custom style (the merchant stores it, the partner speaks it)."""
    form = _style_form()
    if not form.validate_on_submit():
        return _styles_page(form, _("Check the style form."), 400)
    source = form.preset.data or (form.document.data or "").strip()
    if not source:
        return _styles_page(form, _("Choose a preset or paste a style document."), 400)
    try:
        switch = set_sandbox_style(form.partner_code.data, source)
    except OperatorError as problem:
        return _styles_page(form, problem.message, 400)
    flash(_("%(partner)s now speaks %(style)s (the merchant's version %(version)s).", partner=switch.partner_code,
            style=switch.name, version=switch.version)
          + (" " + _("Issued and kept by the sandbox partner: %(names)s.", names=", ".join(switch.issued_secrets))
             if switch.issued_secrets else ""))
    return redirect(url_for(".styles", partner_code=switch.partner_code), code=303)
