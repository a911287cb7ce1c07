"""The sandbox mail catcher: inbox pages and the JSON feed outside test suites read."""

from __future__ import annotations

import time

import pytest

from tests.emails.conftest import add_partner, make_order
from webview.emails import queue_email
from webview.extensions import db
from webview.jobs import run_once


@pytest.fixture
def caught(make_app):
    """A catcher-mode app (no MAIL_URL) holding three delivered emails."""
    app = make_app(MAIL_URL=None, SANDBOX_TOKEN="sandbox-token")
    with app.app_context():
        partner = add_partner(name="Ví <Demo>")
        queue_email("held", to="an@example.vn", locale="vi", partner_id=partner.id,
                    order=make_order(reference="261122-FIRST001"))
        db.session.commit()
        run_once()
        time.sleep(0.01)  # distinct acceptance times
        queue_email("issued", to="an@example.vn", locale="en", partner_id=partner.id,
                    order=make_order(reference="261122-LATER002"))
        queue_email("hold_failed", to="binh@example.vn", locale="vi", partner_id=partner.id,
                    order=make_order(reference="261122-OTHER003"))
        db.session.commit()
        run_once()
        yield app


def test_mail_feed_newest_first_filtered_by_recipient(caught):
    client = caught.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer sandbox-token"  # a set token is required on loopback too
    response = client.get("/sandbox/api/mail?to=an@example.vn")
    assert response.status_code == 200
    mails = response.get_json()
    assert [m["kind"] for m in mails] == ["issued", "held"]
    first = mails[0]
    assert set(first) >= {"to", "subject", "kind", "text", "html"}
    assert first["to"] == "an@example.vn" and "261122-LATER002" in first["subject"]
    assert "<html" in first["html"] and "Order number" in first["text"]
    assert len(client.get("/sandbox/api/mail").get_json()) == 3
    assert client.get("/sandbox/api/mail?to=AN@example.vn").get_json()[0]["kind"] == "issued"
    assert client.get("/sandbox/api/mail?to=nobody@example.vn").get_json() == []
    assert client.get("/sandbox/api/mail?to=" + "a" * 300).status_code == 400


def test_mail_feed_needs_the_token_off_loopback(caught):
    client = caught.test_client()
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/sandbox/api/mail", environ_base=remote).status_code == 401
    wrong = client.get("/sandbox/api/mail", environ_base=remote, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    ok = client.get("/sandbox/api/mail", environ_base=remote, headers={"Authorization": "Bearer sandbox-token"})
    assert ok.status_code == 200 and len(ok.get_json()) == 3


def test_inbox_and_message_pages(caught):
    client = caught.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer sandbox-token"  # a set token is required on loopback too
    page = client.get("/sandbox/mail")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert body.count('data-testid="sandbox-mail-item"') == 3
    assert body.index("261122-LATER002") < body.index("261122-FIRST001")
    filtered = client.get("/sandbox/mail?to=binh@example.vn").get_data(as_text=True)
    assert filtered.count('data-testid="sandbox-mail-item"') == 1

    with caught.app_context():
        from sqlalchemy import select

        from webview.emails import SentEmail
        mail_id = db.session.scalar(select(SentEmail.id).where(SentEmail.reference == "261122-FIRST001"))
    detail = client.get(f"/sandbox/mail/{mail_id}").get_data(as_text=True)
    assert f'src="/sandbox/mail/{mail_id}/html" sandbox=""' in detail
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail  # the text part, escaped in the page
    html = client.get(f"/sandbox/mail/{mail_id}/html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    csp = html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert client.get("/sandbox/mail/999999").status_code == 404
