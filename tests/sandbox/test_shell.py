"""The host shell: lists the demo partners and frames url_open from the real partner API."""

from __future__ import annotations

import json
import re

import requests
from sqlalchemy import select

from sandbox.exchange import HttpResult
from webview.demo import run_seed
from webview.extensions import db
from webview.messagelog.models import PartnerMessage


def token_from(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def form(token: str, **overrides) -> dict:
    return {"csrf_token": token, "partner_code": "sbx-wallet", "identify_code": "shell-user",
            "identify_phone": "0912345678", "product": "vip", "layout": "single", "locale": "en", **overrides}


def test_empty_sandbox_says_how_to_seed(client):
    page = client.get("/sandbox/")
    assert page.status_code == 200 and "flask demo seed" in page.get_data(as_text=True)


def test_shell_lists_partners_and_frames_the_webview(client, sandbox_partner, monkeypatch):
    sent = []

    def fake_send(method, url, *, headers, body=None, timeout=None):
        sent.append(json.loads(body))
        return HttpResult(200, json.dumps({"code": 0, "data": {
            "url_open": "http://127.0.0.1:5000/w/launch?token=t1",
            "url_checkout_result": "http://127.0.0.1:5000/w/result?partner_code=sbx-wallet"}}).encode(), None, 2)

    monkeypatch.setattr("sandbox.exchange.send", fake_send)
    page = client.get("/sandbox/").get_data(as_text=True)
    assert "sbx-wallet" in page and 'data-testid="shell-open"' in page
    response = client.post("/sandbox/", data=form(token_from(page)))
    assert response.status_code == 200
    assert 'src="http://127.0.0.1:5000/w/launch?token=t1"' in response.get_data(as_text=True)
    assert sent == [{"identify_code": "shell-user", "identify_phone": "0912345678", "product": "vip",
                     "layout": "single", "locale": "en"}]
    themed = client.post("/sandbox/", data=form(token_from(page), theme='{"button_color": "#123456"}',
                                                email="qa@example.com"))
    assert themed.status_code == 200
    assert sent[-1]["theme"] == {"button_color": "#123456"} and sent[-1]["email"] == "qa@example.com"


def test_shell_refuses_bad_input_without_calling_anyone(client, sandbox_partner, monkeypatch):
    monkeypatch.setattr("sandbox.exchange.send", lambda *a, **k: (_ for _ in ()).throw(AssertionError("sent")))
    token = token_from(client.get("/sandbox/").get_data(as_text=True))
    assert client.post("/sandbox/", data=form(token, identify_code="a|b")).status_code == 400
    assert client.post("/sandbox/", data=form(token, identify_code="")).status_code == 400
    assert client.post("/sandbox/", data=form(token, partner_code="nobody")).status_code == 400
    assert client.post("/sandbox/", data=form("")).status_code == 400  # no CSRF token
    for theme in ("{not json", "[1, 2]", '"red"'):
        response = client.post("/sandbox/", data=form(token, theme=theme))
        assert response.status_code == 400 and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert client.post("/sandbox/", data=form(token, email="not-an-email")).status_code == 400


def test_shell_shows_the_api_refusal(client, sandbox_partner, monkeypatch):
    refusal = {"code": 7, "message": "authentication failed"}
    monkeypatch.setattr("sandbox.exchange.send",
                        lambda *a, **k: HttpResult(401, json.dumps(refusal).encode(), None, 2))
    token = token_from(client.get("/sandbox/").get_data(as_text=True))
    response = client.post("/sandbox/", data=form(token))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'data-testid="shell-error"' in html and "authentication failed" in html
    assert "shell-webview" not in html


def test_shell_over_http_launches_a_demo_partner(live_server_factory):
    server = live_server_factory()
    with server.app.app_context():
        run_seed()
    browser = requests.Session()
    page = browser.get(f"{server.url}/sandbox/", timeout=10)
    assert page.status_code == 200 and "demo-bridge" in page.text
    response = browser.post(f"{server.url}/sandbox/", timeout=30, data={
        "csrf_token": token_from(page.text), "partner_code": "demo-redirect", "identify_code": "shell-http",
        "identify_phone": "0912345678", "product": "flight", "locale": "vi"})
    assert response.status_code == 200, response.text
    url_open = re.search(r'<iframe src="([^"]+)"', response.text).group(1).replace("&amp;", "&")
    assert url_open.startswith(f"{server.url}/w/launch?token=")
    framed = browser.get(url_open, timeout=10)
    assert framed.status_code == 200 and "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
    with server.app.app_context():
        logged = db.session.scalar(select(PartnerMessage).where(PartnerMessage.direction == "sandbox-outbound"))
    assert logged.kind == "webview-url" and logged.status_code == 200


def test_shell_page_carries_the_native_contract(client, sandbox_partner):
    html = client.get("/sandbox/").get_data(as_text=True)
    for testid in ("shell-log", "shell-phone", "shell-sheet", "shell-back", "shell-close", "shell-scheme",
                   "shell-theme-playground", "shell-magic"):
        assert f'data-testid="{testid}"' in html
    assert "/sandbox/static/shell.js" in html and "sbx-decline" in html


def test_app_link_outside_the_shell_opens_the_web_payment_page(client):
    response = client.get("/sandbox/app/pay?transaction_id=SBX0123456789AB&amount=5")
    assert response.status_code == 303 and response.headers["Location"] == "/sandbox/pay/SBX0123456789AB"
    assert client.get("/sandbox/app/pay").status_code == 404


def test_payment_in_the_sheet_reports_back_to_the_app(client, merchant, fake_merchant):
    fake_merchant.answer = lambda *args: HttpResult(200, b'{"code":0}', None, 2)
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    path = f"/sandbox/pay/{transaction_id}?via=sheet"
    html = client.get(path).get_data(as_text=True)
    assert 'class="sb-nav"' not in html  # no sandbox navigation inside the app's sheet
    response = client.post(path, data={"csrf_token": token_from(html), "cancel": "1"})
    done = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-callback-status="cancel"' in done
    assert f'data-transaction-id="{transaction_id}"' in done and "/w/result?partner_code=sbx-wallet" in done
