"""`flask partners set-recon CODE ...` and `flask recon preview|generate|adjust|run|show|cases|resolve`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webview.booking.models import Booking
from webview.booking.states import PartnerStatus
from webview.db import utcnow
from webview.extensions import db
from webview.partners.cli import CommandError, OneLineCommand, _partner_or_fail, _read_file, partners_cli
from webview.reconciliation import runs
from webview.reconciliation.files import (
    ReconciliationError,
    Record,
    day_records,
    generate_day,
    parse_day,
    write_adjustment,
)
from webview.reconciliation.matching import InboundFile
from webview.reconciliation.models import ReconciliationRun
from webview.reconciliation.report import run_items
from webview.reconciliation.settings import ReconciliationSettingsError, SettingsChange, configure, settings_of
from webview.reconciliation.templates import STANDARD, Template, TemplateError, load_template, stored_template

recon_cli = AppGroup("recon", help="Reconciliation: the merchant's daily files, runs and cases.")

TEMPLATE_NAMES = {"standard": STANDARD}


def _template_option(value: str) -> Template:
    """--template: `standard`, or a JSON file of a partner's agreed variant."""
    if value in TEMPLATE_NAMES:
        return TEMPLATE_NAMES[value]
    if not Path(value).exists():
        raise CommandError(f"--template {value}: neither a known template ({', '.join(TEMPLATE_NAMES)}) "
                           "nor a file")
    try:
        return load_template(_read_file(value, "--template"))
    except TemplateError as error:
        raise CommandError(f"--template {value}: {error}") from error


def _text_file(path: str | None, flag: str) -> str | None:
    if path is None:
        return None
    try:
        return _read_file(path, flag).decode("utf-8")
    except UnicodeDecodeError as error:
        raise CommandError(f"{flag} {path}: not UTF-8 text") from error


def _day_option(value: str) -> date:
    try:
        return parse_day(value)
    except ReconciliationError as error:
        raise CommandError(f"--date {value!r}: {error}") from error


@partners_cli.command("set-recon", cls=OneLineCommand)
@click.argument("code")
@click.option("--transport", metavar="api|sftp|both|off", help="How files are exchanged.")
@click.option("--time", "close_time", metavar="HH:MM", help="When day D closes, on D+1, GMT+7 (default 02:00).")
@click.option("--template", metavar="NAME|FILE", help="standard, or a JSON file with the agreed variant.")
@click.option("--sftp-host", help="The partner's SFTP server.")
@click.option("--sftp-port", type=int, help="Its port (default 22).")
@click.option("--sftp-user", help="Our user on it.")
@click.option("--sftp-key", metavar="FILE", help="Our private key for it (sealed at rest).")
@click.option("--sftp-known-hosts", metavar="FILE", help="known_hosts lines with the server's host key.")
@click.option("--reconciliation-url", metavar="URL", help="Where we fetch the partner's file ('' to clear).")
@click.option("--finance-email", multiple=True, help="A finance contact for the reports (repeatable; replaces).")
def set_recon_command(code: str, transport: str | None, close_time: str | None, template: str | None,
                      sftp_host: str | None, sftp_port: int | None, sftp_user: str | None, sftp_key: str | None,
                      sftp_known_hosts: str | None, reconciliation_url: str | None,
                      finance_email: tuple[str, ...]) -> None:
    """Set a partner's reconciliation: transport, closing time, template, SFTP account, URL, contacts."""
    partner = _partner_or_fail(code)
    change = SettingsChange(
        transport=transport, close_time=close_time,
        template=_template_option(template) if template is not None else None,
        sftp_host=sftp_host, sftp_port=sftp_port, sftp_user=sftp_user,
        sftp_key=_text_file(sftp_key, "--sftp-key"),
        sftp_known_hosts=_text_file(sftp_known_hosts, "--sftp-known-hosts"),
        reconciliation_url=reconciliation_url, finance_emails=finance_email or None,
    )
    try:
        settings = configure(partner, change)
        db.session.commit()
    except ReconciliationSettingsError as error:
        db.session.rollback()
        raise CommandError(str(error)) from error
    template_name = stored_template(settings.template).name
    click.echo(f"Reconciliation of {partner.code}: transport {settings.transport}, closes {settings.close_time} "
               f"GMT+7, template {template_name}"
               + (f", sftp {settings.sftp_user}@{settings.sftp_host}:{settings.sftp_port}"
                  if settings.sftp_host else "")
               + (f", url {settings.reconciliation_url}" if settings.reconciliation_url else "") + ".")


@recon_cli.command("preview", cls=OneLineCommand)
@click.option("--partner", "code", required=True, help="partner_code")
@click.option("--date", "day_text", required=True, metavar="YYYYMMDD", help="A GMT+7 day.")
@click.option("--rows", type=click.IntRange(1, 100), default=5, help="How many records (default 5).")
@click.option("--template", metavar="NAME|FILE", help="Preview another template than the partner's.")
def preview_command(code: str, day_text: str, rows: int, template: str | None) -> None:
    """Print the header and the first records of a real day in the partner's template (nothing is stored)."""
    import csv
    import sys

    partner = _partner_or_fail(code)
    day = _day_option(day_text)
    chosen = _template_option(template) if template else stored_template(settings_of(partner).template)
    writer = csv.writer(sys.stdout, delimiter=chosen.delimiter, lineterminator="\n")
    writer.writerow(chosen.headers)
    for count, record in enumerate(day_records(partner, day)):
        if count >= rows:
            break
        writer.writerow(record.cells(chosen))


@recon_cli.command("generate", cls=OneLineCommand)
@click.option("--partner", "code", required=True, help="partner_code")
@click.option("--date", "day_text", required=True, metavar="YYYYMMDD", help="A closed GMT+7 day.")
def generate_command(code: str, day_text: str) -> None:
    """Write and store the merchant's file for a closed day now (once: a repeat lists the stored parts)."""
    partner = _partner_or_fail(code)
    day = _day_option(day_text)
    try:
        parts = generate_day(partner, day)
    except ReconciliationError as error:
        raise CommandError(str(error)) from error
    for part in parts:
        click.echo(f"{part.name}: {part.rows} rows, {part.size} bytes, sha256 {part.sha256}")


def _inbound_option(file: str | None, sig: str | None) -> InboundFile | None:
    """--file (and --sig, default FILE.sig): the partner's file given by hand."""
    if file is None:
        if sig is not None:
            raise CommandError("--sig goes with --file")
        return None
    data = _read_big_file(file, "--file")
    sig_path = sig or file + ".sig"
    signature = _read_big_file(sig_path, "--sig").decode("ascii", "replace").strip() \
        if sig is not None or Path(sig_path).exists() else None
    return InboundFile(name=Path(file).name, data=data, signature=signature)


def _read_big_file(path: str, flag: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CommandError(f"{flag} {path}: cannot read ({error.strerror or error})") from error


@recon_cli.command("adjust", cls=OneLineCommand)
@click.option("--partner", "code", required=True, help="partner_code")
@click.option("--date", "day_text", required=True, metavar="YYYYMMDD", help="The delivered day to correct.")
@click.option("--reference", required=True, help="The order (reference_transaction_id) the correction is about.")
@click.option("--amount", type=int, required=True, help="The corrected amount, whole VND (negative takes back).")
@click.option("--refund-request-id", default="", help="The refund it is about, if any.")
def adjust_command(code: str, day_text: str, reference: str, amount: int, refund_request_id: str) -> None:
    """Correct a delivered day with a new part holding one ADJUSTMENT row (delivered parts never change)."""
    partner = _partner_or_fail(code)
    day = _day_option(day_text)
    booking = db.session.scalar(select(Booking).where(Booking.reference == reference.strip()))
    if booking is None or booking.partner_id != partner.id:
        raise CommandError(f"--reference {reference!r}: no such order of {partner.code}")
    if amount == 0:
        raise CommandError("--amount must not be 0")
    record = Record("ADJUSTMENT", booking.reference, booking.partner_transaction_id or "", booking.product, amount,
                    booking.currency, PartnerStatus.SUCCESS, refund_request_id.strip()[:64], utcnow())
    try:
        stored = write_adjustment(partner, day, [record])
    except ReconciliationError as error:
        raise CommandError(str(error)) from error
    click.echo(f"{stored.name}: ADJUSTMENT {booking.reference} {amount} VND, sha256 {stored.sha256}")


@recon_cli.command("run", cls=OneLineCommand)
@click.option("--partner", "code", required=True, help="partner_code")
@click.option("--date", "day_text", required=True, metavar="YYYYMMDD", help="A closed GMT+7 day.")
@click.option("--dry-run", is_flag=True, help="Check and match only: settle, store and email nothing.")
@click.option("--file", "file", metavar="FILE", help="The partner's file, instead of fetching it.")
@click.option("--sig", metavar="FILE", help="Its .sig sidecar (default FILE.sig).")
def run_command(code: str, day_text: str, dry_run: bool, file: str | None, sig: str | None) -> None:
    """Match the partner's file of a day against ours, settle what the rules allow, open cases for the rest."""
    partner = _partner_or_fail(code)
    day = _day_option(day_text)
    inbound = _inbound_option(file, sig)
    if dry_run:
        result = runs.dry_run(partner, day, inbound)
        if result.finding:
            click.echo(f"finding: {result.finding}")
        click.echo(", ".join(f"{outcome} {count}" for outcome, count in sorted(result.counts.items())) or
                   "no records")
        for outcome, record_type, reference, refund in result.mismatches:
            click.echo(f"  {outcome:<20} {record_type:<10} {reference} {refund}".rstrip())
        return
    try:
        run = runs.run_day(partner, day, inbound=inbound, source="file" if inbound else "api")
    except ReconciliationError as error:
        raise CommandError(str(error)) from error
    _print_run(run)


def _print_run(run: ReconciliationRun) -> None:
    click.echo(f"run {run.id}: {run.status} ({run.source}, file {run.file_name or 'none'})")
    if run.finding:
        click.echo(f"finding: {run.finding}")
    click.echo(", ".join(f"{outcome} {count}" for outcome, count in sorted(run.counts.items())) or "no records")
    for item in run_items(run):
        click.echo(f"  case {item.id:<5} {item.outcome:<20} {item.record_type:<10} {item.reference} "
                   f"{item.refund_request_id} [{item.state}] {item.settlement}".rstrip())


@recon_cli.command("show", cls=OneLineCommand)
@click.argument("run_id", type=int)
@click.option("--html", "html_path", metavar="FILE", help="Write the HTML report there.")
@click.option("--csv", "csv_path", metavar="FILE", help="Write the CSV report there.")
def show_command(run_id: int, html_path: str | None, csv_path: str | None) -> None:
    """Show a run: status, finding, counts and each mismatch with how it was settled."""
    run = db.session.get(ReconciliationRun, run_id)
    if run is None:
        raise CommandError(f"no run {run_id}")
    _print_run(run)
    for path, text in ((html_path, run.report_html), (csv_path, run.report_csv)):
        if path:
            try:
                Path(path).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"{path}: cannot write ({error.strerror or error})") from error


@recon_cli.command("cases", cls=OneLineCommand)
@click.option("--partner", "code", help="Only this partner's cases.")
def cases_command(code: str | None) -> None:
    """List the open cases."""
    partner = _partner_or_fail(code) if code else None
    cases = runs.open_cases(partner)
    if not cases:
        click.echo("No open cases.")
    for case in cases:
        click.echo(f"case {case.id:<5} run {case.run_id:<5} {case.outcome:<20} {case.record_type:<10} "
                   f"{case.reference} {case.refund_request_id} ours {case.our_amount} theirs {case.their_amount}: "
                   f"{case.settlement}")


@recon_cli.command("resolve", cls=OneLineCommand)
@click.argument("case_id", type=int)
@click.option("--action", required=True, metavar="|".join(runs.RESOLUTIONS), help="What was done.")
@click.option("--note", required=True, help="Why, for the record.")
def resolve_command(case_id: int, action: str, note: str) -> None:
    """Close an open case with what an operator did about it."""
    try:
        case = runs.resolve_case(case_id, action, note)
        db.session.commit()
    except ValueError as error:
        db.session.rollback()
        raise CommandError(str(error)) from error
    click.echo(f"case {case.id} resolved: {case.resolution} — {case.note}")
