"""Demo seed step: the demo partners reconcile by API with the sandbox partner's reconciliation URL."""

from __future__ import annotations

from flask import current_app

from webview.partners.services import find_partner
from webview.reconciliation.settings import SettingsChange, configure


def seed_reconciliation(records: list[dict]) -> None:
    """Give each demo partner transport `api` and `<base>/sandbox/partner/<code>/reconciliation` (idempotent;
    the seed step commits)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    for record in records:
        partner = find_partner(record["partner_code"])
        if partner is not None:
            configure(partner, SettingsChange(
                transport="api", reconciliation_url=f"{base}/sandbox/partner/{partner.code}/reconciliation"))
