"""The demo operator of `make run`: seeded with its documented development password, once, never in production."""

from __future__ import annotations

from tests.portal.conftest import sign_in
from webview.demo import seed_steps
from webview.portal.accounts import find_user
from webview.portal.demo import DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD, seed_demo_operator


def test_demo_seed_creates_the_documented_operator_once(app):
    assert "portal-operator" in seed_steps()
    seed_demo_operator([])
    seed_demo_operator([])
    user = find_user(DEMO_OPERATOR_EMAIL)
    assert user.role == "operator" and user.partner_id is None
    client = app.test_client()
    assert sign_in(client, DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD).location.endswith("/portal/operator/partners")


def test_readme_documents_the_demo_operator():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert DEMO_OPERATOR_EMAIL in readme and DEMO_OPERATOR_PASSWORD in readme


def test_no_demo_operator_in_production(app):
    app.config["APP_ENV"] = "production"  # a production deployment (whose seed the sandbox switch refuses anyway)
    try:
        seed_demo_operator([])
    finally:
        app.config["APP_ENV"] = "development"
    assert find_user(DEMO_OPERATOR_EMAIL) is None
