"""Go-live: the admin's request needs a green checklist and production-valid settings; an operator approves
(`flask partners promote CODE`), which creates and activates the production twin under the production rules; the
admin sees its secrets once; the production credentials work on a production deployment and the sandbox ones do
not, and neither works with the other's client_id; the notice email carries no secret."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from tests.payments.factories import SignedPartner, hmac_partner
from tests.payments.stub_partner import StubPartner
from tests.portal.certify import LAUNCH, certify
from webview.emails.models import SentEmail
from webview.extensions import db
from webview.jobs import run_once
from webview.partners.models import Partner
from webview.portal import golive  # noqa: F401  (`flask partners promote`, also registered by the portal)
from webview.portal.promotion import (
    APPROVED,
    GoLiveError,
    GoLiveRequest,
    approve_request,
    default_production_code,
    production_partner_of,
    reject_request,
    request_go_live,
    reveal_production_credentials,
)

PRODUCTION = {"create_transaction_url": "https://api.wallet.vn/txn", "query_transaction_url": "https://api.wallet.vn/q",
              "refund_url": "https://api.wallet.vn/refund", "payment_url": "https://pay.wallet.vn/checkout",
              "return_hosts": ["wallet.vn"]}


@pytest.fixture
def stub():
    server = StubPartner()
    yield server
    server.stop()


@pytest.fixture
def wallet(app, stub) -> SignedPartner:
    app.config.update(PARTNER_CONNECT_TIMEOUT=1.0, PARTNER_READ_TIMEOUT=2.0, PARTNER_RETRIES=1,
                      PARTNER_BACKOFF_SECONDS=0.0)
    return hmac_partner(stub.url, code="own-wallet")


@pytest.fixture
def certified(client, wallet, stub) -> SignedPartner:
    certify(client, wallet, stub)
    return wallet


def launch(client, signer: SignedPartner):
    return signer.post(client, "/api/v1/webview-url", LAUNCH)


def test_production_code_is_derived_from_the_sandbox_one():
    assert default_production_code("own-wallet") == "own-wallet-live"
    assert default_production_code("wallet-sandbox") == "wallet"
    assert len(default_production_code("a" * 39)) <= 39


def test_go_live_needs_every_required_item_green(wallet):
    with pytest.raises(GoLiveError, match="not green yet: launch"):
        request_go_live(wallet.partner, requested_by="admin@wallet.example", settings=PRODUCTION)
    assert db.session.scalar(select(GoLiveRequest)) is None


def test_sandbox_urls_are_refused_with_the_production_reason(certified):
    with pytest.raises(GoLiveError, match=r"production rules: .*must use https for a production partner"):
        request_go_live(certified.partner, requested_by="admin@wallet.example")  # the loopback http URLs
    with pytest.raises(GoLiveError, match="public internet host"):
        request_go_live(certified.partner, requested_by="admin@wallet.example",
                        settings={**PRODUCTION, "refund_url": "https://10.0.0.8/refund"})


def test_a_1024_bit_key_is_refused_for_production(certified):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_bytes(  # noqa: S505
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(GoLiveError, match="1024 bits is refused in production"):
        request_go_live(certified.partner, requested_by="admin@wallet.example",
                        settings={**PRODUCTION, "public_key": weak})


def test_promote_to_production_and_credentials_never_cross(app, client, runner, certified):
    request = request_go_live(certified.partner, requested_by="admin@wallet.example", settings=PRODUCTION)
    db.session.commit()
    with pytest.raises(GoLiveError, match="already open"):
        request_go_live(certified.partner, requested_by="admin@wallet.example", settings=PRODUCTION)
    db.session.rollback()

    result = runner.invoke(args=["partners", "promote", "own-wallet"])
    assert result.exit_code == 0, result.output
    production = production_partner_of(certified.partner)
    assert production is not None and production.code == "own-wallet-live"
    assert production.environment == "production" and production.status == "active"
    assert production.create_transaction_url == PRODUCTION["create_transaction_url"]
    assert production.client_id != certified.client_id and production.access_code != certified.partner.access_code
    assert production.client_id in result.output and "secret" not in result.output.replace("secrets", "")

    again = runner.invoke(args=["partners", "promote", "own-wallet"])
    assert again.exit_code == 2 and "no pending go-live request" in again.output

    db.session.refresh(request)
    assert request.status == APPROVED and request.awaits_reveal
    shown = reveal_production_credentials(request, revealed_by="admin@wallet.example")
    db.session.commit()
    with pytest.raises(GoLiveError, match="already shown once"):
        reveal_production_credentials(request, revealed_by="admin@wallet.example")
    issued = shown.issued
    assert issued.client_id == production.client_id and issued.partner_code == "own-wallet-live"
    live = SignedPartner(production, issued.partner_code, issued.client_id, issued.client_secret)

    # a production deployment serves the production partner only
    app.config["APP_ENV"] = "production"
    assert launch(client, live).get_json()["code"] == 0
    refused = launch(client, certified)
    assert refused.status_code == 401 and refused.get_json()["code"] == 7
    # ... and on the sandbox deployment the sandbox credentials work
    app.config["APP_ENV"] = "development"
    assert launch(client, certified).get_json()["code"] == 0
    # the credentials never cross: one environment's secret never signs for the other's client_id
    for crossed in (dataclasses.replace(live, secret=certified.secret),
                    dataclasses.replace(certified, secret=live.secret)):
        answer = launch(client, crossed)
        assert answer.status_code == 401 and answer.get_json()["code"] == 7

    # the notice: no secret in any email
    run_once()
    notices = list(db.session.scalars(select(SentEmail).where(SentEmail.kind == "golive_approved")))
    assert [notice.to for notice in notices] == ["ops@example.com"]
    for notice in notices:
        assert "own-wallet-live" in notice.text
        for secret in (issued.client_secret, issued.api_key, certified.secret):
            assert secret not in notice.text and secret not in notice.html


def test_reject_says_why_and_allows_a_new_request(certified):
    request = request_go_live(certified.partner, requested_by="admin@wallet.example", settings=PRODUCTION)
    with pytest.raises(GoLiveError, match="say why"):
        reject_request(request, decided_by="op@merchant.example", reason="  ")
    reject_request(request, decided_by="op@merchant.example", reason="Support phone missing")
    db.session.commit()
    with pytest.raises(GoLiveError, match="only a pending request"):
        approve_request(request, decided_by="op@merchant.example")
    assert production_partner_of(certified.partner) is None
    assert request_go_live(certified.partner, requested_by="admin@wallet.example", settings=PRODUCTION).id


def test_approval_rechecks_the_code_is_free(certified):
    request = request_go_live(certified.partner, requested_by="admin@wallet.example", settings=PRODUCTION)
    db.session.commit()
    hmac_partner("http://127.0.0.1:9/p", code="own-wallet-live")  # someone took the code meanwhile
    with pytest.raises(GoLiveError, match="already taken"):
        approve_request(request, decided_by="op@merchant.example")
    db.session.rollback()
    assert db.session.scalar(select(Partner).where(Partner.environment == "production")) is None


def test_promote_cli_refuses_unknown_and_production_partners(runner, certified):
    assert "no partner with code" in runner.invoke(args=["partners", "promote", "nobody"]).output


# ---------------------------------------------------------------- the pages


def test_the_portal_flow_request_approve_reveal_once(app, client, certified, caplog):
    from tests.portal.conftest import csrf_token, make_partner, make_user, post_form, sign_in
    from webview.portal.models import AuditEvent

    admin = make_user(certified.partner, "admin", "admin@own-wallet.example")
    developer = make_user(certified.partner, "developer", "dev@own-wallet.example")
    operator = make_user(None, "operator", "ops@merchant.example")
    other = make_partner("wallet-b")
    stranger = make_user(other, "admin", "admin@wallet-b.example")
    base = "/portal/p/own-wallet"
    data = {**PRODUCTION, "return_hosts": "wallet.vn", "production_code": "own-wallet-live"}

    browser, dev_browser, op_browser, b_browser = (app.test_client() for _ in range(4))
    assert sign_in(browser, admin.email).status_code == 302
    page = browser.get(f"{base}/certification").get_data(as_text=True)
    assert page.count('data-status="green"') >= 11 and "/messages/" in page
    evidence = evaluate_checklist_ids(certified.partner)
    assert browser.get(f"{base}/messages/{evidence[0]}").status_code == 200

    # another partner's admin sees none of it; a developer may not request go-live
    assert sign_in(b_browser, stranger.email).status_code == 302
    for url in (f"{base}/certification", f"{base}/golive", f"{base}/messages/{evidence[0]}"):
        assert b_browser.get(url).status_code == 404, url
    assert sign_in(dev_browser, developer.email).status_code == 302
    assert post_form(dev_browser, f"{base}/golive", f"{base}/golive", data).status_code == 403

    refused = post_form(browser, f"{base}/golive", f"{base}/golive",
                        {**data, "refund_url": "http://api.wallet.vn/refund"})
    assert refused.status_code == 422 and "must use https" in refused.get_data(as_text=True)
    assert post_form(browser, f"{base}/golive", f"{base}/golive", data).status_code == 302
    row = db.session.scalar(select(GoLiveRequest))
    assert row.status == "requested" and row.checklist["required_green"]

    assert sign_in(op_browser, operator.email).status_code == 302
    assert b_browser.get(f"/portal/operator/golive/{row.id}").status_code == 403
    review = op_browser.get(f"/portal/operator/golive/{row.id}").get_data(as_text=True)
    assert "own-wallet-live" in review and "approve-golive" in review
    approved = op_browser.post(f"/portal/operator/golive/{row.id}/approve",
                               data={"csrf_token": csrf_token(op_browser, f"/portal/operator/golive/{row.id}")})
    assert approved.status_code == 302
    production = production_partner_of(certified.partner)
    assert production.status == "active"

    golive_page = browser.get(f"{base}/golive").get_data(as_text=True)
    assert "reveal-production" in golive_page and production.client_id in golive_page
    assert "reveal-production" not in dev_browser.get(f"{base}/golive").get_data(as_text=True)
    reveal = post_form(browser, f"{base}/golive", f"{base}/golive/reveal")
    assert reveal.status_code == 200 and reveal.headers["Cache-Control"] == "no-store"
    shown = reveal.get_data(as_text=True)
    secret = re.search(r'data-testid="revealed-client_secret">([^<]+)<', shown).group(1)
    api_key = re.search(r'data-testid="revealed-api_key">([^<]+)<', shown).group(1)
    again = post_form(browser, f"{base}/golive", f"{base}/golive/reveal")
    assert again.status_code == 302
    assert "already shown once" in browser.get(f"{base}/golive").get_data(as_text=True)

    # the revealed credentials work in production; they are nowhere else: pages, audit, emails, logs
    app.config["APP_ENV"] = "production"
    live = SignedPartner(production, production.code, production.client_id, secret)
    assert launch(client, live).get_json()["code"] == 0
    app.config["APP_ENV"] = "development"
    for url in (f"{base}/golive", f"{base}/certification", f"/portal/operator/golive/{row.id}"):
        for who in (browser, op_browser):
            text = who.get(url).get_data(as_text=True)
            assert secret not in text and api_key not in text
    audit_text = json.dumps([event.detail for event in db.session.scalars(select(AuditEvent))])
    assert secret not in audit_text and api_key not in audit_text and "golive.approved" in json.dumps(
        [event.action for event in db.session.scalars(select(AuditEvent))])
    run_once()
    for email in db.session.scalars(select(SentEmail)):
        assert secret not in email.text + email.html and api_key not in email.text + email.html
    assert secret not in caplog.text and api_key not in caplog.text


def evaluate_checklist_ids(partner) -> list[int]:
    from webview.portal.certification import evaluate_checklist

    return [item.evidence_message_id for item in evaluate_checklist(partner).items if item.evidence_message_id]


def test_operator_rejects_with_a_reason_the_admin_reads(app, certified):
    from tests.portal.conftest import csrf_token, make_user, post_form, sign_in

    admin = make_user(certified.partner, "admin", "admin@own-wallet.example")
    operator = make_user(None, "operator", "ops@merchant.example")
    browser, op_browser = app.test_client(), app.test_client()
    sign_in(browser, admin.email)
    sign_in(op_browser, operator.email)
    base = "/portal/p/own-wallet"
    post_form(browser, f"{base}/golive", f"{base}/golive",
              {**PRODUCTION, "return_hosts": "wallet.vn", "production_code": "own-wallet-live"})
    row = db.session.scalar(select(GoLiveRequest))
    op_browser.post(f"/portal/operator/golive/{row.id}/reject", data={
        "reason": "Add a support phone", "csrf_token": csrf_token(op_browser, f"/portal/operator/golive/{row.id}")})
    db.session.expire_all()
    assert db.session.get(GoLiveRequest, row.id).status == "rejected"
    assert "Add a support phone" in browser.get(f"{base}/golive").get_data(as_text=True)
    run_once()
    notice = db.session.scalar(select(SentEmail).where(SentEmail.kind == "golive_rejected"))
    assert notice is not None and "Add a support phone" in notice.text
