"""docs/partners/ is the partner's whole source of truth: every page exists, links resolve, nothing points at a
file a partner cannot read, the example requests are the real ones (the merchant's own gateway produces exactly
the published create / query / refund requests, and every signature shown is a checked vector), and the numbers
the guide publishes (timeouts, retries, schedules) are the ones the code runs with."""

from __future__ import annotations

import inspect
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from webview.config import SETTINGS
from webview.jobs.services import enqueue
from webview.partners.services import PartnerSpec, create_partner
from webview.payments.gateway import HmacGateway, TransactionRequest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "partners"
PAGES = ("README.md", "hmac.md", "envelope.md", "handoff.md", "payment-status.md", "refunds.md", "theming.md",
         "sandbox.md", "errors.md", "changelog.md", "vectors.md")
VECTORS = json.loads((DOCS / "vectors.json").read_text(encoding="utf-8"))
# what a partner cannot see: our design notes, and source files presented as the specification
HIDDEN = re.compile(r"DESIGN|seeds/|\b(?:webview|sandbox|tests)/[\w/]*\.py\b|\bgateway\.py\b|\bconfig\.py\b")


def text(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


def vector(name: str) -> dict:
    return next(item for item in VECTORS["hmac"]["requests"] if item["name"] == name)


@pytest.mark.parametrize("page", PAGES)
def test_page_exists_and_refers_only_to_what_a_partner_can_read(page):
    content = text(page)
    assert content.startswith("# ")
    assert not HIDDEN.search(content), HIDDEN.search(content).group(0)
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", content):
        if not target.startswith(("http://", "https://")):
            assert (DOCS / target).resolve().exists(), f"{page}: broken link {target}"


def test_the_samples_readme_refers_only_to_what_a_partner_can_read():
    content = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    assert not HIDDEN.search(content), HIDDEN.search(content).group(0)
    for sample in ("partner.py", "java/Partner.java", "node/partner.mjs"):
        assert f"`{sample}`" in content and (ROOT / "examples" / sample).exists()


def test_readme_links_every_page_and_the_root_readme_links_the_guide():
    index = text("README.md")
    for page in PAGES[1:]:
        assert f"({page})" in index, page
    root = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/partners/README.md" in root and "DESIGN.md" not in root


def test_every_signature_shown_is_a_checked_vector():
    published = {item["signature"] for item in VECTORS["hmac"]["requests"]} | \
        {link["sig"] for link in VECTORS["hmac"]["result_links"]}
    for page in PAGES:
        for shown in re.findall(r"X-Signature: ([0-9a-f]{64})", text(page)):
            assert shown in published, f"{page}: signature {shown} is not in vectors.json"
    for name in ("webview-url", "ipn", "create-transaction", "refund"):
        body = vector(name)["body"]
        assert any(body in text(page) for page in PAGES), f"the {name} body of vectors.json is not in the guide"


class Recorder:
    """Stands in for the network: records the merchant's outbound calls and answers as a partner would."""

    def __init__(self, answers: list[dict]) -> None:
        self.answers, self.calls = answers, []

    def request(self, method, url, data=None, headers=None, timeout=None, allow_redirects=None):
        self.calls.append({"method": method, "url": url, "body": data, "headers": headers, "timeout": timeout})
        response = requests.Response()
        response.status_code, response._content = 200, json.dumps(self.answers.pop(0)).encode()
        return response


def test_the_published_requests_are_what_the_merchant_sends(make_app):
    app = make_app(PUBLIC_BASE_URL="https://merchant.example")
    with app.app_context():
        partner, _ = create_partner(PartnerSpec(
            code="mywallet", name="My Wallet", admin_name="A", admin_email="ops@mywallet.vn",
            admin_phone="0912345678", create_transaction_url="https://pay.mywallet.vn/txn",
            query_transaction_url="https://pay.mywallet.vn/txn/query", refund_url="https://pay.mywallet.vn/refund",
            payment_url="https://pay.mywallet.vn/pay"))
        network = Recorder([
            {"code": 0, "message": "success", "data": {"transaction_id": "MW-20261122-000123",
                                                         "payment_url": "https://pay.mywallet.vn/pay/1"}},
            {"code": 0, "message": "success", "data": {"transaction_id": "MW-20261122-000123",
                                                         "status": "SUCCESS", "amount": 990000}},
            {"code": 0, "message": "success"},
        ])
        gateway = HmacGateway(partner, http=network, sleep=lambda seconds: None)
        created = gateway.create_transaction(TransactionRequest(
            "261122-7QK4M2XD", 990000, "VIP 12 tháng", datetime.fromtimestamp(1795332900, UTC), "user-42", "vip"))
        queried = gateway.query_transaction("261122-7QK4M2XD")
        refunded = gateway.refund(reference="261122-7QK4M2XD", transaction_id="MW-20261122-000123", amount=500000,
                                  reason="customer request", request_id="RF-3F9A0C2E7B1D4A65")
    create, query, refund = network.calls
    assert create["body"].decode() == vector("create-transaction")["body"]
    assert query["url"] == "https://pay.mywallet.vn" + vector("query-transaction")["target"] and query["body"] is None
    assert refund["body"].decode() == vector("refund")["body"]
    assert json.loads(create["body"])["amount"] == 990000 and "transaction_amount" not in json.loads(create["body"])
    assert json.loads(refund["body"])["transaction_amount"] == 500000 and "amount" not in json.loads(refund["body"])
    for call in network.calls:
        assert {"X-Client-Id", "X-Timestamp", "X-Signature"} <= set(call["headers"])
    assert created.transaction_id == queried.transaction_id == "MW-20261122-000123"
    assert queried.amount == 990000 and str(refunded.state).endswith("SUCCESS")


def test_the_published_numbers_are_the_code_defaults():
    defaults = {setting.name: setting.default for setting in SETTINGS}

    def number(value) -> str:
        return f"{value:g}"
    connect, read = number(defaults["PARTNER_CONNECT_TIMEOUT"]), number(defaults["PARTNER_READ_TIMEOUT"])
    retries, backoff = defaults["PARTNER_RETRIES"], defaults["PARTNER_BACKOFF_SECONDS"]
    for page in ("handoff.md", "payment-status.md", "refunds.md", "errors.md"):
        assert f"{connect} s" in text(page) and f"{read} s" in text(page), page
    assert f"up to {retries} more tries" in text("handoff.md")
    assert f"{number(backoff)} s, then {number(backoff * 2)} s" in text("handoff.md")
    tries = inspect.signature(enqueue).parameters["max_attempts"].default
    jobs = text("refunds.md")
    assert f"up to {tries} tries in all" in jobs
    assert f"min({number(defaults['JOBS_BACKOFF_CAP_SECONDS'])} s, {number(defaults['JOBS_BACKOFF_BASE_SECONDS'])} s" \
        in jobs
    assert f"{number(defaults['RESULT_SYNC_TIMEOUT_SECONDS'])} s in all" in text("payment-status.md")
    assert f"once every {number(defaults['PAYMENT_SYNC_MIN_INTERVAL_SECONDS'])} s" in text("payment-status.md")
