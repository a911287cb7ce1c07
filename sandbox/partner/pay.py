"""The sandbox wallet's payment page: the user approves with the PIN, declines, cancels or leaves it pending."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from sandbox.credentials import load_credentials
from sandbox.partner.forms import PaymentForm
from sandbox.partner.services import (
    PaymentError,
    check_pin,
    get_transaction,
    result_redirect_url,
    send_ipn,
    settle_transaction,
)

bp = Blueprint("sandbox_pay", __name__, url_prefix="/sandbox/pay")

MESSAGES = {
    "format": _l("The PIN is 6 digits."),
    "wrong": _l("Incorrect PIN. Try again."),
    "closed": _l("This payment is already closed."),
    "expired": _l("This payment has expired."),
    "not_found": _l("Payment not found."),
    "unknown_action": _l("Choose one of the buttons."),
}


@bp.route("/<transaction_id>", methods=["GET", "POST"])
def payment_page(transaction_id: str) -> Response | tuple[str, int] | str:
    """Show the payment; on a choice, settle it, send the IPN and return to the merchant's result URL."""
    transaction = get_transaction(transaction_id)
    partner = load_credentials(transaction.partner_code) if transaction is not None else None
    if transaction is None or partner is None:
        abort(404)
    form = PaymentForm()
    error = None
    if form.validate_on_submit():
        action = form.chosen_action() or "unknown"
        refused = check_pin(form.pin.data or "") if action == "approve" else None
        if refused is None:
            try:
                transaction = settle_transaction(transaction_id, action)
            except PaymentError as problem:
                refused = problem.reason
        if refused is None:
            send_ipn(partner, transaction)
            return redirect(result_redirect_url(partner, transaction), code=303)
        error = MESSAGES.get(refused, MESSAGES["unknown_action"])
    elif form.is_submitted():
        error = _l("Check the form and try again.")
    status = 400 if error else 200
    return render_template(
        "sandbox/pay.html", form=form, transaction=transaction, partner=partner, error=error,
        merchant=urlsplit(transaction.return_url).netloc,
        return_url=result_redirect_url(partner, transaction) if transaction.status != "PENDING" else None,
    ), status
