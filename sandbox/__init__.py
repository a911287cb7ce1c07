"""The sandbox: a simulated partner super app, registered only when SANDBOX_ENABLED."""

from __future__ import annotations

import importlib

from flask import Flask

# Each sandbox feature package exposes init_app(app).
SANDBOX_FEATURES: tuple[str, ...] = (
    "sandbox.shell", "sandbox.partner", "sandbox.testapi", "sandbox.inspector", "sandbox.operator", "sandbox.cases",
    "sandbox.mail", "sandbox.reconciliation")


def init_app(app: Flask) -> None:
    """Register the access guard of the whole /sandbox tree, then the sandbox features."""
    importlib.import_module("sandbox.access").init_app(app)
    for name in SANDBOX_FEATURES:
        importlib.import_module(name).init_app(app)
