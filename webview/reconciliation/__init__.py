"""Reconciliation: per-partner settings, the merchant's daily files (job, API, CLI), by DESIGN "Reconciliation"."""

from __future__ import annotations

from flask import Flask

from webview.reconciliation import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the file API, the CLI (`flask partners set-recon`, `flask recon ...`), the periodic job, the
    report email job and the demo seed step (the demo partners' reconciliation URL)."""
    from webview.demo import register_seed_step
    from webview.extensions import csrf
    from webview.reconciliation import jobs, report  # noqa: F401  (the periodic schedule, the report email job)
    from webview.reconciliation.api import bp
    from webview.reconciliation.cli import recon_cli
    from webview.reconciliation.demo import seed_reconciliation

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.cli.add_command(recon_cli)
    register_seed_step("reconciliation", seed_reconciliation)
