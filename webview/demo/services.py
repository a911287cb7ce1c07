"""The demo seed: the sandbox's demo partners, their credentials file, and the seed steps other features add."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from flask import current_app

from webview.config import write_private_file
from webview.db import utcnow
from webview.extensions import db
from webview.partners.keys import merchant_key_pair, merchant_public_key_pem, private_key_pem, public_key_pem
from webview.partners.models import Partner
from webview.partners.services import (
    PartnerSpec,
    create_partner,
    find_partner,
    partner_secrets,
    rotate_api_key,
    rotate_secret,
    update_registration,
)
from webview.profiles import ENVELOPE, HMAC, get_profile, profile_of
from webview.vault import api_key_matches

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "demo-partners.json"
CREDENTIAL_KEYS = ("partner_code", "client_id", "client_secret", "api_key", "access_code", "merchant_public_key_pem")
DEMO_KEY_BITS = 2048
DEEPLINK_TEMPLATE = "sandboxpay://pay?transaction_id={transaction_id}&amount={amount}"
BRIDGE_FUNCTION = "window.SandboxBridge.openPayment"

SeedStep = Callable[[list[dict]], None]
_steps: list[tuple[str, SeedStep]] = []
_generated_keys: dict[str, RSAPrivateKey] = {}  # per process: re-seeding (tests, a reset database) stays fast

# Each demo partner has its own look (all pass the contrast checks; see tests/unit/test_demo_seed.py).
DEMO_PARTNERS: tuple[dict[str, Any], ...] = (
    {
        "code": "demo-redirect", "name": "Blue Wallet (demo)", "profile": HMAC.code, "suite": "modern",
        "handoff": "redirect",
        "theme": {
            "bg_color": "#ffffff", "text_color": "#10243e", "button_color": "#0b57d0", "button_text_color": "#ffffff",
            "link_color": "#0b57d0", "accent_text_color": "#0b57d0", "header_bg_color": "#e8f0fe",
            "secondary_bg_color": "#f1f5fb", "radius": 12,
            "dark": {"bg_color": "#0f1b2d", "text_color": "#e6eefb", "button_color": "#8ab4f8",
                     "button_text_color": "#0b1f3a", "link_color": "#8ab4f8", "header_bg_color": "#13243c"},
        },
    },
    {
        "code": "demo-deeplink", "name": "Pink Wallet (demo)", "profile": HMAC.code, "suite": "modern",
        "handoff": "deeplink",
        "theme": {
            "bg_color": "#fff8fb", "text_color": "#3b0a24", "button_color": "#c2185b", "button_text_color": "#ffffff",
            "link_color": "#ad1457", "accent_text_color": "#ad1457", "header_bg_color": "#fce4ec",
            "secondary_bg_color": "#fdeef4", "radius": 18,
            "dark": {"bg_color": "#25101a", "text_color": "#fde7f0", "button_color": "#f48fb1",
                     "button_text_color": "#3b0a24", "link_color": "#f48fb1", "header_bg_color": "#331522"},
        },
    },
    {
        "code": "demo-bridge", "name": "Green Bank (demo)", "profile": HMAC.code, "suite": "modern",
        "handoff": "bridge",
        "theme": {
            "bg_color": "#ffffff", "text_color": "#12261a", "button_color": "#1b5e20", "button_text_color": "#ffffff",
            "link_color": "#2e7d32", "accent_text_color": "#1b5e20", "header_bg_color": "#e8f5e9",
            "secondary_bg_color": "#f1f8f2", "radius": 6,
            "dark": {"bg_color": "#0e1a11", "text_color": "#e3f2e5", "button_color": "#81c784",
                     "button_text_color": "#0e1a11", "link_color": "#a5d6a7", "header_bg_color": "#132417"},
        },
    },
    {
        "code": "demo-envelope", "name": "Orange Travel (demo)", "profile": ENVELOPE.code, "suite": "modern",
        "handoff": "redirect",
        "theme": {
            "bg_color": "#fffaf5", "text_color": "#2d1606", "button_color": "#bf360c", "button_text_color": "#ffffff",
            "link_color": "#b23c00", "accent_text_color": "#bf360c", "header_bg_color": "#fff0e0",
            "secondary_bg_color": "#fff3e8", "radius": 10,
            "dark": {"bg_color": "#1f1309", "text_color": "#ffeede", "button_color": "#ffab70",
                     "button_text_color": "#2d1606", "link_color": "#ffab70", "header_bg_color": "#2a190c"},
        },
    },
    {
        "code": "demo-legacy", "name": "Purple Trips (demo, legacy suite)", "profile": ENVELOPE.code, "suite": "legacy",
        "handoff": "redirect",
        "theme": {
            "bg_color": "#fcfaff", "text_color": "#21102f", "button_color": "#6a1b9a", "button_text_color": "#ffffff",
            "link_color": "#7b1fa2", "accent_text_color": "#6a1b9a", "header_bg_color": "#f3e5f5",
            "secondary_bg_color": "#f6effa", "radius": 14,
            "dark": {"bg_color": "#1a1024", "text_color": "#f1e6fa", "button_color": "#ce93d8",
                     "button_text_color": "#21102f", "link_color": "#ce93d8", "header_bg_color": "#23152f"},
        },
    },
)


class DemoSeedError(RuntimeError):
    """The seed could not complete; the message is one line for the operator."""


def register_seed_step(name: str, func: SeedStep) -> None:
    """Add a step that runs after the demo partners, given their credentials (registering a name again
    replaces its function and keeps its place). Steps run in registration order and must be idempotent."""
    for index, (existing, _) in enumerate(_steps):
        if existing == name:
            _steps[index] = (name, func)
            return
    _steps.append((name, func))


def seed_steps() -> list[str]:
    """The names of the registered steps, in the order they run."""
    return [name for name, _ in _steps]


def credentials_path() -> Path:
    """instance/demo-partners.json of the current app."""
    return Path(current_app.instance_path) / CREDENTIALS_FILE


def read_credentials_file(path: Path) -> dict[str, dict]:
    """The entries of an existing credentials file by partner code ({} when absent or unreadable)."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable %s (%s); demo credentials will be re-issued", path, error)
        return {}
    if not isinstance(entries, list):
        return {}
    return {entry["partner_code"]: entry for entry in entries
            if isinstance(entry, dict) and isinstance(entry.get("partner_code"), str)}


def _demo_spec(demo: dict[str, Any], base_url: str, public_key: str | None) -> PartnerSpec:
    base = base_url.rstrip("/")
    code = demo["code"]
    envelope = get_profile(demo["profile"]).needs_public_key
    return PartnerSpec(
        code=code,
        name=demo["name"],
        address="Sandbox, 127.0.0.1",
        website=base + "/sandbox/",
        environment="sandbox",
        profile=demo["profile"],
        suite=demo["suite"],
        handoff=demo["handoff"],
        public_key=public_key,
        admin_name="Demo Operator",
        admin_email=f"ops@{code}.example.com",
        admin_phone="0901234567",
        support_email=f"support@{code}.example.com",
        support_phone="1900 6868",
        support_hours="08:00–22:00",  # one line shown as is in every language: no words in it
        create_transaction_url=None if envelope else f"{base}/sandbox/partner/{code}/transactions",
        query_transaction_url=None if envelope else f"{base}/sandbox/partner/{code}/transactions/query",
        refund_url=None if envelope else f"{base}/sandbox/partner/{code}/refunds",
        payment_url=f"{base}/sandbox/partner/{code}/pay" if envelope else f"{base}/sandbox/pay/",
        deeplink_template=DEEPLINK_TEMPLATE if demo["handoff"] == "deeplink" else None,
        bridge_function=BRIDGE_FUNCTION if demo["handoff"] == "bridge" else None,
        return_hosts=(urlsplit(base).hostname or "127.0.0.1",),
        theme=demo["theme"],
    )


def _new_partner_key(code: str) -> RSAPrivateKey:
    key = _generated_keys.get(code)
    if key is None:
        key = _generated_keys[code] = rsa.generate_private_key(public_exponent=65537, key_size=DEMO_KEY_BITS)
    return key


def _entry_still_valid(partner: Partner, entry: dict | None) -> bool:
    """Whether a file entry still holds this partner's working credentials."""
    if not entry or any(not isinstance(entry.get(key), str) for key in CREDENTIAL_KEYS[:5]):
        return False
    if entry["client_id"] != partner.client_id or entry["access_code"] != partner.access_code:
        return False
    if entry["client_secret"] not in partner_secrets(partner, utcnow())[:1]:
        return False
    if not api_key_matches(entry["api_key"], partner.api_key_hash):
        return False
    if profile_of(partner).needs_public_key:
        private = entry.get("partner_private_key_pem")
        return isinstance(private, str) and _public_of(private) == partner.public_key_pem
    return True


def _public_of(private_pem: str) -> str | None:
    try:
        key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    except (ValueError, TypeError):
        return None
    return public_key_pem(key) if isinstance(key, RSAPrivateKey) else None


def _seed_partner(demo: dict[str, Any], entry: dict | None, base_url: str) -> dict:
    """Create or refresh one demo partner; returns its credentials entry."""
    code = demo["code"]
    envelope = get_profile(demo["profile"]).needs_public_key
    partner = find_partner(code)
    private_pem = entry.get("partner_private_key_pem") if entry else None
    if partner is None:
        key = _new_partner_key(code) if envelope else None
        spec = _demo_spec(demo, base_url, public_key_pem(key) if key else None)
        partner, issued = create_partner(spec)
        values = issued.to_json()
        private_pem = private_key_pem(key) if key else None
    else:
        valid = _entry_still_valid(partner, entry)
        if envelope and not (valid or (private_pem and _public_of(private_pem) == partner.public_key_pem)):
            private_pem = private_key_pem(_new_partner_key(code))
        public = _public_of(private_pem) if envelope and private_pem else None
        update_registration(partner, _demo_spec(demo, base_url, public))
        partner.status = "active"
        if valid:
            values = {key: entry[key] for key in CREDENTIAL_KEYS}
        else:  # secrets are only known when issued: re-issue them for the file
            log.info("re-issuing credentials of demo partner %s", code)
            values = {
                "partner_code": partner.code,
                "client_id": partner.client_id,
                "client_secret": rotate_secret(partner, 0),
                "api_key": rotate_api_key(partner),
                "access_code": partner.access_code,
            }
        values["merchant_public_key_pem"] = merchant_public_key_pem(partner.environment)
    record = {key: values[key] for key in CREDENTIAL_KEYS}
    record.update(profile=partner.profile, suite=partner.suite, handoff=partner.handoff)
    if envelope:
        record["partner_private_key_pem"] = private_pem
    return record


def run_seed() -> list[dict]:
    """Ensure the sandbox merchant key and the demo partners, write instance/demo-partners.json (0600),
    then run the registered steps with the credentials list. Idempotent; returns the credentials list."""
    if not current_app.config.get("SANDBOX_ENABLED"):
        raise DemoSeedError("the demo partners live in the sandbox: set SANDBOX_ENABLED=1 to seed them")
    base_url = current_app.config["PUBLIC_BASE_URL"]
    path = credentials_path()
    existing = read_credentials_file(path)
    try:
        merchant_key_pair("sandbox")
        records = [_seed_partner(demo, existing.get(demo["code"]), base_url) for demo in DEMO_PARTNERS]
        db.session.commit()
    except ValueError as error:  # PartnerError, KeyFormatError: a bad PUBLIC_BASE_URL for partners, say
        db.session.rollback()
        raise DemoSeedError(f"demo partners could not be seeded: {error}") from error
    write_private_file(path, json.dumps(records, indent=2) + "\n")
    for name, step in list(_steps):
        try:
            step(records)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            raise DemoSeedError(f"seed step {name!r} failed: {error}") from error
    return records


__all__ = [
    "DEMO_PARTNERS",
    "DemoSeedError",
    "SeedStep",
    "credentials_path",
    "register_seed_step",
    "run_seed",
    "seed_steps",
]
