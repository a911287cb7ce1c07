"""Payments: partner gateways, checkout handoff, payment status in, fulfilment, refunds and cancellations."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire the payments feature into the app."""
