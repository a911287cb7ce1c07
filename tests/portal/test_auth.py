"""Signing in and out: the portal's own cookie, session rotation, lock-out, TOTP, sign out everywhere."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from tests.portal.conftest import PASSWORD, csrf_token, make_partner, make_user, post_form, sign_in
from webview.extensions import db
from webview.portal.models import AuditEvent, PortalSession, PortalUser


def portal_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("wv_portal="))


def test_sign_in_sets_the_portal_cookie_only_under_portal(app, client):
    partner = make_partner()
    user = make_user(partner, "admin")
    response = sign_in(client, user.email)
    assert response.status_code == 302 and response.location.endswith(f"/portal/p/{partner.code}/")
    cookie = portal_cookie(response)
    assert "Path=/portal" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert not any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))
    page = client.get(f"/portal/p/{partner.code}/")
    assert page.status_code == 200 and partner.name in page.get_data(as_text=True)
    # the webview's own screens never see the portal identity (the cookie's path is /portal)
    assert client.get_cookie("wv_portal", path="/portal") is not None
    assert client.get_cookie("session") is None


def test_secure_flag_when_public_url_is_https(make_app):
    app = make_app(PUBLIC_BASE_URL="https://shop.example")
    with app.app_context():
        response = app.test_client().get("/portal/sign-in")
        assert "Secure" in portal_cookie(response) and "SameSite=Strict" in portal_cookie(response)


def test_session_token_rotates_at_sign_in(app, client):
    user = make_user(make_partner(), "developer")
    csrf_token(client, "/portal/sign-in")
    before = client.get_cookie("wv_portal", path="/portal").value
    sign_in(client, user.email)
    after = client.get_cookie("wv_portal", path="/portal").value
    assert before != after
    # a second sign-in makes a new server-side session, the first stays only for its own browser
    other = app.test_client()
    sign_in(other, user.email)
    assert other.get_cookie("wv_portal", path="/portal").value != after
    rows = db.session.scalars(select(PortalSession).where(PortalSession.user_id == user.id)).all()
    assert len(rows) == 2 and len({row.token_hash for row in rows}) == 2


def test_a_planted_cookie_does_not_survive_sign_in(app, client):
    """Session fixation: an attacker's pre-sign-in cookie is not the signed-in one."""
    user = make_user(make_partner(), "admin")
    attacker = app.test_client()
    csrf_token(attacker, "/portal/sign-in")
    planted = attacker.get_cookie("wv_portal", path="/portal").value
    client.set_cookie("wv_portal", planted, path="/portal")
    sign_in(client, user.email)
    assert client.get_cookie("wv_portal", path="/portal").value != planted
    attacker.set_cookie("wv_portal", planted, path="/portal")
    assert attacker.get(f"/portal/p/{user.partner.code}/").status_code == 302  # still signed out


def test_wrong_password_is_refused_and_audited(app, client):
    user = make_user(make_partner(), "admin")
    response = sign_in(client, user.email, "not the password at all")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Wrong email or password" in html or "Sai email" in html
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)) == "portal.signin_failed"


def test_lock_out_after_repeated_failures(make_app):
    app = make_app(PORTAL_MAX_FAILED_SIGNINS=3, PORTAL_LOCKOUT_MINUTES=10)
    with app.app_context():
        user = make_user(make_partner(), "admin")
        client = app.test_client()
        for _ in range(2):
            assert sign_in(client, user.email, "wrong password number x").status_code == 401
        locked = sign_in(client, user.email, "wrong password number x")
        assert locked.status_code == 429
        assert "10" in locked.get_data(as_text=True)
        # the right password does not open a locked account
        again = sign_in(client, user.email, PASSWORD)
        assert again.status_code == 429 and client.get(f"/portal/p/{user.partner.code}/").status_code == 302
        db.session.expire_all()
        assert db.session.get(PortalUser, user.id).locked_until is not None


def test_rate_limit_per_address_and_per_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True, PORTAL_SIGNIN_RATE_LIMIT="3/minute",
                   PORTAL_ACCOUNT_SIGNIN_RATE_LIMIT="100/hour", PORTAL_MAX_FAILED_SIGNINS=100)
    with app.app_context():
        user = make_user(make_partner(), "admin")
        client = app.test_client()
        statuses = [sign_in(client, f"nobody{i}@x.example", "whatever password").status_code for i in range(4)]
        assert statuses == [401, 401, 401, 429]
        # another address is not limited by the first one's attempts
        other = app.test_client()
        response = other.post("/portal/sign-in", data={"email": user.email, "password": PASSWORD,
                                                       "csrf_token": csrf_token(other, "/portal/sign-in")},
                              environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert response.status_code == 302


def test_per_account_limit_from_many_addresses(make_app):
    app = make_app(RATELIMIT_ENABLED=True, PORTAL_SIGNIN_RATE_LIMIT="100/minute",
                   PORTAL_ACCOUNT_SIGNIN_RATE_LIMIT="2/hour", PORTAL_MAX_FAILED_SIGNINS=100)
    with app.app_context():
        user = make_user(make_partner(), "admin")
        statuses = []
        for i in range(3):
            client = app.test_client()
            token = csrf_token(client, "/portal/sign-in")
            statuses.append(client.post("/portal/sign-in", data={"email": user.email, "password": "bad password 123",
                                                                 "csrf_token": token},
                                        environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"}).status_code)
        assert statuses == [401, 401, 429]


def test_totp_sign_in_and_replay(app, client):
    secret = pyotp.random_base32()
    user = make_user(make_partner(), "admin", totp_secret=secret)
    first = client.post("/portal/sign-in", data={"email": user.email, "password": PASSWORD,
                                                 "csrf_token": csrf_token(client, "/portal/sign-in")})
    assert first.location.endswith("/portal/sign-in/code")
    assert client.get(f"/portal/p/{user.partner.code}/").status_code == 302  # not signed in yet
    code = pyotp.TOTP(secret).now()
    ok = post_form(client, "/portal/sign-in/code", "/portal/sign-in/code", {"code": code})
    assert ok.status_code == 302 and client.get(f"/portal/p/{user.partner.code}/").status_code == 200
    other = app.test_client()
    other.post("/portal/sign-in", data={"email": user.email, "password": PASSWORD,
                                        "csrf_token": csrf_token(other, "/portal/sign-in")})
    replay = post_form(other, "/portal/sign-in/code", "/portal/sign-in/code", {"code": code})
    assert replay.status_code == 401


def test_sign_out_everywhere(app, client):
    user = make_user(make_partner(), "developer")
    browsers = [app.test_client() for _ in range(2)]
    for browser in [client, *browsers]:
        sign_in(browser, user.email)
    overview = f"/portal/p/{user.partner.code}/"
    assert all(browser.get(overview).status_code == 200 for browser in browsers)
    page = client.get("/portal/account")
    assert page.get_data(as_text=True).count("pt-table") and b"session-list" in page.data
    response = post_form(client, "/portal/account", "/portal/account/sessions/end-all")
    assert response.status_code == 302
    assert all(browser.get(overview).status_code == 302 for browser in [client, *browsers])


def test_operator_must_enrol_totp_when_required(make_app):
    app = make_app(PORTAL_REQUIRE_TOTP_FOR_OPERATORS=True)
    with app.app_context():
        make_partner()
        user = make_user(None, "operator", "ops@merchant.example")
        client = app.test_client()
        response = sign_in(client, user.email)
        assert response.location.endswith("/portal/account/totp")
        assert client.get("/portal/operator/partners").location.endswith("/portal/account/totp")
        page = client.get("/portal/account/totp").get_data(as_text=True)
        assert "<svg" in page
        secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
        done = post_form(client, "/portal/account/totp", "/portal/account/totp", {"code": pyotp.TOTP(secret).now()})
        assert done.status_code == 302
        assert client.get("/portal/operator/partners").status_code == 200


def test_a_signed_out_visit_comes_back_after_sign_in(app, client):
    user = make_user(make_partner(), "admin")
    first = client.get(f"/portal/p/{user.partner.code}/keys")
    assert first.status_code == 302 and "next=/portal/p/wallet-a/keys" in first.location
    token = csrf_token(client, first.location)
    response = client.post(first.location, data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.location == f"/portal/p/{user.partner.code}/keys"
    # never to another site
    other = app.test_client()
    token = csrf_token(other, "/portal/sign-in")
    away = other.post("/portal/sign-in?next=//evil.example/x", data={"email": user.email, "password": PASSWORD,
                                                                     "csrf_token": token})
    assert away.location == f"/portal/p/{user.partner.code}/"


def test_a_form_without_its_token_is_explained(app, client):
    user = make_user(make_partner(), "admin")
    sign_in(client, user.email)
    response = client.post("/portal/account/sessions/end-all")
    assert response.status_code == 400 and b"portal-error-400" in response.data
    assert client.get(f"/portal/p/{user.partner.code}/").status_code == 200
