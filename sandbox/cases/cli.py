"""`flask sandbox run-cases --partner CODE --report out.html [--json out.json]` (exit 1 when a case fails)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from sandbox.cases.own_partner import DEFAULT_WAIT_S, own_partner, run_own_cases
from sandbox.cases.report import report_html, report_json
from sandbox.cases.runner import PARALLEL_CASES, run_cases
from sandbox.credentials import load_credentials

sandbox_cli = AppGroup("sandbox", help="The sandbox partner's tools.")


@sandbox_cli.command("run-cases")
@click.option("--partner", "partner_code", required=True,
              help="A demo partner (e.g. demo-redirect) or any sandbox partner with its own endpoints.")
@click.option("--report", "html_path", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML report.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write a JSON report.")
@click.option("--base-url", default=None, help="The live app to test (default PUBLIC_BASE_URL).")
@click.option("--case", "only", multiple=True, help="Run only this case id (repeatable).")
@click.option("--wait", "wait_s", type=click.FloatRange(1, 3600), default=DEFAULT_WAIT_S, show_default=True,
              help="Own-endpoint partners: seconds to wait for the partner to act (send the IPN).")
@click.option("--workers", type=click.IntRange(1, 16), default=PARALLEL_CASES, show_default=True,
              help="Demo partners: how many cases run side by side (1: one by one).")
def run_cases_command(partner_code: str, html_path: Path | None, json_path: Path | None, base_url: str | None,
                      only: tuple[str, ...], wait_s: float, workers: int) -> None:
    """Run the certification cases against the live app for PARTNER; exit status 1 when one fails.

    A demo partner is played by the sandbox; any other sandbox partner is certified on its own endpoints."""
    base = base_url or current_app.config["PUBLIC_BASE_URL"]
    partner = load_credentials(partner_code)
    if partner is not None:
        report = run_cases(base, partner, set(only) or None, token=current_app.config.get("SANDBOX_TOKEN"),
                           workers=workers)
    else:
        own = own_partner(partner_code)
        if own is None:
            raise click.ClickException(
                f"no sandbox partner {partner_code!r}: register it with `flask partners create --environment "
                f"sandbox` (its own create/query/refund URLs), or seed the demo partners with `flask demo seed`")
        report = run_own_cases(base, own, set(only) or None, wait_s=wait_s)
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
