"""`flask sandbox run-cases --partner CODE --report out.html [--json out.json]` (exit 1 when a case fails)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from sandbox.cases.report import report_html, report_json
from sandbox.cases.runner import run_cases
from sandbox.credentials import load_credentials

sandbox_cli = AppGroup("sandbox", help="The sandbox partner's tools.")


@sandbox_cli.command("run-cases")
@click.option("--partner", "partner_code", required=True, help="Demo partner code to play (e.g. demo-redirect).")
@click.option("--report", "html_path", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON report.")
@click.option("--base-url", default=None, help="The live app to test (default PUBLIC_BASE_URL).")
@click.option("--case", "only", multiple=True, help="Run only this case id (repeatable).")
def run_cases_command(partner_code: str, html_path: Path | None, json_path: Path | None, base_url: str | None,
                      only: tuple[str, ...]) -> None:
    """Run the certification cases against the live app as PARTNER; exit status 1 when one fails."""
    partner = load_credentials(partner_code)
    if partner is None:
        raise click.ClickException(f"the sandbox does not know partner {partner_code!r} (run `flask demo seed`)")
    report = run_cases(base_url or current_app.config["PUBLIC_BASE_URL"], partner, set(only) or None,
                       token=current_app.config.get("SANDBOX_TOKEN"))
    for result in report.results:
        click.echo(f"{result.outcome.upper():8} {result.case_id}: {result.title}"
                   + (f" — {result.detail}" if result.detail and result.outcome == "failed" else ""))
    if html_path:
        html_path.write_text(report_html(report), encoding="utf-8")
    if json_path:
        json_path.write_text(report_json(report), encoding="utf-8")
    counts = report.counts()
    click.echo(f"passed {counts['passed']}, failed {counts['failed']}, not run {counts['not run']}")
    if report.failed:
        raise SystemExit(1)
