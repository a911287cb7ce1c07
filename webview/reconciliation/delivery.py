"""Our files to the partner's SFTP `OUTBOUND/` (with `.sha256` and `.sig`), theirs from `INBOUND/`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from webview.db import utcnow
from webview.extensions import db
from webview.partners.models import Partner
from webview.reconciliation import sftp
from webview.reconciliation.files import file_bytes, stored_parts
from webview.reconciliation.matching import InboundFile
from webview.reconciliation.models import ReconciliationFile
from webview.reconciliation.settings import settings_of


def deliver_by_sftp(partner: Partner, day: date) -> list[str]:
    """Upload the day's parts not yet delivered, each with its sidecars; returns the names uploaded.

    SftpError / SftpRefused when the server cannot be used (nothing is marked delivered then).
    """
    pending = [(part.id, part.name, part.sha256, part.signature) for part in stored_parts(partner, day)
               if part.sftp_delivered_at is None]
    if not pending:
        return []
    settings = settings_of(partner)
    delivered: list[str] = []
    with sftp.connect(settings) as channel:
        for file_id, name, sha256, signature in pending:
            sftp.upload(channel, name, file_bytes(file_id))
            sftp.upload(channel, name + ".sha256", [f"{sha256}  {name}\n".encode()])
            sftp.upload(channel, name + ".sig", [signature.encode("ascii") + b"\n"])
            db.session.execute(update(ReconciliationFile).where(ReconciliationFile.id == file_id)
                               .values(sftp_delivered_at=utcnow()))
            db.session.commit()
            delivered.append(name)
    return delivered


def fetch_by_sftp(partner: Partner, day: date) -> InboundFile:
    """The partner's first file of `day` in INBOUND/; SftpError when there is none."""
    with sftp.connect(settings_of(partner)) as channel:
        names = sftp.inbound_files(channel, day)
        if not names:
            raise sftp.SftpError(f"no file of {day:%Y%m%d} in {sftp.INBOUND}/")
        return sftp.fetch_inbound(channel, names[0])


def archive_by_sftp(partner: Partner, name: str, *, rejected: bool) -> None:
    """Move a processed inbound file (and its sidecars) to ARCHIVED/."""
    with sftp.connect(settings_of(partner)) as channel:
        sftp.archive_inbound(channel, name, rejected=rejected)
