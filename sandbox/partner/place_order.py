"""The envelope partner's payment page entry: `GET /sandbox/partner/<code>/pay?key=…&data=…` (the merchant's
sealed place-order redirect). A good message opens a wallet payment and redirects to its page, which strips the
envelope from the address bar; a tampered, stale or foreign one is shown as such and nothing is opened."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from sandbox.credentials import load_credentials
from sandbox.partner.envelope_side import PlaceOrderRefused, open_envelope_transaction, open_place_order

bp = Blueprint("sandbox_place_order", __name__, url_prefix="/sandbox/partner")

REFUSALS = {
    "malformed": _l("The payment request is incomplete or malformed."),
    "signature": _l("The payment request was tampered with or not signed by the merchant: it cannot be opened."),
    "stale": _l("The payment request has expired (its timestamp is outside the 5-minute window). Go back to the "
                "merchant and pay again."),
    "access_code": _l("The payment request was meant for another partner."),
    "amount": _l("This order was already offered for payment with another amount."),
    "not_envelope": _l("This partner does not take place-order redirects."),
    "no_keys": _l("The sandbox has no keys for this partner. Run `flask demo seed`."),
}


@bp.get("/<partner_code>/pay")
def place_order(partner_code: str) -> Response | tuple[str, int]:
    """Open the merchant's place-order redirect and continue on the wallet's payment page."""
    partner = load_credentials(partner_code)
    if partner is None:
        abort(404)
    try:
        order = open_place_order(partner, request.args.get("key", ""), request.args.get("data", ""),
                                 url=request.url)
        transaction = open_envelope_transaction(partner, order, current_app.config["PUBLIC_BASE_URL"])
    except PlaceOrderRefused as refusal:
        return render_template("sandbox/pay_refused.html", partner=partner, message=REFUSALS[refusal.reason],
                               detail=refusal.detail, reason=refusal.reason), 400
    return redirect(url_for("sandbox_pay.payment_page", transaction_id=transaction.transaction_id), code=303)
