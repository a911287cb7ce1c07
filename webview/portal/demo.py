"""The demo operator of `make run` (development only): signs in with a documented password, no TOTP."""

from __future__ import annotations

from flask import current_app

from webview.extensions import db
from webview.portal.accounts import add_user, find_user, set_password

DEMO_OPERATOR_EMAIL = "operator@webview.example"
DEMO_OPERATOR_PASSWORD = "demo-portal-passphrase"  # noqa: S105  (README: development only, never in production)


def seed_demo_operator(credentials: list[dict]) -> None:
    """Create the demo operator once (the seed runs only with SANDBOX_ENABLED, which production refuses)."""
    if current_app.config["APP_ENV"] == "production" or find_user(DEMO_OPERATOR_EMAIL) is not None:
        return
    user = add_user(email=DEMO_OPERATOR_EMAIL, name="Demo operator", role="operator", partner=None)
    user.locale = "en"
    set_password(user, DEMO_OPERATOR_PASSWORD)
    db.session.commit()
