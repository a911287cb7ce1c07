"""/sandbox/cases: run the certification cases for a partner from the browser; export HTML or JSON."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired

from sandbox.cases.report import report_html, report_json
from sandbox.cases.runner import CASES, run_cases
from sandbox.credentials import list_partners, load_credentials

bp = Blueprint("sandbox_cases", __name__, url_prefix="/sandbox/cases")


class RunForm(FlaskForm):
    """Which partner to certify."""

    partner_code = SelectField("Partner", validators=[DataRequired()])


@bp.route("/", methods=["GET", "POST"])
def case_list() -> str | tuple[str, int] | Response:
    """The case list; POST runs them for the chosen partner (export=html|json downloads the report)."""
    form = RunForm()
    form.partner_code.choices = [SelectChoice(row.partner_code, f"{row.partner_code} · {row.profile}")
                                 for row in list_partners()]
    report = None
    if form.validate_on_submit():
        partner = load_credentials(form.partner_code.data)
        if partner is None:
            abort(404)
        report = run_cases(current_app.config["PUBLIC_BASE_URL"], partner,
                           token=current_app.config.get("SANDBOX_TOKEN"))
        export = request.form.get("export")
        if export in {"html", "json"}:
            body = report_html(report) if export == "html" else report_json(report)
            response = Response(body, mimetype="text/html" if export == "html" else "application/json")
            response.headers["Content-Disposition"] = \
                f'attachment; filename="cases-{partner.partner_code}.{export}"'
            return response
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("sandbox/cases.html", form=form, cases=CASES, report=report), status
