"""/sandbox/operator: look an order up, refund it (partial or full) or cancel it, as the CLI does."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from sandbox.operator.forms import CancelForm, RefundForm
from sandbox.operator.services import OperatorError, cancel_order, order_summary, refund_order

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
