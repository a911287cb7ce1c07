"""/sandbox/cases: run the certification cases for a partner from the browser; export HTML or JSON."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired

from sandbox.cases.own_partner import own_partner, own_partner_codes, run_own_cases
from sandbox.cases.report import report_html, report_json
from sandbox.cases.runner import CASES, run_cases
from sandbox.credentials import list_partners, load_credentials

bp = Blueprint("sandbox_cases", __name__, url_prefix="/sandbox/cases")
PAGE_WAIT_S = 30.0  # own-endpoint partners: how long the page waits for the partner to act


class RunForm(FlaskForm):
    """Which partner to certify."""

    partner_code = SelectField("Partner", validators=[DataRequired()])


@bp.route("/", methods=["GET", "POST"])
def case_list() -> str | tuple[str, int] | Response:
    """The case list; POST runs them for the chosen partner (export=html|json downloads the report)."""
    form = RunForm()
    form.partner_code.choices = [SelectChoice(row.partner_code, f"{row.partner_code} · {row.profile} (demo)")
                                 for row in list_partners()]
    form.partner_code.choices += [SelectChoice(code, f"{code} · own endpoints") for code in own_partner_codes()]
    report = None
    if form.validate_on_submit():
        base = current_app.config["PUBLIC_BASE_URL"]
        partner = load_credentials(form.partner_code.data)
        if partner is not None:
            report = run_cases(base, partner, token=current_app.config.get("SANDBOX_TOKEN"))
        else:
            own = own_partner(form.partner_code.data)
            if own is None:
                abort(404)
            report = run_own_cases(base, own, wait_s=PAGE_WAIT_S)
        export = request.form.get("export")
        if export in {"html", "json"}:
            body = report_html(report) if export == "html" else report_json(report)
            response = Response(body, mimetype="text/html" if export == "html" else "application/json")
            response.headers["Content-Disposition"] = \
                f'attachment; filename="cases-{report.partner_code}.{export}"'
            return response
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("sandbox/cases.html", form=form, cases=CASES, report=report), status
