"""Portal fixtures: partners with credentials, portal users of each role, and a signed-in test client."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pyotp
import pytest

from webview.extensions import db
from webview.partners.models import Partner
from webview.partners.services import PartnerSpec, create_partner
from webview.portal.accounts import add_user, enable_totp, set_password
from webview.portal.models import PortalUser

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def make_partner(code: str = "wallet-a", **changes) -> Partner:
    """A sandbox hmac partner on loopback URLs (the registry's own onboarding, so every rule holds)."""
    base = "http://127.0.0.1:5000/sandbox/partner/p"
    values = dict(code=code, name=f"{code.title()} Co", admin_name=f"Admin {code}", admin_email=f"admin@{code}.example",
                  create_transaction_url=f"{base}/create", query_transaction_url=f"{base}/query",
                  refund_url=f"{base}/refund", payment_url=f"{base}/pay", return_hosts=("127.0.0.1",))
    values.update(changes)
    partner, _issued = create_partner(PartnerSpec(**values))
    db.session.commit()
    return partner


def make_user(partner: Partner | None, role: str, email: str | None = None, *, password: str = PASSWORD,
              totp_secret: str | None = None) -> PortalUser:
    """An activated portal user (committed); with `totp_secret`, two-factor sign-in is on."""
    email = email or f"{role}@{partner.code if partner else 'merchant'}.example"
    user = add_user(email=email, name=f"{role.title()} {partner.code if partner else 'Op'}", role=role,
                    partner=partner)
    set_password(user, password)
    if totp_secret:
        enable_totp(user, totp_secret, pyotp.TOTP(totp_secret).at(time.time() - 30))  # the current code stays usable
    db.session.commit()
    return user


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on `url` (the portal's session keeps it)."""
    page = client.get(url)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no csrf_token on {url} ({page.status_code})"
    return match.group(1) or match.group(2)


def sign_in(client, email: str, password: str = PASSWORD, totp_secret: str | None = None):
    """Sign in through the real form (and the TOTP step); returns the last response."""
    response = client.post("/portal/sign-in", data={"email": email, "password": password,
                                                    "csrf_token": csrf_token(client, "/portal/sign-in")})
    if totp_secret and response.status_code == 302 and response.location.endswith("/portal/sign-in/code"):
        response = client.post("/portal/sign-in/code", data={
            "code": pyotp.TOTP(totp_secret).now(), "csrf_token": csrf_token(client, "/portal/sign-in/code")})
    return response


def post_form(client, page_url: str, action: str, data: dict | None = None, **kwargs):
    """POST `data` to `action` with the CSRF token of `page_url`."""
    return client.post(action, data={**(data or {}), "csrf_token": csrf_token(client, page_url)}, **kwargs)


@dataclass
class TwoPartners:
    a: Partner
    b: Partner
    users_a: dict[str, PortalUser]
    users_b: dict[str, PortalUser]
    operator: PortalUser


@pytest.fixture
def two_partners(app) -> TwoPartners:
    """Partners A and B with an admin, a developer and a finance user each, and one operator."""
    a, b = make_partner("wallet-a"), make_partner("wallet-b")
    users_a = {role: make_user(a, role) for role in ("admin", "developer", "finance")}
    users_b = {role: make_user(b, role) for role in ("admin", "developer", "finance")}
    return TwoPartners(a, b, users_a, users_b, make_user(None, "operator", "ops@merchant.example"))
