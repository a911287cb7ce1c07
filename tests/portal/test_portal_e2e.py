"""The portal in a browser: an operator onboards a partner → the administrator opens the activation link from the
mail catcher, sets a password and TOTP, invites a developer → the developer uploads a key and sets URLs; in
Vietnamese and English, with a screenshot of every page in test-artifacts/portal/."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.live import live_server_factory  # noqa: F401  (fixture)
from tests.portal.conftest import PASSWORD, make_user
from webview.jobs.services import run_once

DESKTOP = {"width": 1280, "height": 860}
LINK = re.compile(r"https?://[^\s\"<>]+/portal/activate\?token=[A-Za-z0-9_-]+")


@pytest.fixture
def shots(artifacts_dir) -> Path:
    path = artifacts_dir / "portal"
    path.mkdir(parents=True, exist_ok=True)
    return path


def activation_link(server, address: str) -> str:
    """Deliver the queued emails, then read the newest one to `address` from the sandbox mail catcher."""
    with server.app.app_context():
        run_once()
    mails = requests.get(f"{server.url}/sandbox/api/mail", params={"to": address}, timeout=10).json()
    assert mails, f"no email to {address}"
    return LINK.search(mails[0]["text"]).group(0)


def snap(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_operator_admin_developer_journey(live_server_factory, browser, shots, tmp_path):  # noqa: F811
    server = live_server_factory()
    with server.app.app_context():
        operator = make_user(None, "operator", "ops@merchant.example")
        operator_email = operator.email

    # ---- the operator (English) onboards a partner
    ops = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
    ops.goto(f"{server.url}/portal/")
    snap(ops, shots, "en-sign-in")
    ops.fill("#email", operator_email)
    ops.fill("#password", PASSWORD)
    ops.click("#main button[type=submit]")
    ops.wait_for_url("**/portal/operator/partners")
    ops.click("text=Onboard a partner >> nth=0")
    base = f"{server.url}/sandbox/partner/p"
    for field, value in {"code": "kiwi-pay", "name": "Kiwi Pay", "admin_name": "Lan Nguyễn",
                         "admin_email": "lan@kiwi.example", "payment_url": f"{base}/pay",
                         "create_transaction_url": f"{base}/create", "query_transaction_url": f"{base}/query",
                         "refund_url": f"{base}/refund"}.items():
        ops.fill(f"#{field}", value)
    ops.select_option("#locale", "vi")
    snap(ops, shots, "en-operator-new-partner")
    ops.click("text=Create the partner")
    ops.wait_for_selector("[data-testid=reveal-once]")
    snap(ops, shots, "en-operator-credentials-once")
    ops.goto(f"{server.url}/portal/operator/partners")
    snap(ops, shots, "en-operator-partners")
    ops.goto(f"{server.url}/portal/operator/partners/kiwi-pay")
    snap(ops, shots, "en-operator-partner")

    # ---- the administrator (Vietnamese): activation link from the mail catcher, password, TOTP, invitation
    admin = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    admin_link = activation_link(server, "lan@kiwi.example")
    admin.goto(admin_link)
    snap(admin, shots, "vi-set-password")
    admin.fill("#password", PASSWORD)
    admin.fill("#confirm", PASSWORD)
    admin.click("#main button[type=submit]")
    admin.wait_for_url("**/portal/p/kiwi-pay/")
    assert admin.locator("[data-testid=next-steps]").is_visible()
    snap(admin, shots, "vi-overview")
    admin.goto(f"{server.url}/portal/account/totp")
    secret = admin.locator("[data-testid=totp-secret]").inner_text().strip()
    assert admin.locator(".pt-qr svg").is_visible()
    snap(admin, shots, "vi-totp-setup")
    admin.fill("#code", pyotp.TOTP(secret).now())
    admin.click("#main button[type=submit]")
    admin.wait_for_url("**/portal/p/kiwi-pay/")
    admin.goto(f"{server.url}/portal/account")
    assert "Đang bật" in admin.content()
    snap(admin, shots, "vi-account")
    admin.goto(f"{server.url}/portal/p/kiwi-pay/team")
    admin.fill("#name", "Minh Developer")
    admin.fill("#email", "minh@kiwi.example")
    admin.select_option("#role", "developer")
    admin.click("text=Gửi lời mời")
    admin.wait_for_selector("[data-testid=portal-flash]")
    snap(admin, shots, "vi-team")
    admin.goto(f"{server.url}/portal/p/kiwi-pay/credentials")
    snap(admin, shots, "vi-credentials")
    admin.goto(f"{server.url}/portal/p/kiwi-pay/support")
    admin.fill("#support_email", "hotro@kiwi.example")
    admin.click("#main button[type=submit]")
    admin.wait_for_selector("[data-testid=portal-flash]")
    snap(admin, shots, "vi-support")

    # ---- the developer (English): activation, key upload, URLs
    dev = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
    dev.goto(activation_link(server, "minh@kiwi.example"))
    dev.fill("#password", "another long passphrase")
    dev.fill("#confirm", "another long passphrase")
    dev.click("#main button[type=submit]")
    dev.wait_for_url("**/portal/p/kiwi-pay/")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem_file = tmp_path / "kiwi.pem"
    pem_file.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    dev.goto(f"{server.url}/portal/p/kiwi-pay/keys")
    dev.set_input_files("#key_file", str(pem_file))
    dev.click("text=Save the key")
    dev.wait_for_selector("text=Your public key is saved (RSA 2048 bits).")
    snap(dev, shots, "en-keys")
    dev.goto(f"{server.url}/portal/p/kiwi-pay/integration")
    dev.fill("#payment_url", "http://pay.kiwi.example/checkout")
    dev.click("text=Save the settings")
    error = dev.locator(".pt-flash.error").inner_text()
    assert "payment url" in error and "use https" in error and "--" not in error  # the registry's rule, in words
    snap(dev, shots, "en-integration-refused")
    dev.fill("#payment_url", f"{base}/pay2")
    dev.fill("#return_hosts", "127.0.0.1")
    dev.click("text=Save the settings")
    dev.wait_for_selector("text=Integration settings saved.")
    snap(dev, shots, "en-integration")
    assert dev.goto(f"{server.url}/portal/p/kiwi-pay/team").status == 403
    snap(dev, shots, "en-forbidden")
    dev.goto(f"{server.url}/portal/p/kiwi-pay/")
    assert "Upload your RSA public key" in dev.content()
    snap(dev, shots, "en-overview")

    # ---- the administrator reads the audit log; the operator sees the whole story
    admin.goto(f"{server.url}/portal/p/kiwi-pay/audit")
    log = admin.locator("[data-testid=audit-log]").inner_text()
    assert "keys.partner_key_set" in log and "integration.updated" in log and "minh@kiwi.example" in log
    snap(admin, shots, "vi-audit")
    ops.goto(f"{server.url}/portal/operator/audit")
    snap(ops, shots, "en-operator-audit")
    # ---- the pages around signing in, in Vietnamese: a used link, the TOTP step, forgot password, the lock-out
    visitor = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    visitor.goto(admin_link)
    assert visitor.locator("[data-testid=link-used]").is_visible()
    snap(visitor, shots, "vi-link-used")
    visitor.goto(f"{server.url}/portal/sign-in")
    snap(visitor, shots, "vi-sign-in")
    visitor.fill("#email", "lan@kiwi.example")
    visitor.fill("#password", PASSWORD)
    visitor.click("#main button[type=submit]")
    visitor.wait_for_url("**/portal/sign-in/code")
    snap(visitor, shots, "vi-sign-in-code")
    visitor.goto(f"{server.url}/portal/forgot")
    snap(visitor, shots, "vi-forgot")
    for _ in range(5):
        visitor.goto(f"{server.url}/portal/sign-in")
        visitor.fill("#email", "minh@kiwi.example")
        visitor.fill("#password", "not the right passphrase")
        visitor.click("#main button[type=submit]")
    assert visitor.locator("[data-testid=portal-locked]").is_visible()
    snap(visitor, shots, "vi-locked")
    for context_page in (ops, admin, dev, visitor):
        context_page.context.close()
