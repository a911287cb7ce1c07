"""Onboarding: `flask partners create` (or an operator) emails the administrator a single-use activation link; the
administrator sets a password and invites colleagues; expired and used links say so and offer a new one."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.portal.conftest import PASSWORD, csrf_token, make_partner, make_user, post_form, sign_in
from webview.db import utcnow
from webview.emails import SentEmail
from webview.extensions import db
from webview.jobs.services import run_once
from webview.portal.models import AuditEvent, PortalToken, PortalUser

LINK = re.compile(r"http://127\.0\.0\.1:5000(/portal/(?:activate|reset)\?token=[A-Za-z0-9_-]+)")
CREATE = ["partners", "create", "--code", "kiwi-pay", "--name", "Kiwi Pay", "--admin-name", "Lan Nguyen",
          "--admin-email", "lan@kiwi.example", "--create-transaction-url", "http://127.0.0.1:9/txn",
          "--query-transaction-url", "http://127.0.0.1:9/q", "--refund-url", "http://127.0.0.1:9/r",
          "--payment-url", "http://127.0.0.1:9/pay"]


def mail_to(address: str) -> SentEmail:
    """Deliver queued jobs, then the newest email to `address`."""
    run_once()
    return db.session.scalars(select(SentEmail).where(SentEmail.to == address).order_by(SentEmail.id.desc())).first()


def link_in(mail: SentEmail) -> str:
    return LINK.search(mail.text).group(1)


def set_password(client, link: str, password: str = PASSWORD):
    return client.post(link.split("?")[0], data={"token": link.split("token=")[1], "password": password,
                                                 "confirm": password, "csrf_token": csrf_token(client, link)})


def test_cli_create_emails_the_activation_link_and_the_admin_signs_up(app, runner):
    result = runner.invoke(args=[*CREATE, "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert "activation link emailed to lan@kiwi.example" in result.output
    mail = mail_to("lan@kiwi.example")
    assert mail.kind == "portal_activation" and "Kiwi Pay" in mail.subject
    assert "72" in mail.text and mail.html.count(link_in(mail)) == 2  # the button and the visible text
    client = app.test_client()
    link = link_in(mail)
    assert client.get(link).status_code == 200
    done = set_password(client, link)
    assert done.status_code == 302 and done.location.endswith("/portal/p/kiwi-pay/")
    assert client.get("/portal/p/kiwi-pay/").status_code == 200
    # the link is spent
    again = app.test_client().get(link)
    assert again.status_code == 410 and b'data-testid="link-used"' in again.data
    user = db.session.scalar(select(PortalUser).where(PortalUser.email == "lan@kiwi.example"))
    assert user.role == "admin" and user.partner.code == "kiwi-pay" and user.password_hash.startswith("scrypt:")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"portal.activation_sent", "portal.password_set"} <= actions


def test_cli_create_json_stays_exactly_the_credentials(app, runner):
    import json

    result = runner.invoke(args=[*CREATE, "--json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert set(json.loads(result.stdout)) == {"partner_code", "client_id", "client_secret", "api_key",
                                              "access_code", "merchant_public_key_pem"}
    assert mail_to("lan@kiwi.example") is not None


def test_no_activation_email_flag(app, runner):
    assert runner.invoke(args=[*CREATE, "--no-activation-email"]).exit_code == 0
    assert mail_to("lan@kiwi.example") is None
    sent = runner.invoke(args=["portal", "send-activation", "kiwi-pay", "--locale", "vi"])
    assert sent.exit_code == 0, sent.output
    mail = mail_to("lan@kiwi.example")
    assert mail.locale == "vi" and "Kích hoạt" in mail.subject


def test_expired_link_offers_a_new_one_through_an_operator(app, runner):
    runner.invoke(args=[*CREATE, "--no-activation-email"])
    runner.invoke(args=["portal", "send-activation", "kiwi-pay"])
    link = link_in(mail_to("lan@kiwi.example"))
    token = db.session.scalars(select(PortalToken)).one()
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 410 and b'data-testid="link-expired"' in page.data
    refused = set_password(client, link)
    assert refused.status_code == 410
    asked = client.post("/portal/activate/renew", data={"token": link.split("token=")[1],
                                                        "csrf_token": csrf_token(client, link)})
    assert asked.status_code == 200 and b"renewal-requested" in asked.data
    operator = make_user(None, "operator", "ops@merchant.example")
    ops = app.test_client()
    sign_in(ops, operator.email)
    listing = ops.get("/portal/operator/partners")
    assert b"link-renewals" in listing.data and b"lan@kiwi.example" in listing.data
    post_form(ops, "/portal/operator/partners", f"/portal/operator/links/{token.id}/renew")
    fresh = link_in(mail_to("lan@kiwi.example"))
    assert fresh != link and set_password(app.test_client(), fresh).status_code == 302
    assert b"link-renewals" not in ops.get("/portal/operator/partners").data


def test_admin_invites_a_developer_who_activates(app):
    partner = make_partner()
    admin = make_user(partner, "admin")
    client = app.test_client()
    sign_in(client, admin.email)
    response = post_form(client, f"/portal/p/{partner.code}/team", f"/portal/p/{partner.code}/team/invite",
                         {"name": "Minh Dev", "email": "minh@wallet-a.example", "role": "developer"})
    assert response.status_code == 302
    mail = mail_to("minh@wallet-a.example")
    assert mail.kind == "portal_invite" and admin.name in mail.text
    dev_client = app.test_client()
    assert set_password(dev_client, link_in(mail)).status_code == 302
    dev = db.session.scalar(select(PortalUser).where(PortalUser.email == "minh@wallet-a.example"))
    assert dev.role == "developer" and dev.partner_id == partner.id
    # developers cannot manage the team
    assert dev_client.get(f"/portal/p/{partner.code}/team").status_code == 403


def test_weak_or_mismatched_passwords_are_refused(app):
    partner = make_partner()
    admin = make_user(partner, "admin")
    client = app.test_client()
    sign_in(client, admin.email)
    post_form(client, f"/portal/p/{partner.code}/team", f"/portal/p/{partner.code}/team/invite",
              {"name": "Minh", "email": "minh@wallet-a.example", "role": "finance"})
    link = link_in(mail_to("minh@wallet-a.example"))
    other = app.test_client()
    assert set_password(other, link, "short").status_code in (200, 400)
    assert set_password(other, link, "aaaaaaaaaaaaaaaa").status_code == 400
    mismatch = other.post("/portal/activate", data={"token": link.split("token=")[1], "password": PASSWORD,
                                                    "confirm": PASSWORD + "x", "csrf_token": csrf_token(other, link)})
    assert mismatch.status_code == 400
    assert set_password(other, link).status_code == 302  # the link still works after refusals


def test_password_reset(app):
    user = make_user(make_partner(), "developer")
    client = app.test_client()
    asked = post_form(client, "/portal/forgot", "/portal/forgot", {"email": user.email})
    assert b"reset-sent" in asked.data
    unknown = post_form(client, "/portal/forgot", "/portal/forgot", {"email": "nobody@nowhere.example"})
    assert unknown.data.replace(b"nobody@nowhere.example", b"") .count(b"reset-sent") == 1  # the same answer
    browser = app.test_client()
    sign_in(browser, user.email)
    link = link_in(mail_to(user.email))
    assert set_password(client, link, "a brand new passphrase").status_code == 302
    assert browser.get(f"/portal/p/{user.partner.code}/").status_code == 302  # the reset ended other sessions
    assert sign_in(app.test_client(), user.email).status_code == 401
    assert sign_in(app.test_client(), user.email, "a brand new passphrase").status_code == 302


def test_operator_onboards_a_partner_in_the_portal(app):
    operator = make_user(None, "operator", "ops@merchant.example")
    client = app.test_client()
    sign_in(client, operator.email)
    base = "http://127.0.0.1:9"
    response = post_form(client, "/portal/operator/partners/new", "/portal/operator/partners/new", {
        "code": "mango", "name": "Mango Wallet", "profile": "hmac", "handoff": "redirect",
        "admin_name": "Hoa", "admin_email": "hoa@mango.example", "payment_url": f"{base}/pay",
        "create_transaction_url": f"{base}/t", "query_transaction_url": f"{base}/q", "refund_url": f"{base}/r",
        "locale": "vi", "confirm": "y"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = re.search(r'data-testid="revealed-client_secret">([^<]+)<', page).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    assert mail_to("hoa@mango.example").kind == "portal_activation"
    # never again: not on the partner's pages, not in the audit log, not in the email
    for url in ("/portal/operator/partners/mango", "/portal/p/mango/credentials", "/portal/operator/audit"):
        assert secret not in client.get(url).get_data(as_text=True)
    assert all(secret not in mail.text + mail.html for mail in db.session.scalars(select(SentEmail)))
    bad = post_form(client, "/portal/operator/partners/new", "/portal/operator/partners/new", {
        "code": "mango", "name": "Again", "profile": "hmac", "handoff": "redirect", "admin_name": "X",
        "admin_email": "x@mango.example", "locale": "vi"})
    assert bad.status_code == 400 and b"already taken" in bad.data
