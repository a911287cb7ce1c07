"""POST /api/v1/webview-url and GET /w/launch, against the DESIGN.md contract."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from webview.extensions import db
from webview.launch.models import LaunchSession, LaunchToken
from webview.messagelog.models import PartnerMessage

LAUNCH = {"identify_code": "user-42", "identify_phone": "0912345678", "identify_fullname": "Nguyễn Văn An",
          "email": "an@example.vn", "product": "hotel", "layout": "single", "locale": "en"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_launch_returns_urls_and_opens_a_session_once(client, hmac_partner, app):
    response = hmac_partner.post(client, "/api/v1/webview-url", LAUNCH)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["code"] == 0
    data = body["data"]
    assert data["url_checkout_result"] == "http://127.0.0.1:5000/w/result?partner_code=wallet-one"
    assert abs(data["expires_at"] - (time.time() * 1000 + 300_000)) < 10_000
    url = urlsplit(data["url_open"])
    token = parse_qs(url.query)["token"][0]
    assert len(token) >= 40
    # only a hash of the token is stored
    assert db.session.scalar(select(LaunchToken.token_hash)) != token

    opened = client.get(f"{url.path}?{url.query}")
    assert opened.status_code == 303
    assert "token" not in opened.headers["Location"]
    assert count(LaunchSession) == 1
    session_row = db.session.scalar(select(LaunchSession))
    assert (session_row.product, session_row.layout, session_row.locale) == ("hotel", "single", "en")

    again = app.test_client().get(f"{url.path}?{url.query}")
    assert again.status_code == 410
    assert b"reopen" in again.data or b"open the service again" in again.data
    assert count(LaunchSession) == 1


def test_relaunch_ends_the_previous_session(client, hmac_partner):
    urls = []
    for _ in range(2):
        data = hmac_partner.post(client, "/api/v1/webview-url", LAUNCH).get_json()["data"]
        urls.append(urlsplit(data["url_open"]))
    for url in urls:
        assert client.get(f"{url.path}?{url.query}").status_code == 303
    rows = db.session.scalars(select(LaunchSession).order_by(LaunchSession.created_at)).all()
    assert [row.ended_at is not None for row in rows] == [True, False]


def test_expired_token_gets_the_friendly_page(make_app, hmac_partner, client):
    data = hmac_partner.post(client, "/api/v1/webview-url", LAUNCH).get_json()["data"]
    db.session.execute(LaunchToken.__table__.update().values(expires_at=LaunchToken.created_at))
    db.session.commit()
    url = urlsplit(data["url_open"])
    response = client.get(f"{url.path}?{url.query}")
    assert response.status_code == 410
    assert "Phiên làm việc đã hết hạn".encode() in response.data


def test_unknown_token(client):
    assert client.get("/w/launch?token=nope").status_code == 410
    assert client.get("/w/launch").status_code == 410


def test_replayed_request_is_refused(client, hmac_partner):
    raw = json.dumps(LAUNCH).encode()
    headers = hmac_partner.headers(raw)
    first = client.post("/api/v1/webview-url", data=raw, headers=headers, content_type="application/json")
    second = client.post("/api/v1/webview-url", data=raw, headers=headers, content_type="application/json")
    assert first.get_json()["code"] == 0
    assert second.status_code == 401
    assert second.get_json()["code"] == 7
    assert count(LaunchToken) == 1


@pytest.mark.parametrize(
    ("mutate", "expected_status", "expected_code"),
    [
        (lambda h: h.update({"X-Client-Id": "unknown"}), 401, 7),
        (lambda h: h.update({"X-Signature": "0" * 64}), 401, 7),
        (lambda h: h.pop("X-Signature"), 401, 7),
        (lambda h: h.update({"X-Timestamp": "abc"}), 401, 7),
    ],
)
def test_bad_authentication(client, hmac_partner, mutate, expected_status, expected_code):
    raw = json.dumps(LAUNCH).encode()
    headers = hmac_partner.headers(raw)
    mutate(headers)
    response = client.post("/api/v1/webview-url", data=raw, headers=headers, content_type="application/json")
    assert response.status_code == expected_status
    assert response.get_json()["code"] == expected_code
    assert count(LaunchToken) == 0


@pytest.mark.parametrize("skew_s", [-301, 301])
def test_stale_or_future_timestamp(client, hmac_partner, skew_s):
    ts = int(time.time() * 1000) + skew_s * 1000
    response = hmac_partner.post(client, "/api/v1/webview-url", LAUNCH, timestamp_ms=ts)
    assert response.status_code == 401
    assert response.get_json()["code"] == 7


def test_suspended_partner_is_refused_and_its_sessions_end(client, hmac_partner, runner):
    data = hmac_partner.post(client, "/api/v1/webview-url", LAUNCH).get_json()["data"]
    url = urlsplit(data["url_open"])
    assert client.get(f"{url.path}?{url.query}").status_code == 303
    assert client.get("/w/").status_code in {200, 302, 303}
    assert runner.invoke(args=["partners", "suspend", hmac_partner.code]).exit_code == 0
    response = hmac_partner.post(client, "/api/v1/webview-url", LAUNCH)
    assert response.status_code == 401
    assert response.get_json()["code"] == 7
    assert client.get("/w/").status_code == 401


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["identify_code", "identify_phone"]),
        ({**LAUNCH, "product": "train"}, ["product"]),
        ({**LAUNCH, "identify_code": 42}, ["identify_code"]),
        ({**LAUNCH, "email": "not-an-email"}, ["email"]),
        ({**LAUNCH, "surprise": 1}, ["surprise"]),
        ({**LAUNCH, "theme": {"button_color": "red"}}, ["theme.button_color"]),
        ({**LAUNCH, "theme": {"bg_color": "#ffffff", "text_color": "#fefefe"}}, ["theme.text_color"]),
    ],
)
def test_invalid_body_lists_fields(client, hmac_partner, body, fields):
    response = hmac_partner.post(client, "/api/v1/webview-url", body)
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["code"] == 1
    for field in fields:
        assert any(name == field or name.startswith(field) for name in answer["data"]["fields"]), answer
    assert count(LaunchToken) == 0


def test_malformed_json_and_wrong_type(client, hmac_partner):
    response = hmac_partner.post(client, "/api/v1/webview-url", b"{not json")
    assert response.status_code == 400
    assert response.get_json()["data"]["fields"] == ["body"]
    raw = b"[]"
    response = hmac_partner.post(client, "/api/v1/webview-url", raw)
    assert response.get_json()["code"] == 1


def test_json_errors_never_html(client, hmac_partner):
    assert client.get("/api/nope").get_json()["code"] == 1
    assert client.get("/api/v1/webview-url").status_code == 405
    assert client.get("/api/v1/webview-url").get_json()["code"] == 1
    raw = b"identify_code=x"
    response = client.post("/api/v1/webview-url", data=raw, headers=hmac_partner.headers(raw),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.get_json()["code"] == 1
    big = b'{"identify_code":"' + b"x" * 70000 + b'"}'
    response = client.post("/api/v1/webview-url", data=big, headers=hmac_partner.headers(big),
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["code"] == 1


def test_message_log_records_without_secrets(client, hmac_partner):
    hmac_partner.post(client, "/api/v1/webview-url", LAUNCH)
    hmac_partner.post(client, "/api/v1/webview-url", LAUNCH, timestamp_ms=1)
    rows = db.session.scalars(select(PartnerMessage).order_by(PartnerMessage.id)).all()
    assert [row.status_code for row in rows] == [200, 401]
    assert rows[0].partner_code == "wallet-one"
    assert rows[0].canonical  # the signed payload is kept for debugging
    dump = json.dumps([[r.url, r.request_headers, r.request_body, r.response_body, r.canonical] for r in rows])
    assert hmac_partner.client_secret not in dump
    assert "token=" not in dump.replace("token=[redacted]", "")
    assert "0912345678" not in dump
    assert "Nguyễn Văn An" not in dump


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    document = client.get("/api/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    schema = document["components"]["schemas"]["WebviewUrlRequest"]
    assert set(schema["required"]) == {"identify_code", "identify_phone"}


def test_openapi_describes_every_partner_endpoint(client, app):
    document = client.get("/api/openapi.json").get_json()
    routes = {
        (rule.rule.replace("<", "{").replace(">", "}"), method.lower())  # /partners/<code>/ipn is {code} there
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/v1/", "/api/partner/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == described


VECTORS = json.loads((Path(__file__).resolve().parents[2] / "docs" / "partners" / "vectors.json")
                     .read_text(encoding="utf-8"))


def operations(document: dict):
    """(where, method, operation) of every path and every webhook."""
    for where, item in [*document["paths"].items(), *document["webhooks"].items()]:
        for method, operation in item.items():
            yield where, method, operation


def test_openapi_webhooks_describe_the_merchants_calls_to_the_partner(client):
    from openapi_spec_validator import validate

    document = client.get("/api/openapi.json").get_json()
    validate(document)
    webhooks = document["webhooks"]
    assert {(name, method) for name, item in webhooks.items() for method in item} == \
        {("createTransaction", "post"), ("queryTransaction", "get"), ("refund", "post"),
         ("reconciliationFile", "get")}
    schemas = document["components"]["schemas"]
    create = webhooks["createTransaction"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CreateTransactionRequest")
    assert set(schemas["CreateTransactionRequest"]["required"]) == {
        "reference_transaction_id", "amount", "currency", "description", "ipn_url", "return_url", "expires_at",
        "customer"}
    assert "transaction_amount" not in schemas["CreateTransactionRequest"]["properties"]
    assert set(schemas["RefundRequest"]["required"]) == {
        "reference_transaction_id", "transaction_amount", "transaction_id", "reason", "request_id"}
    assert set(schemas["QueryTransactionData"]["required"]) == {"transaction_id", "status", "amount"}
    assert schemas["CreateTransactionData"]["required"] == ["transaction_id"]
    answer = create["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["data"]["$ref"].endswith("/CreateTransactionData")
    query = webhooks["queryTransaction"]["get"]
    assert query["parameters"][0]["name"] == "reference_transaction_id"
    for item in webhooks.values():
        for operation in item.values():
            assert operation["security"] == [{"ClientId": [], "Timestamp": [], "Signature": []}]
            assert "retried" in operation["description"] and "5XX" in operation["responses"]
    # the request examples are exactly what the merchant sends (docs/partners/vectors.json, checked against the
    # gateway by tests/examples/test_partner_docs.py)
    published = {item["name"]: item for item in VECTORS["hmac"]["requests"]}
    assert create["requestBody"]["content"]["application/json"]["examples"]["vip"]["value"] == \
        json.loads(published["create-transaction"]["body"])
    assert webhooks["refund"]["post"]["requestBody"]["content"]["application/json"]["examples"]["partial"][
        "value"] == json.loads(published["refund"]["body"])


def test_openapi_has_examples_on_every_operation_and_described_security(client):
    document = client.get("/api/openapi.json").get_json()
    for where, method, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        for media in content.values():
            assert "example" in media or "examples" in media, (where, method, "request")
        for parameter in operation.get("parameters", []):
            assert "example" in parameter, (where, method, parameter["name"])
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                assert "example" in media or "examples" in media, (where, method, status)
    for name, scheme in document["components"]["securitySchemes"].items():
        assert len(scheme.get("description", "")) > 30, name
    assert "base64url_nopad" in document["components"]["securitySchemes"]["Signature"]["description"]


def test_openapi_documents_the_envelope_layouts_and_real_examples(client):
    from webview.signing import envelope

    document = client.get("/api/openapi.json").get_json()
    paths = document["paths"]
    specs = {"/api/v1/partner/login": (envelope.LOGIN_REQUEST, envelope.LOGIN_RESPONSE),
             "/api/v1/partner/commit": (envelope.COMMIT_REQUEST, envelope.COMMIT_RESPONSE),
             "/api/v1/partner/query-trans": (envelope.QUERY_REQUEST, envelope.QUERY_RESPONSE)}
    for path, (request_spec, answer_spec) in specs.items():
        description = paths[path]["post"]["description"]
        for spec in (request_spec, answer_spec):  # signature and timestamp positions, as the code seals them
            assert f"`{'|'.join(spec.signed_fields)}`" in description, (path, spec.name)
            assert f"`{'|'.join(spec.original_fields)}`" in description, (path, spec.name)
        assert "timestamp" in description and "RSA-PSS" in description and "SHA256withRSA" in description
    envelope_schema = document["components"]["schemas"]["EnvelopeRequest"]["description"]
    assert "access_code|booking_number|product_type|signature|total_amount" in envelope_schema  # place order
    sealed = {(item["name"]): {"key": item["key"], "data": item["data"]}
              for item in VECTORS["envelope"]["messages"] if item["suite"] == "modern"}
    login = paths["/api/v1/partner/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["examples"]["login_request (modern)"]["value"] == \
        sealed["login_request"]
    assert login["responses"]["200"]["content"]["application/json"]["examples"]["login_response (modern)"][
        "value"] == sealed["login_response"]
    ipn = paths["/api/v1/payment/ipn"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    published = {item["name"]: item for item in VECTORS["hmac"]["requests"]}
    assert next(iter(ipn.values()))["value"] == json.loads(published["ipn"]["body"])


def test_openapi_examples_match_their_schemas(client):
    from jsonschema import Draft202012Validator

    document = client.get("/api/openapi.json").get_json()
    checked = 0
    for where, method, operation in operations(document):
        media = [("request", m) for m in operation.get("requestBody", {}).get("content", {}).values()]
        media += [(status, m) for status, response in operation["responses"].items()
                  for m in response.get("content", {}).values()]
        for label, item in media:
            validator = Draft202012Validator({"allOf": [item["schema"]], "components": document["components"]})
            examples = [example["value"] for example in item.get("examples", {}).values()]
            examples += [item["example"]] if "example" in item else []
            for example in examples:
                errors = [error.message for error in validator.iter_errors(example)]
                assert not errors, (where, method, label, errors)
                checked += 1
    assert checked > 30


def test_a_launch_without_locale_follows_the_device(client, hmac_partner):
    """issue 11 point 8: no `locale` in the launch → the device's language decides words and dates alike."""
    body = {key: value for key, value in LAUNCH.items() if key != "locale"}
    data = hmac_partner.post(client, "/api/v1/webview-url", body).get_json()["data"]
    url = urlsplit(data["url_open"])
    assert client.get(f"{url.path}?{url.query}").status_code == 303
    english = client.get("/w/orders", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en"' in english and "My orders" in english
    vietnamese = client.get("/w/orders", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert '<html lang="vi"' in vietnamese and "Đơn hàng của tôi" in vietnamese
