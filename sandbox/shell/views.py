"""The host shell: pick a demo partner and user, launch the webview through the real partner API, show it framed."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template
from wtforms import SelectChoice

from sandbox.credentials import list_partners, load_credentials
from sandbox.shell.forms import OpenWebviewForm
from sandbox.testapi.launch import LaunchInvalid, launch_as_partner

bp = Blueprint("sandbox_shell", __name__, url_prefix="/sandbox",
               static_folder=str(Path(__file__).parent / "static"), static_url_path="/static")


@bp.route("/", methods=["GET", "POST"])
def index() -> tuple[str, int] | str:
    """The shell page; a valid POST launches the webview and frames url_open."""
    partners = list_partners()
    form = OpenWebviewForm()
    form.partner_code.choices = [SelectChoice(row.partner_code, f"{row.partner_code} · {row.profile}/{row.handoff}")
                                 for row in partners]
    url_open, failure = None, None
    if form.validate_on_submit():
        partner = load_credentials(form.partner_code.data)
        request_body = {"identify_code": form.identify_code.data.strip(),
                        "identify_phone": form.identify_phone.data.strip(),
                        "product": form.product.data, "locale": form.locale.data}
        try:
            outcome = launch_as_partner(partner, request_body, current_app.config["PUBLIC_BASE_URL"])
        except LaunchInvalid as problem:
            failure = {"error": problem.message, "fields": problem.fields}
        else:
            url_open = outcome.body["url_open"] if outcome.ok else None
            failure = None if outcome.ok else {"http_status": outcome.http_status, **outcome.body}
    status = 400 if (form.is_submitted() and (form.errors or failure)) else 200
    return render_template("sandbox/shell.html", form=form, partners=partners, url_open=url_open,
                           failure=failure), status
