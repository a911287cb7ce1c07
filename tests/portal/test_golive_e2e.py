"""Issue 13, end to end in a browser: the developer sets a theme in the editor (a low-contrast colour is refused
live); the partner's own integration — the partner kit's sample server (examples/partner.py) — runs through the
sandbox (its launches, the merchant-driven cases started from the portal, its IPN twice, its user's signed return,
its reconciliation fetch) and the checklist turns green; the admin requests go-live, an operator approves, the admin
sees the production secrets once; the production credentials work against a production deployment and the sandbox
ones do not, and the reverse. Screenshots in test-artifacts/portal/."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.api.conftest import HmacPartner
from tests.live import live_server_factory  # noqa: F401  (fixture)
from tests.portal.conftest import PASSWORD, make_user
from webview.catalog.generator import ensure_reference_data
from webview.db import utcnow
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.portal.case_runs import CaseRun

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "partner.py"
DESKTOP = {"width": 1360, "height": 900}
LAUNCH = {"identify_code": "e2e-user", "identify_phone": "0912345678", "product": "vip", "locale": "en"}


@pytest.fixture
def shots(artifacts_dir) -> Path:
    path = artifacts_dir / "portal"
    path.mkdir(parents=True, exist_ok=True)
    return path


def snap(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cli(server, *args: str):
    with server.app.app_context():
        return server.app.test_cli_runner().invoke(args=list(args))


def sample(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SAMPLE), *args], capture_output=True, text=True, timeout=60)


def sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/portal/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#main button[type=submit]")
    page.wait_for_load_state()


def merchant_has_queried(server, reference: str) -> bool:
    with server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(PartnerMessage).where(
            PartnerMessage.reference == reference, PartnerMessage.kind == "query-transaction")) > 0


def partner_pays(partner: dict, server, stop: threading.Event) -> None:
    """The partner's user pays once the customer saw the handoff; the partner sends its IPN once more (its retry),
    and its user comes back through the signed result link."""
    while not stop.is_set():
        transactions = requests.get(f"{partner['url']}/state", timeout=10).json()["transactions"]
        if transactions and merchant_has_queried(server, transactions[0]["reference_transaction_id"]):
            created = transactions[0]
            paid = requests.post(f"{partner['url']}/pay/{created['transaction_id']}/approve", timeout=30).json()
            sample("ipn", "--base-url", server.url, "--client-id", partner["client_id"], "--client-secret",
                   partner["client_secret"], "--reference", created["reference_transaction_id"], "--amount",
                   str(created["amount"]), "--transaction-id", created["transaction_id"], "--status", "SUCCESS")
            requests.get(paid["result_url"], timeout=30)
            return
        time.sleep(0.3)


@pytest.fixture
def world(live_server_factory):  # noqa: F811  (the imported fixture)
    """A live sandbox deployment with its jobs worker, and a partner onboarded on the sample server's endpoints."""
    server = live_server_factory(JOBS_EMBEDDED_WORKER=True, JOBS_POLL_SECONDS=0.2, RESULT_SYNC_AFTER_SECONDS=1)
    with server.app.app_context():
        ensure_reference_data()  # the catalog the customer books from (the VIP plans)
        db.session.commit()
    worker = server.app.extensions["webview.start_embedded_worker"](server.app)
    code, port = "kitwallet", free_port()
    url = f"http://127.0.0.1:{port}"
    created = cli(server, "partners", "create", "--code", code, "--name", "Kit Wallet", "--profile", "hmac",
                  "--handoff", "redirect", "--admin-name", "Kit Admin", "--admin-email", "admin@kitwallet.example",
                  "--create-transaction-url", f"{url}/txn", "--query-transaction-url", f"{url}/txn/query",
                  "--refund-url", f"{url}/refund", "--payment-url", f"{url}/pay", "--return-host", "127.0.0.1",
                  "--json")
    assert created.exit_code == 0, created.output
    issued = json.loads(created.output)
    process = subprocess.Popen([sys.executable, str(SAMPLE), "serve", "--port", str(port), "--partner-code", code,
                                "--client-id", issued["client_id"], "--client-secret", issued["client_secret"],
                                "--base-url", server.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("listening on ")
    with server.app.app_context():
        from webview.partners.services import find_partner
        from webview.portal.accounts import find_user, set_password

        partner = find_partner(code)
        admin = find_user("admin@kitwallet.example")  # onboarding made the partner's admin account (to activate)
        set_password(admin, PASSWORD)
        db.session.commit()
        users = {"admin": admin.email,
                 "developer": make_user(partner, "developer", "dev@kitwallet.example").email,
                 "operator": make_user(None, "operator", "ops@merchant.example").email}
    yield server, {"code": code, "url": url, **issued}, users
    process.terminate()
    process.wait(timeout=10)
    worker.worker.stop.set()
    worker.join(timeout=10)


def test_theme_certification_golive_and_credentials_that_never_cross(world, browser, shots, make_app):
    server, partner, users = world
    base = f"{server.url}/portal/p/{partner['code']}"

    # ---- the developer sets a theme: a low-contrast colour is refused live, a good one is previewed and saved
    dev = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
    sign_in(dev, server.url, users["developer"])
    dev.goto(f"{base}/theme")
    dev.fill("[data-testid=token-button_color]", "#ffcc00")
    dev.fill("[data-testid=token-button_text_color]", "#ffffff")
    problems = dev.locator("[data-testid=theme-problems]")
    problems.wait_for(state="visible")
    assert "theme.button_text_color" in problems.inner_text()
    assert dev.locator("[data-testid=save-theme]").is_disabled()
    assert dev.locator("[data-pair='light:button_text_color/button_color']").get_attribute("data-passes") == "false"
    snap(dev, shots, "theme-low-contrast-refused")
    dev.fill("[data-testid=token-button_color]", "#7a1fa2")
    problems.wait_for(state="hidden")
    dev.wait_for_function("document.querySelector('[data-testid=preview-light]').src.indexOf('home/light') > 0")
    dark_frame = dev.frame_locator("[data-testid=preview-dark]")
    dark_frame.locator("body").wait_for()
    dev.click("[data-testid=preview-tab-held]")
    dev.frame_locator("[data-testid=preview-light]").locator("body").wait_for()
    dev.wait_for_timeout(800)
    snap(dev, shots, "theme-editor-preview")
    dev.click("[data-testid=save-theme]")
    dev.wait_for_selector(".pt-flash")
    with server.app.app_context():
        from webview.partners.services import find_partner

        assert find_partner(partner["code"]).theme["button_color"] == "#7a1fa2"

    # ---- the partner's own integration: a launch refused (wrong secret), then a correct one
    wrong = sample("launch", "--base-url", server.url, "--client-id", partner["client_id"], "--client-secret",
                   partner["client_secret"] + "x")
    assert wrong.returncode != 0
    right = sample("launch", "--base-url", server.url, "--client-id", partner["client_id"], "--client-secret",
                   partner["client_secret"])
    assert right.returncode == 0, right.stderr
    # ... its back end fetches the merchant's reconciliation file of a closed day
    day = (utcnow() + timedelta(hours=7) - timedelta(days=3)).date()
    assert cli(server, "recon", "generate", "--partner", partner["code"], "--date", f"{day:%Y%m%d}").exit_code == 0
    signer = HmacPartner(partner["partner_code"], partner["client_id"], partner["client_secret"], "", "")
    target = f"/api/v1/reconciliation?date={day:%Y%m%d}"
    assert requests.get(server.url + target, headers=signer.headers(target.encode()), timeout=10).status_code == 200

    # ---- the merchant-driven cases, started from the portal; the partner pays, repeats its IPN, its user returns
    dev.goto(f"{base}/certification")
    stop = threading.Event()
    payer = threading.Thread(target=partner_pays, args=(partner, server, stop), daemon=True)
    payer.start()
    dev.click("[data-testid=run-cases]")
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            with server.app.app_context():
                run = db.session.scalar(select(CaseRun).order_by(CaseRun.id.desc()))
                if run is not None and run.state in ("done", "failed"):
                    break
            time.sleep(0.5)
    finally:
        stop.set()
        payer.join(timeout=10)
    assert run.state == "done", run.error
    outcomes = {item["case_id"]: item["outcome"] for item in run.report["results"]}
    assert set(outcomes.values()) == {"passed"}, run.report
    dev.goto(f"{base}/certification")
    rows = dev.locator("[data-testid=checklist] tbody tr")
    statuses = {row.get_attribute("data-testid"): row.get_attribute("data-status") for row in rows.all()}
    assert set(statuses.values()) == {"green"}, statuses
    snap(dev, shots, "certification-green")
    dev.click("[data-testid=evidence-status]")
    dev.wait_for_selector("[data-testid=signed-string]")
    snap(dev, shots, "certification-evidence")

    # ---- the admin requests go-live with the production settings
    admin = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    sign_in(admin, server.url, users["admin"])
    admin.goto(f"{base}/golive")
    for field, value in {"create_transaction_url": "https://api.kitwallet.vn/txn",
                         "query_transaction_url": "https://api.kitwallet.vn/txn/query",
                         "refund_url": "https://api.kitwallet.vn/refund", "payment_url": "https://pay.kitwallet.vn/pay",
                         "return_hosts": "kitwallet.vn"}.items():
        admin.fill(f"#{field}", value)
    snap(admin, shots, "golive-request")
    admin.click("[data-testid=request-golive]")
    admin.wait_for_selector("[data-testid=golive-pending]")

    # ---- an operator reviews the evidence and approves
    ops = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
    sign_in(ops, server.url, users["operator"])
    ops.goto(f"{server.url}/portal/operator/golive")
    ops.click(f"[data-testid=review-{partner['code']}]")
    ops.wait_for_selector("[data-testid=review-checklist]")
    snap(ops, shots, "golive-operator-review")
    ops.click("[data-testid=approve-golive]")
    ops.wait_for_selector("[data-testid=golive-review][data-status=approved]")

    # ---- the admin sees the production secrets once
    admin.goto(f"{base}/golive")
    admin.click("[data-testid=reveal-production]")
    admin.wait_for_selector("[data-testid=reveal-once]")
    snap(admin, shots, "golive-production-secrets-once")
    live = HmacPartner(admin.inner_text("[data-testid=revealed-partner_code]"),
                       admin.inner_text("[data-testid=revealed-client_id]"),
                       admin.inner_text("[data-testid=revealed-client_secret]"), "", "")
    admin.goto(f"{base}/golive")
    assert live.client_secret not in admin.content()
    snap(admin, shots, "golive-live")

    # ---- the money pages of the sandbox partner: transactions, an order with its message log, refunds, reports
    admin.goto(f"{base}/transactions")
    admin.wait_for_selector("[data-testid=transactions]")
    snap(admin, shots, "transactions")
    admin.click("[data-testid=transaction-row] a >> nth=0")
    admin.wait_for_selector("[data-testid=order-messages]")
    snap(admin, shots, "transactions-detail")
    admin.fill("#amount", "1000")
    admin.fill("#reason", "Khách hàng khiếu nại")
    admin.click("[data-testid=request-refund]")
    admin.wait_for_selector("[data-testid=refund-request][data-status=requested]")
    ops.goto(f"{server.url}/portal/operator/refunds")
    snap(ops, shots, "refunds-operator")
    ops.click("[data-testid^=approve-refund-] >> nth=0")
    ops.wait_for_load_state()
    admin.goto(f"{base}/refunds")
    admin.wait_for_selector("[data-testid=refund-requests]")
    snap(admin, shots, "refunds")
    admin.goto(f"{base}/reports")
    admin.wait_for_selector("[data-testid=recon-files]")
    snap(admin, shots, "reports")

    # ---- production credentials work against a production deployment, the sandbox ones do not
    production = make_app()
    production.config["APP_ENV"] = "production"
    with production.app_context():
        client = production.test_client()
        assert live.post(client, "/api/v1/webview-url", LAUNCH).get_json()["code"] == 0
        refused = signer.post(client, "/api/v1/webview-url", LAUNCH)
        assert refused.status_code == 401 and refused.get_json()["code"] == 7
    # ... and the reverse: on the sandbox deployment the sandbox ones work, and neither signs for the other's id
    assert sample("launch", "--base-url", server.url, "--client-id", partner["client_id"], "--client-secret",
                  partner["client_secret"]).returncode == 0
    for client_id, secret in ((live.client_id, partner["client_secret"]), (partner["client_id"], live.client_secret)):
        crossed = sample("launch", "--base-url", server.url, "--client-id", client_id, "--client-secret", secret)
        assert crossed.returncode != 0
