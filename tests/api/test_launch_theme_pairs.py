"""Issue 11 point 6 at the launch API: `header_text_color` is a token a launch may override, and a pair the
screens draw below AA is refused with code 1 and named."""

from __future__ import annotations

PARTNER_HEADER = "#a3195b"


def test_a_launch_may_override_header_text_color(client, hmac_partner):
    """code 1 with the pair named when the launch override itself carries both colours of the pair."""
    body = {"identify_code": "user-42", "identify_phone": "0912345678", "locale": "en",
            "theme": {"header_bg_color": PARTNER_HEADER, "header_text_color": "#ffffff"}}
    assert hmac_partner.post(client, "/api/v1/webview-url", body).get_json()["code"] == 0
    bad = {**body, "theme": {"header_bg_color": PARTNER_HEADER, "header_text_color": "#1f2328"}}
    answer = hmac_partner.post(client, "/api/v1/webview-url", bad).get_json()
    assert answer["code"] == 1 and answer["data"]["fields"] == ["theme.header_text_color/header_bg_color"]
