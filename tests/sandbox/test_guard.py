"""One guard for the whole /sandbox tree (issue 9 finding 8): operator and QA tools need loopback or the token;
when SANDBOX_TOKEN is set it is required from every address; the partner-side routes stay open (own signatures)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

TOKEN = "sandbox-qa-token-7QK4M2XD-0123456789abcdef"
REMOTE = {"REMOTE_ADDR": "203.0.113.9"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}

# (method, path, status once through the guard) for every operator/QA route group of the sandbox
GUARDED = [
    ("GET", "/sandbox/", 200),                                                        # host shell
    ("POST", "/sandbox/", 400),                                                       # shell launch (no CSRF)
    ("GET", "/sandbox/api/transactions?reference_transaction_id=261125-NONE0000", 404),  # test API
    ("POST", "/sandbox/api/refunds", 400),
    ("GET", "/sandbox/api/messages?partner_code=nobody", 200),
    ("GET", "/sandbox/api/mail", 200),                                                # mail feed
    ("GET", "/sandbox/messages/", 200),                                               # inspector
    ("GET", "/sandbox/messages/export.json", 200),
    ("GET", "/sandbox/messages/999999", 404),
    ("POST", "/sandbox/messages/999999/resend", 400),
    ("GET", "/sandbox/operator/", 200),                                               # operator panel
    ("POST", "/sandbox/operator/cancel", 400),
    ("POST", "/sandbox/operator/refund", 400),
    ("GET", "/sandbox/cases/", 200),                                                  # certification cases
    ("GET", "/sandbox/mail", 200),                                                    # mail catcher
    ("GET", "/sandbox/mail/999999", 404),
    ("GET", "/sandbox/mail/999999/html", 404),
    ("GET", "/sandbox/no-such-page", 404),                                            # anything else under /sandbox
]
IDS = [f"{method} {path.split('?')[0]}" for method, path, _ in GUARDED]


def call(client, method: str, path: str, **kwargs):
    if method == "POST" and path.startswith("/sandbox/api/"):
        kwargs.setdefault("json", {})
    return client.open(path, method=method, **kwargs)


@pytest.fixture
def guarded(make_app):
    """A sandbox with SANDBOX_TOKEN set (a hosted sandbox for partner QA)."""
    app = make_app(SANDBOX_TOKEN=TOKEN)
    with app.app_context():
        yield app


@pytest.mark.parametrize(("method", "path", "through"), GUARDED, ids=IDS)
def test_remote_without_a_configured_token_is_refused(client, method, path, through):
    assert call(client, method, path, environ_base=REMOTE).status_code == 403


@pytest.mark.parametrize(("method", "path", "through"), GUARDED, ids=IDS)
def test_loopback_without_a_configured_token_is_open(client, method, path, through):
    assert call(client, method, path).status_code == through


@pytest.mark.parametrize(("method", "path", "through"), GUARDED, ids=IDS)
def test_a_configured_token_is_required_from_every_address(guarded, method, path, through):
    client = guarded.test_client()
    remote = call(client, method, path, environ_base=REMOTE)
    loopback = call(client, method, path)  # behind a proxy every caller looks like loopback
    wrong = call(client, method, path, environ_base=REMOTE, headers={"Authorization": "Bearer not-the-token"})
    assert (remote.status_code, loopback.status_code, wrong.status_code) == (401, 401, 403)
    assert TOKEN not in remote.get_data(as_text=True)
    assert call(client, method, path, environ_base=REMOTE, headers=BEARER).status_code == through
    assert call(client, method, path, headers=BEARER).status_code == through


def test_the_test_api_answers_json_and_the_pages_answer_html(guarded):
    client = guarded.test_client()
    api = client.get("/sandbox/api/mail", environ_base=REMOTE)
    assert api.is_json and api.headers["WWW-Authenticate"].startswith("Bearer")
    page = client.get("/sandbox/operator/", environ_base=REMOTE)
    assert page.mimetype == "text/html" and 'data-testid="sandbox-token-form"' in page.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path", "expected"), [
    ("POST", "/sandbox/partner/demo-redirect/transactions", 401),   # verifies the merchant's signature itself
    ("GET", "/sandbox/partner/demo-redirect/transactions/query", 401),
    ("POST", "/sandbox/partner/demo-redirect/refunds", 401),
    ("GET", "/sandbox/partner/demo-envelope/pay?key=x&data=y", 404),  # the merchant's sealed place-order redirect
    ("GET", "/sandbox/pay/SBXNOSUCHPAYMENT", 404),                     # the wallet page the user's browser opens
    ("GET", "/sandbox/app/pay?transaction_id=SBX1", 303),               # the app link outside the shell
    ("GET", "/sandbox/static/sandbox.css", 200),                       # the payment page's stylesheet
])
def test_partner_side_routes_stay_open_to_the_merchant_and_the_user(guarded, method, path, expected):
    response = call(guarded.test_client(), method, path, environ_base=REMOTE)
    assert response.status_code == expected


def test_a_page_takes_the_token_once_keeps_it_in_its_own_cookie_and_strips_it(guarded):
    client = guarded.test_client()
    first = client.get(f"/sandbox/operator/?reference=261125-ABCD1234&token={TOKEN}", environ_base=REMOTE)
    assert first.status_code == 303
    location = urlsplit(first.headers["Location"])
    assert (location.path, location.query) == ("/sandbox/operator/", "reference=261125-ABCD1234")
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith("sandbox_token=") and TOKEN not in cookie
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/sandbox"):
        assert flag in cookie
    assert client.get("/sandbox/operator/", environ_base=REMOTE).status_code == 200
    assert client.get("/sandbox/messages/export.json", environ_base=REMOTE).status_code == 200
    stranger = guarded.test_client()
    stranger.set_cookie("sandbox_token", "forged", path="/sandbox")
    assert stranger.get("/sandbox/operator/", environ_base=REMOTE).status_code == 403


def test_a_wrong_token_in_the_address_sets_nothing(guarded):
    client = guarded.test_client()
    refused = client.get("/sandbox/operator/?reference=x&token=guess", environ_base=REMOTE)
    assert refused.status_code == 403 and "Set-Cookie" not in refused.headers
    page = refused.get_data(as_text=True)
    assert "guess" not in page and 'value="/sandbox/operator/?reference=x"' in page  # the form returns there


def test_the_token_form_unlocks_and_returns_to_the_page(guarded):
    client = guarded.test_client()
    answer = client.post("/sandbox/unlock", data={"token": TOKEN, "next": "/sandbox/messages/?reference=x"},
                         environ_base=REMOTE)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/sandbox/messages/?reference=x")
    assert client.get("/sandbox/messages/", environ_base=REMOTE).status_code == 200
    wrong = guarded.test_client().post("/sandbox/unlock", data={"token": "guess", "next": "/sandbox/"},
                                       environ_base=REMOTE)
    assert wrong.status_code == 403 and "Set-Cookie" not in wrong.headers


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/sandbox/", "/w/orders", "/sandboxx"])
def test_the_token_form_returns_only_inside_the_sandbox(guarded, target):
    answer = guarded.test_client().post("/sandbox/unlock", data={"token": TOKEN, "next": target})
    assert answer.status_code == 303 and urlsplit(answer.headers["Location"]).path == "/sandbox/"
    assert "evil" not in answer.headers["Location"]
