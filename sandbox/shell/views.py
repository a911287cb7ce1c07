"""The host shell: pick a demo partner and user, launch the webview through the real partner API, show it framed
in a phone with the partner app's native parts (bridge, deep-link routing, payment sheet, navigation log)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from sandbox.credentials import list_partners, load_credentials
from sandbox.magic import MAGIC_VALUES
from sandbox.partner.services import DEEPLINK_TEMPLATE
from sandbox.shell.forms import OpenWebviewForm
from sandbox.testapi.launch import LaunchInvalid, launch_as_partner

bp = Blueprint("sandbox_shell", __name__, url_prefix="/sandbox",
               static_folder=str(Path(__file__).parent / "static"), static_url_path="/static")

DEEPLINK_SCHEME = DEEPLINK_TEMPLATE.split(":", 1)[0]
APP_LINK_PATH = "/sandbox/app/"  # https app links the shell routes like the native app


@bp.route("/", methods=["GET", "POST"])
def index() -> tuple[str, int]:
    """The shell page; a valid POST launches the webview and frames url_open."""
    partners = list_partners()
    form = OpenWebviewForm()
    form.partner_code.choices = [SelectChoice(row.partner_code, f"{row.partner_code} · {row.profile}/{row.handoff}")
                                 for row in partners]
    if request.method == "GET" and request.args.get("partner_code") in {row.partner_code for row in partners}:
        form.partner_code.data = request.args["partner_code"]
    url_open, failure, handoff = None, None, None
    if form.validate_on_submit():
        partner = load_credentials(form.partner_code.data)
        handoff = partner.handoff if partner.profile == "hmac" else "envelope"
        try:
            outcome = launch_as_partner(partner, form.launch_body(), current_app.config["PUBLIC_BASE_URL"])
        except LaunchInvalid as problem:
            failure = {"error": problem.message, "fields": problem.fields}
        else:
            url_open = outcome.body["url_open"] if outcome.ok else None
            failure = None if outcome.ok else {"http_status": outcome.http_status, **outcome.body}
    status = 400 if (form.is_submitted() and (form.errors or failure)) else 200
    native = {"handoff": handoff, "scheme": DEEPLINK_SCHEME, "app_link_path": APP_LINK_PATH,
              "pay_path": "/sandbox/pay/", "partner_code": form.partner_code.data if url_open else None}
    return render_template("sandbox/shell.html", form=form, partners=partners, url_open=url_open,
                           failure=failure, native=native, magic_values=MAGIC_VALUES), status


@bp.get("/app/pay")
def app_link_pay() -> Response:
    """The https app link opened outside the shell (no app installed): the wallet's web payment page."""
    transaction_id = request.args.get("transaction_id", "")
    if not transaction_id or len(transaction_id) > 40:
        abort(404)
    return redirect(url_for("sandbox_pay.payment_page", transaction_id=transaction_id), code=303)
