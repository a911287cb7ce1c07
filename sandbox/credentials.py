"""The demo partners' credentials as the sandbox keeps them: sealed at rest, opened on use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from sandbox.models import SandboxPartnerCredential
from webview.extensions import db
from webview.vault import open_sealed, seal

VAULT_PURPOSE = "sandbox"
REQUIRED_KEYS = ("partner_code", "client_id", "client_secret", "api_key", "access_code", "profile")


class CredentialError(ValueError):
    """A credentials record that cannot be stored (missing or invalid fields)."""


@dataclass(frozen=True)
class PartnerCredentials:
    """One demo partner's opened credentials (plaintext secrets: keep in memory only, never log)."""

    partner_code: str
    profile: str
    suite: str
    handoff: str
    client_id: str
    client_secret: str
    api_key: str
    access_code: str
    partner_private_key_pem: str | None
    merchant_public_key_pem: str


def _master_key() -> str:
    return current_app.config["MASTER_KEY"]


def upsert_credentials(records: Iterable[Mapping[str, object]]) -> list[str]:
    """Store (or replace) the given partners' credentials; returns their codes. The caller commits."""
    master_key = _master_key()
    codes = []
    for record in records:
        missing = [key for key in REQUIRED_KEYS if not isinstance(record.get(key), str) or not record.get(key)]
        if missing:
            raise CredentialError(f"credentials record lacks {', '.join(missing)}")
        profile = str(record["profile"])
        if profile not in {"hmac", "envelope"}:
            raise CredentialError(f"unknown profile {profile!r}")
        private_pem = record.get("partner_private_key_pem") or None
        if profile == "envelope" and not private_pem:
            raise CredentialError("an envelope partner needs partner_private_key_pem")
        code = str(record["partner_code"])
        row = db.session.scalar(select(SandboxPartnerCredential).where(SandboxPartnerCredential.partner_code == code))
        if row is None:
            row = SandboxPartnerCredential(partner_code=code)
            db.session.add(row)
        row.profile = profile
        row.suite = str(record.get("suite") or "modern")
        row.handoff = str(record.get("handoff") or "redirect")
        row.client_id = str(record["client_id"])
        row.client_secret_sealed = seal(master_key, str(record["client_secret"]), VAULT_PURPOSE)
        row.api_key_sealed = seal(master_key, str(record["api_key"]), VAULT_PURPOSE)
        row.access_code = str(record["access_code"])
        row.partner_private_key_sealed = seal(master_key, str(private_pem), VAULT_PURPOSE) if private_pem else None
        row.merchant_public_key_pem = str(record.get("merchant_public_key_pem") or "")
        codes.append(code)
    db.session.flush()
    return codes


def seed_credentials(records: list[dict]) -> None:
    """Demo seed step: take the freshly issued demo partners' credentials."""
    upsert_credentials(records)


def _opened(row: SandboxPartnerCredential) -> PartnerCredentials:
    master_key = _master_key()
    private = row.partner_private_key_sealed
    return PartnerCredentials(
        partner_code=row.partner_code,
        profile=row.profile,
        suite=row.suite,
        handoff=row.handoff,
        client_id=row.client_id,
        client_secret=open_sealed(master_key, row.client_secret_sealed, VAULT_PURPOSE).decode(),
        api_key=open_sealed(master_key, row.api_key_sealed, VAULT_PURPOSE).decode(),
        access_code=row.access_code,
        partner_private_key_pem=open_sealed(master_key, private, VAULT_PURPOSE).decode() if private else None,
        merchant_public_key_pem=row.merchant_public_key_pem,
    )


def load_credentials(partner_code: str) -> PartnerCredentials | None:
    """The opened credentials of one demo partner, or None when the sandbox does not know it."""
    row = db.session.scalar(
        select(SandboxPartnerCredential).where(SandboxPartnerCredential.partner_code == partner_code))
    return _opened(row) if row is not None else None


def list_partners() -> list[SandboxPartnerCredential]:
    """The partners the sandbox can act as (rows only; secrets stay sealed)."""
    return list(db.session.scalars(select(SandboxPartnerCredential).order_by(SandboxPartnerCredential.partner_code)))
