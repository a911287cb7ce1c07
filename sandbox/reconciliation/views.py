"""`GET /sandbox/partner/<partner_code>/reconciliation?date=YYYYMMDD[&faults=…]`: the partner's file, and the
`flask sandbox recon-file` command that writes it (or uploads it to an SFTP INBOUND/)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click
from flask import Blueprint, Response, request

from sandbox.credentials import load_credentials
from sandbox.partner.api import answer, authenticate_merchant, log_inbound, note, refused, start_exchange
from sandbox.partner.services import PartnerApiError
from sandbox.reconciliation.services import FileNotReady, parse_faults, partner_file

bp = Blueprint("sandbox_reconciliation", __name__, url_prefix="/sandbox/partner")
bp.before_request(start_exchange)
bp.after_request(log_inbound)
bp.register_error_handler(PartnerApiError, refused)

DATE = re.compile(r"[0-9]{8}")


def _day(text: str) -> date | None:
    if not DATE.fullmatch(text or ""):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


@bp.get("/<partner_code>/reconciliation")
def reconciliation(partner_code: str) -> Response:
    """hmac partners verify the merchant's signature over the request target; envelope partners answer anyone
    (the file's own RSA signature is what proves it). Knobs come from `faults` (the registered URL may carry it)."""
    partner = load_credentials(partner_code)
    if partner is None:
        return answer(3, message="unknown partner", http_status=404)
    if partner.profile == "hmac":
        authenticate_merchant(partner_code)
    day = _day(request.args.get("date", ""))
    if day is None:
        return answer(1, {"fields": ["date"]}, "date must be YYYYMMDD")
    try:
        faults = parse_faults(request.args.get("faults"))
        file = partner_file(partner, day, faults)
    except ValueError as error:
        return answer(1, {"fields": ["faults"]}, str(error))
    except FileNotReady as error:
        note(verdict=str(error))
        return answer(3, message=str(error), http_status=404)
    note(verdict=f"file {file.name}" + (f" with faults {','.join(faults)}" if faults else ""))
    return Response(file.data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{file.name}"', "X-Content-SHA256": file.sha256,
        "X-Content-Signature": file.signature})


@click.command("recon-file")
@click.option("--partner", "code", required=True, help="A demo partner's code.")
@click.option("--date", "day_text", required=True, metavar="YYYYMMDD")
@click.option("--faults", default="", help="Comma-separated: drop, change_amount, add_unknown, duplicate, late, "
              "bad_signature.")
@click.option("--out", "out_dir", default=".", metavar="DIR", help="Where to write the file and its .sig.")
def recon_file_command(code: str, day_text: str, faults: str, out_dir: str) -> None:
    """Write the sandbox partner's reconciliation file of a day (and its .sig), as the partner would."""
    partner = load_credentials(code)
    day = _day(day_text)
    if partner is None:
        raise click.UsageError(f"the sandbox knows no partner {code!r}")
    if day is None:
        raise click.UsageError("--date must be YYYYMMDD")
    try:
        file = partner_file(partner, day, parse_faults(faults))
    except (ValueError, FileNotReady) as error:
        raise click.UsageError(str(error)) from error
    folder = Path(out_dir)
    (folder / file.name).write_bytes(file.data)
    (folder / (file.name + ".sig")).write_text(file.signature + "\n")
    rows = file.data.count(b"\n") - 1
    click.echo(f"{folder / file.name}: {rows} rows")
