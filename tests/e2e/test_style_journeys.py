"""A sandbox partner in every integration style, in a browser: the journey and the fault matrix per preset.

The demo redirect partner is switched, preset by preset, to a style through the sandbox operator's control (the
merchant stores the style, the sandbox partner speaks it from its own protocol code). For each preset, and for a
wallet invented for the test (written only as data: form body, HMAC-SHA512 in a header, answers {"ok": true}):

* the journey: launch → hold a VIP plan → handoff (redirect: the create call in the style, or the style's signed
  redirect for vnpay-like) → the sandbox wallet's page, PIN, pay → the styled IPN, accepted → issued → the result
  screen shows the ticket;
* the fault matrix (presets): a badly signed IPN is refused as auth_failed and a wrong amount as wrong_amount, and
  the merchant's query in the style recovers the payment; duplicates are answered as success and pay once;
  FAILURE then SUCCESS ends paid (refused for zalopay-like, whose callback means SUCCESS); a lost IPN is recovered
  by the query.

Screenshots in test-artifacts/styles/. Runs on SQLite, and on PostgreSQL when DATABASE_URL points there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, expect

from sandbox.operator.styles import set_sandbox_style
from sandbox.protocol import styles
from tests.e2e.test_fault_matrix import (
    FaultJourney,
    approve,
    expect_paid_and_issued_once,
    mails,
    messages,
    open_result,
)
from tests.e2e.test_pay_journeys import Journey, new_page
from tests.live import LiveServer
from tests.sandbox.test_styles_cases import acme_wallet
from tests.sandbox.test_styles_protocol import preset

pytestmark = pytest.mark.e2e

PARTNER = "demo-redirect"
PRESETS = ("standard", "momo-like", "zalopay-like", "vnpay-like")
SENT = "sandbox-outbound"
FAULTS = {"bad_signature": {"bad_signature": True}, "wrong_amount": {"wrong_amount": True},
          "duplicate": {"duplicate": 2}, "reorder": {"reorder": True}, "lost": {"drop": True}}
JOURNEYS = [*PRESETS, "acme-pay"]
# after a vnpay-like redirect create the return link names our order number (the wallet's stand-in id) even once
# the merchant's query learnt the wallet's own id: a reload in the session that made the order still finds it
MATRIX = [pytest.param(style, fault, id=f"{style}-{fault}") for style in PRESETS for fault in FAULTS]


@pytest.fixture(scope="module")
def shots(artifacts_dir) -> Path:
    path = artifacts_dir / "styles"
    path.mkdir(parents=True, exist_ok=True)
    return path


def document_of(style: str) -> dict:
    return acme_wallet() if style == "acme-pay" else preset(style)


def speak(site: LiveServer, style: str) -> dict:
    """Switch the demo partner to the style (a no-op when it speaks it already); returns the document."""
    document = document_of(style)
    with site.app.app_context():
        from sandbox.partner.styled import spoken_style

        current = spoken_style(PARTNER)
        if current is None or current.document != document:
            set_sandbox_style(PARTNER, json.dumps(document) if style == "acme-pay" else style)
    return document


def sent_ipns(site: LiveServer, reference: str) -> list[dict]:
    """The status-in calls the sandbox partner sent for the order (its own log), oldest first."""
    return [row for row in messages(site, reference, "ipn", SENT) if row["status_code"] is not None]


def outcome_of(document: dict, row: dict) -> styles.AnswerReading:
    """What the merchant's answer to one logged IPN means, read against the style's answers table."""
    return styles.read_answer(document, row["status_code"], (row["response_body"] or "").encode())


def expect_queried(site: LiveServer, reference: str) -> None:
    """The merchant asked the wallet in the style (the payment was recovered by query, not by an IPN)."""
    queries = messages(site, reference, "query-transaction")
    assert queries, "no query to the wallet was logged"


@pytest.mark.parametrize("style", JOURNEYS)
def test_journey_in_style(browser: Browser, site: LiveServer, shots: Path, style: str):
    document = speak(site, style)
    context, page = new_page(browser)
    journey = Journey(site, page, shots, f"journey-{style}")
    try:
        journey.launch(PARTNER, f"e2e-style-{style}")
        reference = journey.hold()
        page.get_by_test_id("pay-button").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/SBX"))  # vnpay-like: through its signed redirect first
        expect(page.get_by_test_id("sandbox-order")).to_have_text(reference)
        expect(page.get_by_test_id("sandbox-partner-style")).to_have_attribute("data-style", document["name"])
        journey.approve_on_wallet_page()
        page.wait_for_url(re.compile(r"/w/"))
        journey.expect_issued(reference)
        [ipn] = sent_ipns(site, reference)
        assert ipn["verdict"].startswith(document["name"])
        assert outcome_of(document, ipn) == styles.AnswerReading("ok", 0)
        if document["status_in"]["transport"] == "query":
            assert ipn["method"] == "GET" and "vnp_SecureHash=" in ipn["url"]
        elif document["status_in"]["transport"] == "form":
            assert f"order={reference}" in ipn["canonical"] and "&state=paid&" in ipn["canonical"]
        verdicts = [row["verdict"] for row in messages(site, reference, "create")
                    + messages(site, reference, "create-transaction")]
        assert f"{document['name']}: signature ok" in " ".join(verdicts), verdicts  # the sandbox verified it
        assert len(mails(site, reference, "issued")) == 1
    finally:
        context.close()


@pytest.mark.parametrize(("style", "fault"), MATRIX)
def test_fault_in_style(browser: Browser, site: LiveServer, shots: Path, style: str, fault: str):
    document = speak(site, style)
    context, page = new_page(browser)
    journey = FaultJourney(site, page, shots, f"fault-{style}-{fault}")
    try:
        journey.launch(PARTNER, f"e2e-sfault-{style}-{fault}".replace("_", "-"))
        reference = journey.hold()
        page.get_by_test_id("pay-button").click()
        page.wait_for_url(re.compile(r"/sandbox/pay/SBX"))
        if fault == "reorder" and not styles.can_report(document["status_in"], "FAILURE"):
            transaction = page.url.rsplit("/", 1)[-1]
            refused = requests.post(f"{site.url}/sandbox/api/transactions/{transaction}/approve",
                                    json={"faults": FAULTS[fault]}, timeout=30)
            assert refused.status_code == 400 and "reports SUCCESS only" in refused.text
            return
        approved = approve(site, reference, FAULTS[fault])
        open_result(journey, site, reference, approved)
        readings = [(sent["outcome"], sent["code"]) for sent in approved["ipn"]]
        if fault == "lost":
            assert approved["ipn"] == [] and sent_ipns(site, reference) == []
        elif fault == "bad_signature":
            assert readings == [("auth_failed", 7)]
        elif fault == "wrong_amount":
            [(outcome, code)] = readings
            assert code == 5 or (code is None and "wrong_amount" in outcome.split("|"))
        elif fault == "duplicate":
            assert [code for _, code in readings] == [0, 0, 0]
        elif fault == "reorder":
            assert [code for _, code in readings] == [0, 0]
        expect_paid_and_issued_once(journey, site, reference)
        if fault in {"lost", "bad_signature", "wrong_amount"}:
            expect_queried(site, reference)
    finally:
        context.close()
