"""/sandbox/messages: the message inspector (list, filters, one exchange in full, resend, JSON export)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from sandbox.inspector.services import exchange_view, get_exchange, list_exchanges, partner_codes, signed_string
from sandbox.models import SandboxTransaction
from sandbox.partner.notify import resend
from sandbox.partner.services import find_transaction
from webview.messagelog.models import PartnerMessage

bp = Blueprint("sandbox_inspector", __name__, url_prefix="/sandbox/messages")
RESENDABLE = {"ipn", "commit"}


def _filters() -> dict[str, str | None]:
    return {"reference": request.args.get("reference", "").strip()[:64] or None,
            "partner_code": request.args.get("partner_code", "").strip()[:40] or None,
            "kind": request.args.get("kind", "").strip()[:40] or None}


@bp.get("/")
def message_list() -> str:
    """Every exchange both ways, newest last, filtered by order, partner or kind."""
    filters = _filters()
    rows = list_exchanges(**filters)
    return render_template("sandbox/messages.html", rows=rows, filters=filters, partners=partner_codes(),
                           export_url=url_for(".export", **{k: v for k, v in request.args.items() if v}))


@bp.get("/export.json")
def export() -> Response:
    """The filtered exchanges as a JSON download."""
    rows = [exchange_view(row) for row in list_exchanges(**_filters())]
    response = Response(json.dumps(rows, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="sandbox-messages.json"'
    return response


@bp.get("/<int:message_id>")
def message_detail(message_id: int) -> str:
    """One exchange in full: URL, headers, bodies, the canonical string that was signed, the verdict."""
    message = get_exchange(message_id)
    if message is None:
        abort(404)
    transaction = _resendable_transaction(message)
    return render_template("sandbox/message.html", message=message, view=exchange_view(message),
                           signed=signed_string(message), transaction=transaction, form=FlaskForm())


def _resendable_transaction(message: PartnerMessage) -> SandboxTransaction | None:
    """The sandbox payment whose IPN (any status) or commit (paid only) this exchange carried, if any."""
    if message.kind not in RESENDABLE or message.direction != "sandbox-outbound" or not message.reference:
        return None
    transaction = find_transaction(message.partner_code or "", message.reference)
    if transaction is None or (message.kind == "commit" and transaction.status != "SUCCESS"):
        return None
    return transaction


@bp.post("/<int:message_id>/resend")
def resend_message(message_id: int) -> Response:
    """Send the IPN or commit of this exchange's transaction again (its current status, no faults)."""
    message = get_exchange(message_id)
    if message is None:
        abort(404)
    form = FlaskForm()
    transaction = _resendable_transaction(message)
    if not form.validate_on_submit() or transaction is None:
        abort(400)
    delivery = resend(transaction.transaction_id)
    sent = len(delivery.sent) if delivery else 0
    flash(_("Sent again: %(count)s message(s).", count=sent))
    return redirect(url_for(".message_list", reference=message.reference), code=303)
