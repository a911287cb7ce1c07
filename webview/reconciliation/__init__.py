"""Reconciliation: per-partner settings, the merchant's daily files (job, API, CLI), by DESIGN "Reconciliation"."""

from __future__ import annotations

from flask import Flask

from webview.reconciliation import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the file API, the CLI (`flask partners set-recon`, `flask recon ...`), the periodic job and the
    report email job."""
    from webview.extensions import csrf
    from webview.reconciliation import jobs, report  # noqa: F401  (the periodic schedule, the report email job)
    from webview.reconciliation.api import bp
    from webview.reconciliation.cli import recon_cli

    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.cli.add_command(recon_cli)
