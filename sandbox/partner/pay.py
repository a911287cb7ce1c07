"""The sandbox wallet's payment page: the user approves with the PIN, declines, cancels, leaves it pending or
lets it time out; the knobs shape the IPN/commit that follows; then the user goes back to the merchant."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from sandbox.credentials import PartnerCredentials, load_credentials
from sandbox.magic import magic_for
from sandbox.models import SandboxTransaction
from sandbox.partner.forms import HMAC_ONLY_KNOBS, PaymentForm
from sandbox.partner.notify import notify_merchant
from sandbox.partner.services import PaymentError, check_pin, get_transaction, result_redirect_url, settle_transaction
from sandbox.partner.styled import check_style_faults, spoken_style

bp = Blueprint("sandbox_pay", __name__, url_prefix="/sandbox/pay")

# the bridge callback's statuses (DESIGN.md "Checkout handoff"); a payment left pending closes as a cancel
CALLBACK_STATUS = {"SUCCESS": "success", "FAILURE": "failure", "EXPIRED": "failure", "CANCELLED": "cancel",
                   "PENDING": "cancel"}

MESSAGES = {
    "format": _l("The PIN is 6 digits."),
    "wrong": _l("Incorrect PIN. Try again."),
    "closed": _l("This payment is already closed."),
    "expired": _l("This payment has expired."),
    "not_found": _l("Payment not found."),
    "unknown_action": _l("Choose one of the buttons."),
    "knobs": _l("These knobs do not apply to this partner: amount, reorder and (legacy suite) stale timestamp "
                "faults are for hmac partners only."),
}


def way_back(partner: PartnerCredentials, transaction: SandboxTransaction) -> str | None:
    """The link back to the merchant for a closed payment (envelope: the last return_url the merchant gave)."""
    if transaction.status == "PENDING":
        return None
    if partner.profile == "envelope":
        return transaction.return_url or None
    return result_redirect_url(partner, transaction)


@bp.route("/<transaction_id>", methods=["GET", "POST"])
def payment_page(transaction_id: str) -> Response | tuple[str, int] | str:
    """Show the payment; on a choice, settle it, notify the merchant and send the user back."""
    transaction = get_transaction(transaction_id)
    partner = load_credentials(transaction.partner_code) if transaction is not None else None
    if transaction is None or partner is None:
        abort(404)
    form = PaymentForm()
    magic = magic_for(transaction.customer_identify_code)
    error, notice = None, None
    if form.validate_on_submit():
        action = form.chosen_action() or "unknown"
        faults = form.faults()
        refused = check_pin(form.pin.data or "") if action == "approve" else None
        if refused is None:
            try:
                faults.check_profile(partner.profile, partner.suite)
                check_style_faults(partner.partner_code, faults)
            except ValueError:
                refused = "knobs"
        if refused is None and action == "approve" and magic is not None and not faults.any:
            action, faults = magic.action, magic.faults
        if refused is None:
            try:
                transaction = settle_transaction(transaction_id, action)
            except PaymentError as problem:
                refused = problem.reason
        if refused is None:
            delivery = notify_merchant(partner, transaction, faults)
            if request.args.get("via") == "sheet":  # inside the host shell's sheet: the app takes it from here
                return render_template("sandbox/pay_done.html", transaction=transaction,
                                       callback_status=CALLBACK_STATUS[transaction.status],
                                       return_url=delivery.return_url), 200
            if delivery.return_url:
                return redirect(delivery.return_url, code=303)
            notice = _l("The merchant gave no way back (see the message inspector).")
        else:
            error = MESSAGES.get(refused, MESSAGES["unknown_action"])
    elif form.is_submitted():
        error = _l("Check the form and try again.")
    status = 400 if error else 200
    return render_template(
        "sandbox/pay.html", form=form, transaction=transaction, partner=partner, error=error, notice=notice,
        merchant=urlsplit(transaction.ipn_url).netloc, magic=magic, return_url=way_back(partner, transaction),
        hmac_only=HMAC_ONLY_KNOBS if partner.profile == "envelope" else (),
        style_name=style.name if (style := spoken_style(partner.partner_code)) is not None else None,
    ), status
