"""Security headers on every response, per-request CSP nonces, content-hashed static files."""

from __future__ import annotations

import re

import pytest

from webview.core.assets import IMMUTABLE, asset_url, content_hash
from webview.core.security import allow_csp_source, content_security_policy


def csp_directives(header: str) -> dict[str, list[str]]:
    """Parse a CSP header into {directive: [sources]}."""
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.mark.parametrize("path", ["/healthz", "/w/", "/no-such-page", "/static/css/app.css"])
def test_every_response_carries_the_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert [s for s in csp["script-src"] if s.startswith("'nonce-")]


def test_frame_ancestors_self_when_the_sandbox_frames_the_webview(client):
    csp = csp_directives(client.get("/healthz").headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'self'"]


def test_frame_ancestors_none_without_the_sandbox(make_app):
    app = make_app(SANDBOX_ENABLED=False)
    response = app.test_client().get("/healthz")
    assert csp_directives(response.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_nonce_is_fresh_per_request_and_matches_the_page(client):
    pages = [client.get("/w/") for _ in range(2)]
    nonces = []
    for page in pages:
        header_nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
        assert len(header_nonce) >= 22
        body = page.get_data(as_text=True)
        assert f'nonce="{header_nonce}"' in body  # the page's <style> uses this request's nonce
        nonces.append(header_nonce)
    assert nonces[0] != nonces[1]


def test_a_view_can_widen_one_directive(app):
    with app.test_request_context():
        allow_csp_source("form-action", "https://pay.partner.example")
        allow_csp_source("form-action", "https://pay.partner.example")
        response = app.process_response(app.response_class("ok"))
    csp = csp_directives(response.headers["Content-Security-Policy"])
    assert csp["form-action"] == ["'self'", "https://pay.partner.example"]


def test_policy_builder_drops_none_when_a_source_is_added():
    csp = csp_directives(content_security_policy("abc", False, {"object-src": ["https://x.example"]}))
    assert csp["object-src"] == ["https://x.example"]
    assert csp["script-src"] == ["'self'", "'nonce-abc'"]


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_hashed_static_urls_are_cached_forever(app, client):
    with app.test_request_context():
        url = asset_url("css/app.css")
        digest = content_hash("css/app.css")
    assert url == f"/static/css/app.css?v={digest}"
    assert re.fullmatch(r"[0-9a-f]{12}", digest)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
def test_unversioned_or_stale_static_urls_revalidate(client, query):
    response = client.get(f"/static/js/app.js{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


def test_hash_changes_with_the_content(app, tmp_path):
    """Where templates reload (development), an edited static file gets its new hash at once; production hashes
    each file once per process (tests/web/test_caching.py)."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "a.css").write_text("a{}")
    app.static_folder = str(static)
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    with app.test_request_context():
        first = content_hash("a.css")
        (static / "a.css").write_text("a{color:red}")
        assert content_hash("a.css") != first


@pytest.mark.parametrize("name", ["../setup.cfg", "missing.css", "css"])
def test_asset_url_refuses_unknown_files(app, name):
    with app.test_request_context(), pytest.raises(ValueError):
        asset_url(name)


# --- issue 9 finding 13: answers with personal data are never stored; HSTS in production; ASVS L2 V14.4 -------

DYNAMIC = ["/w/", "/w/orders", "/w/result?partner_code=nobody", "/w/no-such-page",
           "/api/v1/transaction?reference_transaction_id=261125-ABCD1234", "/api/openapi.json", "/healthz"]


@pytest.mark.parametrize("path", DYNAMIC)
def test_webview_pages_and_api_answers_are_never_stored(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_a_refused_api_post_is_never_stored(client):
    answer = client.post("/api/v1/webview-url", json={"identify_code": "u"})
    assert answer.status_code == 401 and answer.headers["Cache-Control"] == "no-store"


def test_a_view_cannot_make_a_webview_page_cacheable(app):
    with app.test_request_context("/w/orders"):
        response = app.response_class("personal data")
        response.headers["Cache-Control"] = "public, max-age=600"
        response = app.process_response(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_in_production_only(app, client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    app.config["APP_ENV"] = "production"
    for path in ("/healthz", "/w/", "/static/css/app.css"):
        assert client.get(path).headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("path", ["/w/", "/w/orders", "/api/openapi.json"])
def test_asvs_v14_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {"no-referrer", "strict-origin-when-cross-origin", "same-origin"}
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(item.strip().split("=", 1) for item in headers["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()"
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["base-uri"] == ["'none'"] and csp["object-src"] == ["'none'"] and csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] in (["'self'"], ["'none'"])
    assert not [source for sources in csp.values() for source in sources if source in {"*", "'unsafe-eval'"}]
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize("sandbox", [True, False])
def test_the_policy_written_per_request_is_the_builders_text_with_this_requests_nonce(make_app, sandbox):
    """The usual policy is kept per process around its nonce (issue 15): every response still carries exactly what
    content_security_policy writes for its own nonce, framed or not."""
    client = make_app(SANDBOX_ENABLED=sandbox).test_client()
    for _ in range(2):
        policy = client.get("/healthz").headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert policy == content_security_policy(nonce, sandbox)
