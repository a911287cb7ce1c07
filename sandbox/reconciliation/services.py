"""The sandbox partner's reconciliation file, written from its own transaction records (not from webview's).

Written from DESIGN "Reconciliation" with the sandbox's own code (csv, hashlib, hmac, cryptography): the standard
template, one `PAYMENT` row per transaction the wallet settled as SUCCESS that day, one `REFUND` row per refund it
completed that day (GMT+7 days). Fault knobs make real discrepancies for the merchant to find:

  drop           the first row is left out                  (missing_at_partner on the merchant's side)
  change_amount  the first row's amount is 1,000 VND more   (amount_mismatch)
  add_unknown    a PAYMENT for an order the merchant lacks   (missing_at_merchant, an open case)
  duplicate      the first row appears twice                (the file is rejected: duplicate rows)
  late           the file is not there yet (404 / no upload) (the merchant's finding: the file is missing)
  bad_signature  the .sig is made with another key           (the file is rejected: bad signature)
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy import select

from sandbox.credentials import PartnerCredentials
from sandbox.models import SandboxRefund, SandboxTransaction
from sandbox.protocol import envelope
from webview.extensions import db

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
COLUMNS = ("record_type", "reference_transaction_id", "partner_transaction_id", "product", "amount", "currency",
           "status", "refund_request_id", "occurred_at")
FAULTS = ("drop", "change_amount", "add_unknown", "duplicate", "late", "bad_signature")


class FileNotReady(LookupError):
    """The partner's file of that day is not there (the `late` knob)."""


@dataclass(frozen=True)
class PartnerFile:
    """The partner's file and its sidecars."""

    name: str
    data: bytes
    signature: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def parse_faults(text: str | None) -> tuple[str, ...]:
    """Comma-separated knobs; ValueError naming an unknown one."""
    knobs = tuple(knob.strip() for knob in (text or "").split(",") if knob.strip())
    unknown = [knob for knob in knobs if knob not in FAULTS]
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)} (known: {', '.join(FAULTS)})")
    return knobs


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), ZONE)
    return start, start + timedelta(days=1)


def _product(description: str) -> str:
    lowered = description.lower()
    return "flight" if "flight" in lowered or "bay" in lowered else "hotel" if "hotel" in lowered else "vip"


def day_rows(partner_code: str, day: date) -> list[list[str]]:
    """The wallet's own records of the day, oldest first, as standard rows."""
    start, end = _bounds(day)
    rows: list[tuple[datetime, list[str]]] = []
    for tx in db.session.scalars(select(SandboxTransaction).where(
            SandboxTransaction.partner_code == partner_code, SandboxTransaction.status == "SUCCESS",
            SandboxTransaction.updated_at >= start, SandboxTransaction.updated_at < end)):
        rows.append((tx.updated_at, ["PAYMENT", tx.reference_transaction_id, tx.transaction_id,
                                     _product(tx.description), str(tx.amount), "VND", "SUCCESS", "",
                                     tx.updated_at.astimezone(ZONE).isoformat(timespec="seconds")]))
    for refund in db.session.scalars(select(SandboxRefund).join(SandboxTransaction).where(
            SandboxTransaction.partner_code == partner_code, SandboxRefund.status == "SUCCESS",
            SandboxRefund.created_at >= start, SandboxRefund.created_at < end)):
        tx = refund.transaction
        rows.append((refund.created_at, ["REFUND", refund.reference_transaction_id, tx.transaction_id,
                                         _product(tx.description), str(refund.amount), "VND", "SUCCESS",
                                         refund.request_id,
                                         refund.created_at.astimezone(ZONE).isoformat(timespec="seconds")]))
    return [row for _, row in sorted(rows, key=lambda item: item[0])]


def _apply(rows: list[list[str]], faults: tuple[str, ...], day: date) -> list[list[str]]:
    rows = [list(row) for row in rows]
    if "change_amount" in faults and rows:
        rows[0][4] = str(int(rows[0][4]) + 1000)
    if "duplicate" in faults and rows:
        rows.insert(1, list(rows[0]))
    if "drop" in faults and rows:
        rows.pop(0)
    if "add_unknown" in faults:
        rows.append(["PAYMENT", f"{day:%y%m%d}-SBXGHOST", "SBX-GHOST", "vip", "99000", "VND", "SUCCESS", "",
                     datetime.combine(day, time(12), ZONE).isoformat(timespec="seconds")])
    return rows


def _signature(partner: PartnerCredentials, data: bytes, bad: bool) -> str:
    """hmac: hex HMAC-SHA256 with the client secret; envelope: SHA256withRSA with the partner key, base64."""
    if partner.profile == "envelope":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if bad or not \
            partner.partner_private_key_pem else envelope.load_private_key(partner.partner_private_key_pem)
        return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")
    secret = "not-the-partner-secret" if bad else partner.client_secret
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def partner_file(partner: PartnerCredentials, day: date, faults: tuple[str, ...] = ()) -> PartnerFile:
    """The partner's file of `day` with the knobs applied; FileNotReady for `late`."""
    if "late" in faults:
        raise FileNotReady(f"the file of {day:%Y%m%d} is not ready (late)")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_apply(day_rows(partner.partner_code, day), faults, day))
    data = text.getvalue().encode("utf-8")
    return PartnerFile(name=f"{partner.partner_code}_{day:%Y%m%d}_1.csv", data=data,
                       signature=_signature(partner, data, "bad_signature" in faults))


def upload_to_inbound(partner_file_: PartnerFile, *, host: str, port: int, username: str, private_key_pem: str,
                      host_key_line: str) -> None:
    """Put the file and its .sig in INBOUND/ of an SFTP server (written .part, then renamed), host key checked."""
    import paramiko

    key = None
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            key = kind.from_private_key(io.StringIO(private_key_pem))
            break
        except (paramiko.SSHException, ValueError):
            continue
    if key is None:
        raise ValueError("not a usable private key")
    client = paramiko.SSHClient()
    entry = paramiko.hostkeys.HostKeyEntry.from_line(host_key_line.strip())
    for name in entry.hostnames:
        client.get_host_keys().add(name, entry.key.get_name(), entry.key)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, port=port, username=username, pkey=key, look_for_keys=False, allow_agent=False,
                   timeout=5)
    try:
        channel = client.open_sftp()
        for name, data in ((partner_file_.name, partner_file_.data),
                           (partner_file_.name + ".sig", partner_file_.signature.encode() + b"\n")):
            with channel.open(f"INBOUND/{name}.part", "wb") as handle:
                handle.write(data)
            channel.posix_rename(f"INBOUND/{name}.part", f"INBOUND/{name}")
    finally:
        client.close()
