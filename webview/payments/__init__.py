"""Payments: partner gateways, checkout handoff, payment status in, fulfilment, refunds and cancellations."""

from flask import Flask

from webview.payments import models  # noqa: F401  (registers the tables)


def init_app(app: Flask) -> None:
    """Register the job handlers (issuance, refunds), the pending-payment poller, the operator CLI and the
    checkout screens."""
    from webview.booking.lifecycle import status_key
    from webview.payments import cli, fulfilment, poller, refunds, views  # noqa: F401  (job handlers, periodic)
    from webview.payments.receipts import receipt_for
    from webview.payments.services import decline_reason

    cli.init_app(app)
    app.register_blueprint(views.bp)
    # the order screens (booking's order page too) show the receipt and a declined payment's reason
    app.jinja_env.globals.update(order_receipt=receipt_for, decline_reason=decline_reason, order_state=status_key)
