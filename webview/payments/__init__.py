"""Payments: partner gateways, checkout handoff, payment status in, fulfilment, refunds and cancellations."""

from flask import Flask

from webview.payments import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the job handlers (issuance, refunds), the pending-payment poller, the operator CLI and the
    checkout screens."""
    from webview.payments import cli, fulfilment, poller, refunds, views  # noqa: F401  (job handlers, periodic)

    cli.init_app(app)
    app.register_blueprint(views.bp)
