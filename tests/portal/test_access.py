"""Every portal URL authorises by role and by partner: a user of partner A gets 403/404 on partner B's objects
(IDOR), a role gets 403 on pages it may not open, every POST needs its CSRF token, and secrets shown once never
appear again (pages, audit log, emails, logs)."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from tests.portal.conftest import csrf_token, sign_in
from webview.emails import SentEmail
from webview.extensions import db
from webview.jobs.services import run_once
from webview.portal.accounts import issue_token
from webview.portal.models import AuditEvent, PortalSession, PortalUser

PUBLIC = {"portal.index", "portal.sign_in", "portal.sign_in_code", "portal.activate", "portal.reset",
          "portal.request_new_link", "portal.forgot", "portal.set_language", "portal.static"}
OWN_ACCOUNT = {"portal.account", "portal.change_password", "portal.end_all_sessions", "portal.totp_setup",
               "portal.totp_off", "portal.sign_out", "portal.end_one_session"}


def portal_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("portal.") and rule.endpoint not in PUBLIC]


def fill(rule, code: str, ids: dict[str, int]) -> str:
    """The rule's URL with `code` and the ids of the object owner's rows (unknown ids: the first row, 1)."""
    values = {}
    for name in rule.arguments:
        if name == "code":
            values[name] = code
        elif getattr(rule._converters.get(name), "items", None):  # any(...): its first value
            values[name] = sorted(rule._converters[name].items)[0]
        elif name == "fmt":
            values[name] = "pem"
        elif name == "locale":
            values[name] = "en"
        else:
            values[name] = ids.get(name, 1)
    return rule.build(values, append_unknown=False)[1]


def roles_of(app, rule) -> tuple[str, ...] | None:
    return getattr(app.view_functions[rule.endpoint], "portal_roles", None)


def owner_ids(partner_users: dict[str, PortalUser]) -> dict[str, int]:
    admin = partner_users["admin"]
    session_id = db.session.scalar(select(PortalSession.id).where(PortalSession.user_id == admin.id))
    token = issue_token(admin, "reset")
    db.session.commit()
    from webview.portal.auth import hash_token
    from webview.portal.models import PortalToken

    token_id = db.session.scalar(select(PortalToken.id).where(PortalToken.token_hash == hash_token(token)))
    return {"user_id": admin.id, "session_id": session_id or 1, "token_id": token_id}


@pytest.mark.parametrize("role", ["admin", "developer", "finance"])
def test_partner_a_never_reaches_partner_b(app, two_partners, role):
    """IDOR: every portal URL (GET and POST, with a valid CSRF token) of partner B's objects, as A's `role`."""
    other = app.test_client()
    sign_in(other, two_partners.users_b["admin"].email)  # B's admin has a live session row to aim at
    ids = owner_ids(two_partners.users_b)
    client = app.test_client()
    sign_in(client, two_partners.users_a[role].email)
    token = csrf_token(client, "/portal/account")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    checked = 0
    for rule in portal_rules(app):
        url = fill(rule, two_partners.b.code, ids)
        own = rule.endpoint in OWN_ACCOUNT and "session_id" not in rule.arguments
        for method in sorted(rule.methods & {"GET", "POST"}):
            if own:
                continue
            response = client.open(url, method=method, data={"csrf_token": token, "role": "admin", "active": "0"})
            assert response.status_code in (403, 404), (role, method, url, response.status_code)
            checked += 1
    assert checked > 20
    # nothing of B's changed: no audit event names B
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.partner_id == two_partners.b.id,
                                                         AuditEvent.actor_id == two_partners.users_a[role].id))
    assert list(events) == [] and db.session.scalar(select(func.count()).select_from(AuditEvent)) >= before
    assert other.get(f"/portal/p/{two_partners.b.code}/").status_code == 200  # B's session still stands


@pytest.mark.parametrize("role", ["admin", "developer", "finance"])
def test_roles_open_only_their_pages(app, two_partners, role):
    """Within partner A: a page whose roles exclude `role` is 403; the others open (GET)."""
    client = app.test_client()
    sign_in(client, two_partners.users_a[role].email)
    ids = {"user_id": two_partners.users_a["admin"].id}
    for rule in portal_rules(app):
        roles = roles_of(app, rule)
        if roles is None or "GET" not in rule.methods:
            continue
        url = fill(rule, two_partners.a.code, ids)
        status = client.get(url).status_code
        if role in roles:
            assert status not in (403,), (role, url, status)
        else:
            assert status == 403, (role, url, status)


def test_operator_opens_every_partner_page(app, two_partners):
    """Operators see every partner: each partner page (of B, whose users they are not) opens."""
    client = app.test_client()
    sign_in(client, two_partners.operator.email)
    for rule in portal_rules(app):
        roles = roles_of(app, rule)
        if roles is None or "GET" not in rule.methods or "operator" not in roles or set(rule.arguments) != {"code"}:
            continue
        url = fill(rule, two_partners.b.code, {"user_id": two_partners.users_b["admin"].id})
        assert client.get(url).status_code in (200, 302), url


def test_every_post_needs_its_csrf_token(app, two_partners):
    """As the operator (who may do everything), each POST without the token is refused and changes nothing."""
    client = app.test_client()
    sign_in(client, two_partners.operator.email)
    ids = owner_ids(two_partners.users_a)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    posts = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("portal.") and
             "POST" in rule.methods]
    assert len(posts) > 15
    for rule in posts:
        url = fill(rule, two_partners.a.code, ids)
        response = client.post(url, data={"role": "admin", "active": "0", "email": "x@y.example",
                                          "password": "whatever-password"})
        assert response.status_code == 400, (url, response.status_code)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
    assert client.get("/portal/operator/partners").status_code == 200  # still signed in


def test_secrets_never_shown_again_nor_logged(app, two_partners, caplog):
    caplog.set_level(logging.DEBUG)
    partner, admin = two_partners.a, two_partners.users_a["admin"]
    client = app.test_client()
    sign_in(client, admin.email)
    rotated = client.post(f"/portal/p/{partner.code}/credentials/rotate-secret",
                          data={"grace_hours": "24",
                                "csrf_token": csrf_token(client, f"/portal/p/{partner.code}/credentials")})
    secret = re.search(r'revealed-client_secret">([^<]+)<', rotated.get_data(as_text=True)).group(1)
    keyed = client.post(f"/portal/p/{partner.code}/credentials/rotate-api-key",
                        data={"csrf_token": csrf_token(client, f"/portal/p/{partner.code}/credentials")})
    api_key = re.search(r'revealed-api_key">([^<]+)<', keyed.get_data(as_text=True)).group(1)
    assert rotated.headers["Cache-Control"] == "no-store" == keyed.headers["Cache-Control"]
    client.post(f"/portal/p/{partner.code}/team/invite", data={
        "name": "New Dev", "email": "newdev@wallet-a.example", "role": "developer",
        "csrf_token": csrf_token(client, f"/portal/p/{partner.code}/team")})
    run_once()
    link = re.search(r"token=([A-Za-z0-9_-]+)", db.session.scalars(select(SentEmail)).one().text).group(1)
    totp_page = client.get("/portal/account/totp").get_data(as_text=True)
    totp_secret = re.search(r'data-testid="totp-secret">([^<]+)<', totp_page).group(1)
    pages = "".join(client.get(url).get_data(as_text=True) for url in (
        f"/portal/p/{partner.code}/", f"/portal/p/{partner.code}/credentials", f"/portal/p/{partner.code}/audit",
        f"/portal/p/{partner.code}/team", "/portal/account"))
    for value in (secret, api_key):
        assert value not in pages
        assert all(value not in mail.text + mail.html for mail in db.session.scalars(select(SentEmail)))
    audit_text = " ".join(str(event.detail) for event in db.session.scalars(select(AuditEvent)))
    for value in (secret, api_key, link, totp_secret):
        assert value not in caplog.text, value
        assert value not in audit_text
    assert "credentials.secret_rotated" in pages and "credentials.api_key_rotated" in pages  # audited, no values


def test_audit_refuses_secret_looking_details(app, two_partners):
    from webview.portal.auth import audit

    with pytest.raises(ValueError):
        audit("oops", partner=two_partners.a, client_secret="x")
    with pytest.raises(ValueError):
        audit("oops", partner=two_partners.a, reset_token="x")
    event = audit("fine", partner=two_partners.a, partner_code="wallet-a")
    assert event.detail == {"partner_code": "wallet-a"}
    db.session.rollback()
