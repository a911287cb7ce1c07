"""The integration style and reconciliation settings pages in a browser, in English and Vietnamese: an administrator
switches to the zalopay-like preset (checked, confirmed, key2 shown once), a broken pasted document is refused with
its path, and the SFTP reconciliation settings are saved (a bad closing time refused). Screenshots in
test-artifacts/portal/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.live import live_server_factory  # noqa: F401  (fixture)
from tests.portal.conftest import PASSWORD, make_partner, make_user
from webview.styles.presets import preset_document

DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def shots(artifacts_dir) -> Path:
    path = artifacts_dir / "portal"
    path.mkdir(parents=True, exist_ok=True)
    return path


def snap(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def signed_in_page(browser, url: str, email: str, locale: str):
    page = browser.new_context(viewport=DESKTOP, locale="vi-VN" if locale == "vi" else "en-US").new_page()
    page.goto(f"{url}/portal/lang/{locale}")
    page.goto(f"{url}/portal/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#main button[type=submit]")
    page.wait_for_load_state()
    return page


def test_style_and_reconciliation_pages(live_server_factory, browser, shots):  # noqa: F811  (the fixture)
    server = live_server_factory()
    with server.app.app_context():
        partner = make_partner("kiwi-pay")
        code = partner.code
        email = make_user(partner, "admin").email
    host_key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    our_key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()).decode()

    # ---- English: the preset switch, confirmed, key2 once
    en = signed_in_page(browser, server.url, email, "en")
    en.goto(f"{server.url}/portal/p/{code}/style")
    en.select_option("#preset", "zalopay-like")
    en.click("[data-testid=style-check]")
    en.wait_for_selector("[data-testid=style-confirm]")
    assert "changes the wire format of live calls" in en.inner_text("[data-testid=style-confirm]")
    snap(en, shots, "en-style-confirm")
    en.click("[data-testid=style-apply]")
    key2 = en.inner_text("[data-testid=revealed-key2]")
    assert len(key2) >= 40
    snap(en, shots, "en-style-secret-once")
    en.click("text=I have stored them")
    assert en.inner_text("[data-testid=style-version]") == "1"
    assert key2 not in en.content()
    snap(en, shots, "en-style")

    en.goto(f"{server.url}/portal/p/{code}/reconciliation/settings")
    en.select_option("#transport", "sftp")
    en.fill("#close_time", "03:30")
    en.fill("#sftp_host", "sftp.kiwi-pay.example")
    en.fill("#sftp_port", "2222")
    en.fill("#sftp_user", "webview_recon")
    en.fill("#sftp_key", our_key)
    en.fill("#sftp_known_hosts", f"[sftp.kiwi-pay.example]:2222 {host_key}")
    en.click("[data-testid=recon-save]")
    en.wait_for_selector("text=Reconciliation settings saved.")
    assert "ssh-ed25519" in en.inner_text("[data-testid=recon-key-state]")
    assert en.input_value("#sftp_key") == ""
    snap(en, shots, "en-reconciliation-settings")

    # ---- Vietnamese: a broken custom document refused with its path; a bad closing time refused
    vi = signed_in_page(browser, server.url, email, "vi")
    vi.goto(f"{server.url}/portal/p/{code}/style")
    broken = preset_document("momo-like")
    broken["status_in"]["transport"] = "xml"
    vi.fill("#document_text", json.dumps(broken, indent=2))
    vi.click("[data-testid=style-check]")
    vi.wait_for_selector("[role=alert]")
    assert "status_in.transport" in vi.inner_text("[data-testid=style-form]")
    assert "Kiểu tích hợp" in vi.inner_text("h1")
    snap(vi, shots, "vi-style-refused")
    vi.goto(f"{server.url}/portal/p/{code}/style")
    snap(vi, shots, "vi-style")

    vi.goto(f"{server.url}/portal/p/{code}/reconciliation/settings")
    vi.fill("#close_time", "25:00")
    vi.click("[data-testid=recon-save]")
    vi.wait_for_selector("[role=alert]")
    assert "Cài đặt đối soát" in vi.inner_text("h1")
    snap(vi, shots, "vi-reconciliation-settings-refused")
    vi.goto(f"{server.url}/portal/p/{code}/reconciliation/settings")
    assert vi.input_value("#close_time") == "03:30"
    snap(vi, shots, "vi-reconciliation-settings")
