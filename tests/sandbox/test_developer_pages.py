"""Issue 11 point 9: the sandbox's developer pages are English whatever the webview session's language, the
inspector shows times to the millisecond and the signed string both decoded and base64url-encoded, and the wallet
page inside the host shell's phone frame has no desktop navigation."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import pytest

from tests.web.conftest import make_launch, make_partner, sign_in
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.messagelog.services import log_exchange

DEVELOPER_PAGES = ["/sandbox/", "/sandbox/messages/", "/sandbox/operator/", "/sandbox/cases/", "/sandbox/mail"]


def language_of(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


@pytest.fixture
def vietnamese_session(app, client):
    """The browser of a developer who just launched the webview in Vietnamese (the session cookie says vi)."""
    sign_in(client, make_launch(make_partner("vi-wallet"), "dev-user", locale="vi"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi-VN,vi;q=0.9"
    return client


@pytest.mark.parametrize("path", DEVELOPER_PAGES)
def test_developer_pages_stay_english_after_a_vietnamese_launch(vietnamese_session, sandbox_partner, path):
    response = vietnamese_session.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert language_of(html) == "en", path
    assert "Sandbox partner app" in html and "Thử nghiệm" not in html


def test_exchange_detail_is_english_with_english_verdicts(vietnamese_session, merchant):
    merchant.create()
    page = vietnamese_session.get("/sandbox/messages/").get_data(as_text=True)
    assert language_of(page) == "en" and "Verdict" in page
    message_id = re.search(r'/sandbox/messages/(\d+)"', page).group(1)
    detail = vietnamese_session.get(f"/sandbox/messages/{message_id}").get_data(as_text=True)
    assert language_of(detail) == "en" and "What was signed" in detail


def _logged(canonical: str, at: datetime) -> PartnerMessage:
    message = log_exchange(direction="outbound", method="POST", url="https://wallet.example/transactions",
                           kind="create", partner_code="sbx-wallet", canonical=canonical, verdict="ok")
    message.created_at = at
    db.session.commit()
    return message


def test_inspector_times_have_seconds_and_milliseconds(client, sandbox_partner):
    message = _logged("", datetime(2026, 11, 30, 3, 45, 7, 123456, tzinfo=UTC))
    listing = client.get("/sandbox/messages/").get_data(as_text=True)
    assert "10:45:07.123" in listing  # GMT+7
    detail = client.get(f"/sandbox/messages/{message.id}").get_data(as_text=True)
    assert "10:45:07.123" in detail and "2026-11-30" in detail


def test_signed_string_is_shown_decoded_and_base64url_encoded(client, sandbox_partner):
    """A bodiless call signs its request target: logged as it was signed, so both forms are exact."""
    payload = b"1764474307123.7f1d2c9e-0b4a-4c52-9d0e-3f1a2b3c4d5e./transactions/query?transaction_id=T1"
    signed = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    message = _logged(signed, datetime(2026, 11, 30, 3, 45, 7, tzinfo=UTC))
    detail = client.get(f"/sandbox/messages/{message.id}").get_data(as_text=True)
    decoded = re.search(r'data-testid="message-canonical">([^<]*)<', detail).group(1)
    assert decoded.replace("&#34;", '"').replace("&quot;", '"') == payload.decode()
    encoded = re.search(r'data-testid="message-canonical-base64url">([^<]*)<', detail).group(1)
    assert encoded == signed


def test_a_masked_signed_string_shows_decoded_and_says_why_it_has_no_base64url(client, sandbox_partner):
    payload = b'1764474307123.cid.{"customer":{"identify_phone":"0912345678"}}'
    signed = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    message = _logged(signed, datetime(2026, 11, 30, 3, 45, 7, tzinfo=UTC))
    if message.canonical.encode() == payload:
        pytest.fail("the phone number was expected to be masked in the log")
    detail = client.get(f"/sandbox/messages/{message.id}").get_data(as_text=True)
    assert 'data-testid="message-canonical-base64url"' not in detail
    assert "1764474307123.cid." in re.search(r'data-testid="message-canonical">([^<]*)<', detail).group(1)
    assert "masked" in re.search(r'data-testid="message-canonical-note">([^<]*)<', detail).group(1)


def test_wallet_page_in_the_phone_frame_has_no_desktop_navigation(client, merchant):
    transaction_id = merchant.create().get_json()["data"]["transaction_id"]
    plain = client.get(f"/sandbox/pay/{transaction_id}").get_data(as_text=True)
    assert 'class="sb-nav"' in plain
    framed = client.get(f"/sandbox/pay/{transaction_id}", headers={"Sec-Fetch-Dest": "iframe"})
    assert framed.status_code == 200 and 'class="sb-nav"' not in framed.get_data(as_text=True)
    embedded = client.get(f"/sandbox/pay/{transaction_id}?embedded=1").get_data(as_text=True)
    assert 'class="sb-nav"' not in embedded
    # the wallet's own form posts back to the same URL, so it stays embedded
    assert re.search(r'<form method="post"(?![^>]*action=)', embedded)
